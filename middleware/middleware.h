// middleware: the onion pipeline that wraps every request in a worker, and the native middlewares
// (Starlette 0.25/0.26's CORS, GZip, TrustedHost and HTTPSRedirect, byte for byte; request id, timing
// and a token-bucket rate limit shared by all worker processes).
//
// Independent of shm and Python: the worker fills a `Request` view and a `Response`, and calls
// `Pipeline::on_request` before the app and `Pipeline::on_response` after it:
//
//   context.reset();
//   if (pipeline.on_request(request, response, context) == Decision::kRespond) -> send `response`
//   else { run the app into `response`; pipeline.on_response(request, response, context); send it }
//   if (context.gzip_stream) every streamed chunk goes through context.gzip.feed, then .finish
//
// worker/pipeline.cpp does this for the server and the TestClient (one Context per request in
// progress, reused), with the pipeline built from the app's add_middleware calls at start-up.
//
// An unhandled exception is answered by server_error_response, outside every middleware (as
// Starlette's ServerErrorMiddleware does).
//
// Errors: configuration is validated at start-up (the `make_*` factories throw std::invalid_argument);
// nothing on the request path throws or allocates beyond the response's own headers and body (one
// exception: allow_origin_regex, checked with std::regex).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turbo::middleware {

// ---------------------------------------------------------------------------------------------
// The neutral request/response view
// ---------------------------------------------------------------------------------------------

/// One request header as received (names in any case; looked up case-insensitively).
struct Header {
    std::string_view name;
    std::string_view value;
};

/// What the middlewares read from a request. All views are borrowed for the duration of the call.
struct Request {
    std::string_view method;          // "GET", ...
    std::string_view path;            // percent-decoded, as ASGI's scope["path"]
    std::string_view query;           // raw query string, without '?'
    std::string_view scheme = "http"; // "http", "https", "ws", "wss"
    std::span<const Header> headers;
    std::string_view client_ip;   // the direct peer's address ("" for a unix socket)
    std::string_view server_host; // used for URLs only when the request has no Host header
    uint16_t server_port = 80;
};

/// A response. Header names are lowercase (what Starlette sends and what the worker expects).
struct Response {
    uint16_t status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// When set, the body is these bytes instead of `body`, owned by the caller (the worker keeps a
    /// Python bytes object alive), so a large body is not copied. A middleware that rewrites the body
    /// assigns `body` and resets this.
    std::optional<std::string_view> borrowed_body;
    /// The body comes as chunks later (see Context::gzip_stream), or came as chunks through an inner
    /// layer (a Python middleware's call_next, as Starlette streams it): GZip compresses it whatever
    /// its size, without content-length.
    bool streaming = false;

    std::string_view body_view() const { return borrowed_body ? *borrowed_body : std::string_view(body); }
};

/// The first value of request header `name` (case-insensitive) into `value`; false when absent.
bool find_header(const Request& request, std::string_view name, std::string_view& value);
/// The first value of response header `lname` (lowercase), or nullptr.
const std::string* find_header(const Response& response, std::string_view lname);
/// Starlette's MutableHeaders.__setitem__: replace the first `lname` header (dropping the others) or
/// append it.
void set_header(Response& response, std::string_view lname, std::string_view value);
/// Starlette's MutableHeaders.__delitem__: drop every `lname` header.
void remove_header(Response& response, std::string_view lname);
/// Starlette's MutableHeaders.add_vary_header: "vary: <existing>, <value>" or "vary: <value>".
void add_vary_header(Response& response, std::string_view value);

/// Starlette's PlainTextResponse(body, status, headers): the given headers (lowercased), then
/// content-length and content-type "text/plain; charset=utf-8". `response` is overwritten.
void plain_text_response(Response& response, uint16_t status, std::string_view body);
/// Starlette's RedirectResponse(url, 307): content-length 0, then location (url quoted as
/// urllib.parse.quote with Starlette's safe set).
void redirect_response(Response& response, uint16_t status, std::string_view url);
/// What the outermost error middleware answers for an unhandled exception: 500 "Internal Server
/// Error" as plain text. In Starlette it bypasses every other middleware; the worker sends it as is.
void server_error_response(Response& response);

// ---------------------------------------------------------------------------------------------
// Streaming gzip (also used for whole bodies)
// ---------------------------------------------------------------------------------------------

/// A gzip stream exactly as Python's gzip.GzipFile(mode="wb", compresslevel=level) writes it
/// (header 1f8b 08 00 <mtime> <xfl> ff, raw deflate, crc32 and size). Reusable: `begin` resets it
/// and allocates zlib's state only the first time.
class GzipStream {
public:
    GzipStream();
    ~GzipStream();
    GzipStream(const GzipStream&) = delete;
    GzipStream& operator=(const GzipStream&) = delete;

