// RequestIdMiddleware and TimingMiddleware: per-request values kept in the caller's Context.
#include "middleware/middleware.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <pthread.h>
#include <random>
#include <stdexcept>
#include <sys/random.h>

namespace turbo::middleware {
namespace {

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
}

bool valid_header_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c <= 0x20 || c >= 0x7f || c == ':') return false;
    return true;
}

// Printable ASCII without spaces, so the id can be logged and echoed without quoting or splitting.
bool valid_incoming_id(std::string_view id, size_t max_length) {
    if (id.empty() || id.size() > max_length) return false;
    for (char c : id)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

// Random bytes from the kernel, taken 4 KiB at a time (256 ids per getrandom call: the syscall cost
// more than the rest of the middleware under a paravirtualised kernel). Fork-safe: a forked child
// drops what it inherited (pthread_atfork), so two processes never hand out the same bytes.
struct RandomPool {
    unsigned char bytes[4096];
    size_t used = sizeof bytes; // all used: refill first
};
thread_local RandomPool t_pool;

void forget_inherited_pool() {
    t_pool.used = sizeof t_pool.bytes;
}

void random_128(unsigned char (&out)[16]) {
    static const bool registered = (pthread_atfork(nullptr, nullptr, forget_inherited_pool), true);
    (void)registered;
    RandomPool& pool = t_pool;
    if (pool.used + sizeof out > sizeof pool.bytes) {
        size_t got = 0;
        while (got < sizeof pool.bytes) {
            ssize_t n = getrandom(pool.bytes + got, sizeof pool.bytes - got, 0);
            if (n <= 0) break;
            got += size_t(n);
        }
        if (got < sizeof pool.bytes) {
            // No getrandom (very old kernel): still unique enough for a correlation id.
            static thread_local std::mt19937_64 fallback{uint64_t(clock()) ^ uint64_t(time(nullptr))};
            for (size_t i = got; i < sizeof pool.bytes; ++i)
                pool.bytes[i] = (unsigned char)fallback();
        }
        pool.used = 0;
    }
    std::memcpy(out, pool.bytes + pool.used, sizeof out);
    pool.used += sizeof out;
}

class RequestId final : public Middleware {
public:
    explicit RequestId(const RequestIdConfig& config)
        : header_(lowercase(config.header_name)), max_(config.max_length_bytes) {
        if (!valid_header_name(config.header_name))
            throw std::invalid_argument("RequestIdMiddleware: header_name is not a valid header name");
        if (max_ < 32 || max_ > kMaxRequestIdBytes)
            throw std::invalid_argument("RequestIdMiddleware: max_length_bytes must be 32..128");
    }
    Priority priority() const override { return Priority::kRequestId; }
    std::string_view name() const override { return "RequestIdMiddleware"; }

    Decision on_request(const Request& request, Response& early, Context& context) const override {
        std::string_view incoming;
        if (find_header(request, header_, incoming) && valid_incoming_id(incoming, max_)) {
            std::memcpy(context.request_id_bytes, incoming.data(), incoming.size());
            context.request_id_length = uint32_t(incoming.size());
            return Decision::kContinue;
        }
        static constexpr char kHex[] = "0123456789abcdef";
        unsigned char bytes[16];
        random_128(bytes);
        for (size_t i = 0; i < 16; ++i) {
            context.request_id_bytes[2 * i] = kHex[bytes[i] >> 4];
            context.request_id_bytes[2 * i + 1] = kHex[bytes[i] & 15];
        }
        context.request_id_length = 32;
        return Decision::kContinue;
    }

    void on_response(const Request& request, Response& response, Context& context) const override {
        if (context.request_id_length == 0) return;
        set_header(response, header_, context.request_id());
    }

private:
    std::string header_; // lowercase
    size_t max_;
};

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

class Timing final : public Middleware {
public:
    explicit Timing(const TimingConfig& config) : metric_(config.metric_name) {
        for (char c : metric_)
            if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '=')
                throw std::invalid_argument("TimingMiddleware: metric_name must be a token");
        if (metric_.empty() || metric_.size() > 64)
            throw std::invalid_argument("TimingMiddleware: metric_name must be 1..64 bytes");
    }
    Priority priority() const override { return Priority::kTiming; }
    std::string_view name() const override { return "TimingMiddleware"; }

    Decision on_request(const Request& request, Response& early, Context& context) const override {
        context.start_ns = monotonic_ns();
        return Decision::kContinue;
    }

    void on_response(const Request& request, Response& response, Context& context) const override {
        if (context.start_ns == 0) return;
        uint64_t ns = monotonic_ns() - context.start_ns;
        char value[96];
        int n = snprintf(value, sizeof value, "%s;dur=%llu.%03llu", metric_.c_str(),
                         (unsigned long long)(ns / 1'000'000), (unsigned long long)(ns / 1'000 % 1'000));
        response.headers.emplace_back("server-timing", std::string_view(value, size_t(n)));
    }

private:
    std::string metric_;
};

} // namespace

std::unique_ptr<Middleware> make_request_id(const RequestIdConfig& config) {
    return std::make_unique<RequestId>(config);
}

std::unique_ptr<Middleware> make_timing(const TimingConfig& config) {
    return std::make_unique<Timing>(config);
}

} // namespace turbo::middleware
