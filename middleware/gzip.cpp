// Starlette 0.25's GZipMiddleware, with the gzip stream Python's gzip.GzipFile writes (header by hand,
// raw deflate with the same parameters), so the bytes are the same as Starlette's.
#include "middleware/middleware.h"

#include <cstring>
#include <ctime>
#include <stdexcept>
#include <zlib.h>

namespace turbo::middleware {

struct GzipStream::State {
    z_stream z{};
};

GzipStream::GzipStream() = default;

GzipStream::~GzipStream() {
    if (state_) {
        deflateEnd(&state_->z);
        delete state_;
    }
}

bool GzipStream::begin(int level, uint32_t mtime) {
    if (!state_) {
        state_ = new (std::nothrow) State;
        if (!state_) return false;
        // zlib.compressobj(level, DEFLATED, -MAX_WBITS, DEF_MEM_LEVEL, 0), as GzipFile does.
        if (deflateInit2(&state_->z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            delete state_;
            state_ = nullptr;
            return false;
        }
        level_ = level;
    } else if (deflateReset(&state_->z) != Z_OK) {
        return false;
    } else if (level != level_) {
        if (deflateParams(&state_->z, level, Z_DEFAULT_STRATEGY) != Z_OK) return false;
        level_ = level;
    }
    const uint8_t xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
    const uint8_t header[10] = {
        0x1f, 0x8b, 8, 0, uint8_t(mtime), uint8_t(mtime >> 8), uint8_t(mtime >> 16), uint8_t(mtime >> 24),
        xfl,  0xff};
    std::memcpy(header_, header, sizeof header_);
    header_pending_ = true;
    active_ = true;
    crc_ = uint32_t(crc32(0, nullptr, 0));
    size_ = 0;
    return true;
}

namespace {

// Runs deflate over `in` until it is consumed (and, for a flush, until zlib has nothing left),
// growing `out` as Python's zlib module does. Growth within capacity does not allocate.
bool run_deflate(z_stream& z, std::string_view in, std::string& out, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    while (true) {
        size_t used = out.size();
        size_t room = std::max<size_t>(out.capacity() - used, in.size() / 2 + 256);
        out.resize(used + room);
        z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
        z.avail_out = uInt(room);
        int rc = deflate(&z, flush);
        out.resize(used + (room - z.avail_out));
        if (rc == Z_STREAM_ERROR) return false;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_out != 0 && z.avail_in == 0) return true;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && flush == Z_NO_FLUSH) return true;
    }
}

void append_le32(std::string& out, uint32_t v) {
    const char b[4] = {char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
    out.append(b, 4);
}

} // namespace

bool GzipStream::feed(std::string_view chunk, std::string& out, bool sync_flush) {
    if (!active_) return false;
    if (header_pending_) {
        out.append(reinterpret_cast<const char*>(header_), sizeof header_);
        header_pending_ = false;
    }
    if (chunk.empty() && !sync_flush) return true; // GzipFile.write skips empty data
    crc_ = uint32_t(crc32(crc_, reinterpret_cast<const Bytef*>(chunk.data()), uInt(chunk.size())));
    size_ += uint32_t(chunk.size());
    return run_deflate(state_->z, chunk, out, sync_flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
}

bool GzipStream::finish(std::string& out) {
    if (!active_) return false;
    if (header_pending_) {
        out.append(reinterpret_cast<const char*>(header_), sizeof header_);
        header_pending_ = false;
    }
    active_ = false;
    if (!run_deflate(state_->z, {}, out, Z_FINISH)) return false;
    append_le32(out, crc_);
    append_le32(out, size_);
    return true;
}

namespace {

class Gzip final : public Middleware {
public:
    explicit Gzip(const GzipConfig& config) : config_(config) {
        if (config.compresslevel < 1 || config.compresslevel > 9)
            throw std::invalid_argument("GZipMiddleware: compresslevel must be 1..9");
    }
    Priority priority() const override { return Priority::kGzip; }
    std::string_view name() const override { return "GZipMiddleware"; }
    void on_response(const Request& request, Response& response, Context& context) const override;

private:
    void compress_whole(Response& response, Context& context) const;
    GzipConfig config_;
};

void Gzip::compress_whole(Response& response, Context& context) const {
    std::string& out = context.scratch;
    out.clear();
    GzipStream& gz = context.gzip;
    if (!gz.begin(config_.compresslevel, uint32_t(std::time(nullptr))) ||
        !gz.feed(response.body_view(), out) || !gz.finish(out))
        return; // zlib failed (out of memory): the body goes out uncompressed, still correct
    response.body.swap(out);
    response.borrowed_body.reset();
    set_header(response, "content-encoding", "gzip");
    char length[24];
    int n = snprintf(length, sizeof length, "%zu", response.body.size());
    set_header(response, "content-length", std::string_view(length, size_t(n)));
    add_vary_header(response, "Accept-Encoding");
}

void Gzip::on_response(const Request& request, Response& response, Context& context) const {
    std::string_view accept;
    find_header(request, "accept-encoding", accept);
    if (accept.find("gzip") == std::string_view::npos) return;
    if (find_header(response, "content-encoding")) return; // already encoded: passed through untouched
    if (!response.streaming) {
        if (response.body_view().size() < config_.minimum_size_bytes) return;
        compress_whole(response, context);
        return;
    }
    if (!context.gzip.begin(config_.compresslevel, uint32_t(std::time(nullptr)))) return;
    set_header(response, "content-encoding", "gzip");
    add_vary_header(response, "Accept-Encoding");
    remove_header(response, "content-length");
    context.gzip_stream = true;
    context.gzip_sync_flush = config_.flush_each_chunk;
}

} // namespace

std::unique_ptr<Middleware> make_gzip(const GzipConfig& config) {
    return std::make_unique<Gzip>(config);
}

} // namespace turbo::middleware