    /// Starts a member; its 10-byte header comes out with the first `feed` or `finish` (as in Starlette,
    /// where the first chunk carries it). False when zlib cannot allocate.
    bool begin(int level, uint32_t mtime);
    /// Compresses `chunk`, appending what zlib emits. With sync_flush, everything so far is emitted
    /// (Z_SYNC_FLUSH), which Starlette does not do: its chunks often come out empty until the end.
    bool feed(std::string_view chunk, std::string& out, bool sync_flush = false);
    /// Ends the member: the rest of the deflate stream, crc32 and size.
    bool finish(std::string& out);
    bool active() const { return active_; }

private:
    struct State;
    State* state_ = nullptr; // zlib's z_stream, kept across members
    int level_ = -1;
    bool active_ = false;
    bool header_pending_ = false;
    uint8_t header_[10] = {};
    uint32_t crc_ = 0;
    uint32_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Per-request scratch
// ---------------------------------------------------------------------------------------------

inline constexpr size_t kMaxRequestIdBytes = 128;

/// Per-request state owned by the caller and reused across requests (`reset` before each), so a
/// pipeline pass allocates nothing of its own.
struct Context {
    uint32_t entered = 0;  // how many middlewares (outermost first) saw the request
    uint64_t start_ns = 0; // TimingMiddleware: monotonic clock at on_request
    char request_id_bytes[kMaxRequestIdBytes];
    uint32_t request_id_length = 0;
    /// Set by GZipMiddleware on a streaming response it compresses: the worker must send, instead of
    /// each chunk, what `gzip.feed(chunk, out, gzip_sync_flush)` appends to `out`, and end with
    /// `gzip.finish(out)`.
    bool gzip_stream = false;
    bool gzip_sync_flush = false;
    GzipStream gzip;
    std::string scratch; // compressed body buffer, swapped with Response::body (keeps its capacity)

    void reset() {
        entered = 0;
        start_ns = 0;
        request_id_length = 0;
        gzip_stream = false;
    }
    std::string_view request_id() const { return {request_id_bytes, request_id_length}; }
};

// ---------------------------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------------------------

/// Position in the onion, outermost first. Equal priorities keep the order they were given in.
enum class Priority : int {
    kErrors = 0,
    kTrustedHost = 10,
    kHttpsRedirect = 20,
    kRateLimit = 30,
    kCors = 40,
    kRequestId = 50,
    kTiming = 60,
    kGzip = 70,
};

enum class Decision {
    kContinue, // call the next middleware, then the app
    kRespond,  // `early` holds the answer; the app is not called
};

/// One native middleware. Implementations are immutable after construction and shared by all
/// requests (and threads); per-request state lives in Context.
class Middleware {
public:
    virtual ~Middleware() = default;
    virtual Priority priority() const = 0;
    virtual std::string_view name() const = 0;
    /// Before the app. kRespond stops the pass: `early` is the response, and only the middlewares
    /// outside this one see it in on_response.
    virtual Decision on_request(const Request& request, Response& early, Context& context) const {
        return Decision::kContinue;
    }
    /// After the app (or an inner middleware's early answer), innermost first.
    virtual void on_response(const Request& request, Response& response, Context& context) const {}
};

/// The onion, built once at start-up.
class Pipeline {
public:
    Pipeline() = default;
    /// Orders `middlewares` by priority (stable). Throws std::invalid_argument on two of one kind.
    explicit Pipeline(std::vector<std::unique_ptr<Middleware>> middlewares);

    /// Runs on_request outermost first; on kRespond, runs on_response of the middlewares outside
    /// the one that answered, so `early` is complete when this returns kRespond.
    Decision on_request(const Request& request, Response& early, Context& context) const;
    /// Runs on_response innermost first over the middlewares that saw the request.
    void on_response(const Request& request, Response& response, Context& context) const;

    size_t size() const { return middlewares_.size(); }
    const Middleware& at(size_t i) const { return *middlewares_[i]; }

private:
    std::vector<std::unique_ptr<Middleware>> middlewares_;
};

// ---------------------------------------------------------------------------------------------
// Configurations and factories (each validates and throws std::invalid_argument)
// ---------------------------------------------------------------------------------------------

/// Starlette's CORSMiddleware arguments, same defaults.
struct CorsConfig {
    std::vector<std::string> allow_origins;           // "*" allows any
    std::vector<std::string> allow_methods = {"GET"}; // "*" means every standard method
    std::vector<std::string> allow_headers;           // "*" mirrors the requested ones
    bool allow_credentials = false;
    std::string allow_origin_regex; // ECMAScript, full match; "" = none
    std::vector<std::string> expose_headers;
    int64_t max_age_seconds = 600;
};
std::unique_ptr<Middleware> make_cors(const CorsConfig& config);

/// Starlette's GZipMiddleware arguments.
struct GzipConfig {
    size_t minimum_size_bytes = 500; // bodies shorter than this are sent as they are
    int compresslevel = 9;           // 1..9
    bool flush_each_chunk = false;   // Z_SYNC_FLUSH every streamed chunk (Starlette: false)
};
std::unique_ptr<Middleware> make_gzip(const GzipConfig& config);

/// Starlette's TrustedHostMiddleware arguments.
struct TrustedHostConfig {
    std::vector<std::string> allowed_hosts = {"*"}; // exact names, "*.example.com", or "*"
    bool www_redirect = true;
};
std::unique_ptr<Middleware> make_trusted_host(const TrustedHostConfig& config);

/// Starlette's HTTPSRedirectMiddleware (no arguments).
struct HttpsRedirectConfig {};
std::unique_ptr<Middleware> make_https_redirect(const HttpsRedirectConfig& config = {});

struct RequestIdConfig {
    std::string header_name = "X-Request-ID"; // sent lowercase
    size_t max_length_bytes = 64;             // longer incoming ids are replaced (<= kMaxRequestIdBytes)
};
std::unique_ptr<Middleware> make_request_id(const RequestIdConfig& config);

struct TimingConfig {
    std::string metric_name = "app"; // "server-timing: <metric_name>;dur=<ms, 3 decimals>"
};
std::unique_ptr<Middleware> make_timing(const TimingConfig& config);

// ---------------------------------------------------------------------------------------------
// Rate limiting: a token bucket per client in memory that every worker process can map
// ---------------------------------------------------------------------------------------------

inline constexpr uint64_t kRateLimitMagic = 0x31544d494c544152ULL; // "RATLIMT1"
inline constexpr uint32_t kRateLimitVersion = 1;

/// One bucket. `key` is the client's hash (0 = empty slot). `state` packs what one CAS must update
/// together: the high 32 bits are tokens in milli-tokens, the low 32 bits the last refill time in
/// ms since the table's epoch; 0 means "full" (a new or reclaimed bucket).
struct alignas(16) RateLimitBucket {
    std::atomic<uint64_t> key;
    std::atomic<uint64_t> state;
};
static_assert(sizeof(RateLimitBucket) == 16);
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::is_standard_layout_v<RateLimitBucket>);

/// The block's header; the buckets follow it.
struct alignas(64) RateLimitHeader {
    uint64_t magic;                  // kRateLimitMagic
    uint32_t version;                // kRateLimitVersion
    uint32_t bucket_bytes;           // sizeof(RateLimitBucket), checked by attach
    uint64_t capacity;               // number of buckets, a power of two
    uint64_t epoch_ms;               // CLOCK_MONOTONIC ms at init (system-wide: shared by processes)
    std::atomic<uint64_t> overflows; // requests let through because no bucket could be found
    uint8_t reserved[24];
};
static_assert(sizeof(RateLimitHeader) == 64);
static_assert(std::is_standard_layout_v<RateLimitHeader>);

/// A view of a caller-provided block (heap, or later the master's shared-memory segment). No locks,
/// no pointers inside the block; a process killed mid-update leaves at worst one stale bucket.
class RateLimitTable {
public:
    enum class Error { kNone, kNullBlock, kBadCapacity, kBadMagic, kBadVersion, kBadLayout };

    static size_t bytes_for(size_t capacity);
    /// Formats `block` (bytes_for(capacity) bytes, 64-byte aligned). capacity: a power of two >= 16.
    static Error init(void* block, size_t capacity, RateLimitTable& out);
    /// Uses a block that init formatted (possibly in another process).
    static Error attach(void* block, RateLimitTable& out);

    struct Verdict {
        bool allowed;
        uint32_t retry_after_ms; // when refused: until one token is back
    };
    /// Takes one token from `client`'s bucket. `now_ms` is ms since the table's epoch (now_ms()).
    Verdict take(std::string_view client, double rate_per_second, uint32_t burst, uint64_t now_ms);
    uint64_t now_ms() const;
    size_t capacity() const { return capacity_; }
    uint64_t overflows() const;
    bool valid() const { return header_ != nullptr; }

private:
    RateLimitHeader* header_ = nullptr;
    RateLimitBucket* buckets_ = nullptr;
    size_t capacity_ = 0;
};

struct RateLimitConfig {
    double rate_per_second = 10.0; // tokens added per second
    uint32_t burst = 20;           // bucket size (<= 1,000,000)
    /// Peers whose X-Forwarded-For is believed: IPv4/IPv6 addresses or networks ("10.0.0.0/8",
    /// "fd00::/8"); anything else must match the peer string exactly (e.g. "" for a unix socket).
    std::vector<std::string> trusted_proxies;
};

/// trusted_proxies parsed once (throws std::invalid_argument on a bad network); matching allocates
/// nothing.
class TrustedProxies {
public:
    TrustedProxies() = default;
    explicit TrustedProxies(const std::vector<std::string>& entries);
    bool contains(std::string_view address) const;
    bool empty() const { return networks_.empty() && exact_.empty(); }

private:
    struct Network {
        uint8_t bytes[16]; // IPv4 as IPv4-mapped IPv6, so one comparison covers both
        uint32_t prefix_bits;
    };
    std::vector<Network> networks_;
    std::vector<std::string> exact_;
};
/// `table` must outlive the middleware (in production: a view of the master's segment).
std::unique_ptr<Middleware> make_rate_limit(const RateLimitConfig& config, RateLimitTable table);
/// The address the limit applies to: the direct peer, or, when it is a trusted proxy, the rightmost
/// X-Forwarded-For address that is not a trusted proxy (the leftmost if all are).
std::string_view client_address(const Request& request, const TrustedProxies& trusted_proxies);

} // namespace turbo::middleware
