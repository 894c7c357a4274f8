// The native middlewares against Starlette 0.26's own output (the expected headers below were
// produced by running starlette.middleware.* over a PlainTextResponse app), the pipeline's onion
// order, the shared rate-limit table across threads and processes, and allocation-free passes.
#include "middleware/middleware.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <regex>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

// Global allocation counter (as in tests/unit/router): every operator new in this binary goes through
// here. noinline: once inlined, GCC 12's -Wmismatched-new-delete mistakes malloc/free for a mismatch.
std::atomic<long> g_allocations{0};

[[gnu::noinline]] void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t n) {
    return operator new(n);
}
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
[[gnu::noinline]] void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
    return operator new(n, t);
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

using namespace turbo::middleware;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

/// A request with owned storage for its header views.
struct Req {
    std::vector<Header> headers;
    Request request;
    explicit Req(std::string_view method = "GET", std::vector<Header> hs = {}, std::string_view path = "/",
                 std::string_view query = "", std::string_view scheme = "http")
        : headers(std::move(hs)) {
        request.method = method;
        request.path = path;
        request.query = query;
        request.scheme = scheme;
        request.headers = headers;
        request.client_ip = "10.0.0.9";
        request.server_host = "testserver";
        request.server_port = 80;
    }
};

/// What Starlette's PlainTextResponse("app") sends: the app's response in these tests.
Response app_response(std::string body = "app", Headers extra = {}) {
    Response r;
    r.headers = std::move(extra);
    r.headers.emplace_back("content-length", std::to_string(body.size()));
    r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
}

std::string unhex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::string chunk(int i, int n = 3000) {
    std::string s;
    for (int j = 0; j < n; ++j)
        s.push_back(char('a' + (j * j + i) % 26));
    return s;
}

// Runs one middleware as Starlette would around an app that answers `app`.
Response run(const Middleware& m, const Request& request, Response app = app_response()) {
    Context ctx;
    ctx.reset();
    Response early;
    if (m.on_request(request, early, ctx) == Decision::kRespond) return early;
    m.on_response(request, app, ctx);
    return app;
}

} // namespace

// ------------------------------------------------------------------------------------------------
// CORS
// ------------------------------------------------------------------------------------------------

TEST_CASE("cors: preflight with explicit origins, credentials and allowed headers", "[cors]") {
    CorsConfig c;
    c.allow_origins = {"https://a.com"};
    c.allow_methods = {"GET", "POST"};
    c.allow_headers = {"X-Foo"};
    c.allow_credentials = true;
    c.expose_headers = {"X-E1", "X-E2"};
    c.max_age_seconds = 100;
    auto m = make_cors(c);
    Req r("OPTIONS", {{"Origin", "https://a.com"},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "x-foo, content-type"}});
    Response out = run(*m, r.request);
    CHECK(out.status == 200);
    CHECK(out.body == "OK");
    CHECK(out.headers == Headers{{"vary", "Origin"},
                                 {"access-control-allow-methods", "GET, POST"},
                                 {"access-control-max-age", "100"},
                                 {"access-control-allow-headers",
                                  "Accept, Accept-Language, Content-Language, Content-Type, X-Foo"},
                                 {"access-control-allow-credentials", "true"},
                                 {"access-control-allow-origin", "https://a.com"},
                                 {"content-length", "2"},
                                 {"content-type", "text/plain; charset=utf-8"}});
}

TEST_CASE("cors: preflight with '*' everywhere mirrors the requested headers", "[cors]") {
    CorsConfig c;
    c.allow_origins = {"*"};
    c.allow_methods = {"*"};
    c.allow_headers = {"*"};
    auto m = make_cors(c);
    Req r("OPTIONS", {{"origin", "https://b.com"},
                      {"access-control-request-method", "PATCH"},
                      {"access-control-request-headers", "X-Whatever"}});
    Response out = run(*m, r.request);
    CHECK(out.status == 200);
    CHECK(out.headers ==
          Headers{{"access-control-allow-origin", "*"},
                  {"access-control-allow-methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"},
                  {"access-control-max-age", "600"},
                  {"access-control-allow-headers", "X-Whatever"},
                  {"content-length", "2"},
                  {"content-type", "text/plain; charset=utf-8"}});
}

TEST_CASE("cors: preflight failures name origin, method and headers in Starlette's order", "[cors]") {
    CorsConfig c;
    c.allow_origins = {"https://a.com"};
    c.allow_headers = {"X-Foo"};
    auto m = make_cors(c);
    Req all("OPTIONS", {{"Origin", "https://evil.com"},
                        {"Access-Control-Request-Method", "DELETE"},
                        {"Access-Control-Request-Headers", "X-Bar"}});
    Response out = run(*m, all.request);
    CHECK(out.status == 400);
    CHECK(out.body == "Disallowed CORS origin, method, headers");
    CHECK(out.headers == Headers{{"vary", "Origin"},
                                 {"access-control-allow-methods", "GET"},
                                 {"access-control-max-age", "600"},
                                 {"access-control-allow-headers",
                                  "Accept, Accept-Language, Content-Language, Content-Type, X-Foo"},
                                 {"content-length", "39"},
                                 {"content-type", "text/plain; charset=utf-8"}});

    Req method("OPTIONS", {{"Origin", "https://a.com"}, {"Access-Control-Request-Method", "PUT"}});
    out = run(*m, method.request);
    CHECK(out.body == "Disallowed CORS method");
    CHECK(out.headers[4] ==
          std::pair<std::string, std::string>{"access-control-allow-origin", "https://a.com"});

    Req header("OPTIONS", {{"Origin", "https://a.com"},
                           {"Access-Control-Request-Method", "GET"},
                           {"Access-Control-Request-Headers", "X-Foo, X-Disallowed"}});
    out = run(*m, header.request);
    CHECK(out.status == 400);
    CHECK(out.body == "Disallowed CORS headers");

    Req origin_headers("OPTIONS", {{"Origin", "https://b.com"},
                                   {"Access-Control-Request-Method", "GET"},
                                   {"Access-Control-Request-Headers", "X-Nope"}});
    CHECK(run(*m, origin_headers.request).body == "Disallowed CORS origin, headers");

    // Names are compared lowercased and stripped, safelisted ones always pass.
    Req ok("OPTIONS", {{"Origin", "https://a.com"},
                       {"Access-Control-Request-Method", "GET"},
                       {"Access-Control-Request-Headers", " X-FOO ,accept,Content-Type"}});
    out = run(*m, ok.request);
    CHECK(out.status == 200);
    CHECK(out.body == "OK");
}

TEST_CASE("cors: credentials with '*' answer preflights with the explicit origin", "[cors]") {
    CorsConfig c;
    c.allow_origins = {"*"};
    c.allow_credentials = true;
    auto m = make_cors(c);
    Req r("OPTIONS", {{"Origin", "https://b.com"}, {"Access-Control-Request-Method", "GET"}});
    Response out = run(*m, r.request);
    CHECK(out.headers[0] == std::pair<std::string, std::string>{"vary", "Origin"});
    CHECK(*find_header(out, "access-control-allow-origin") == "https://b.com");
}

TEST_CASE("cors: simple requests", "[cors]") {
    SECTION("'*' with a cookie echoes the origin and varies on it") {
        CorsConfig c;
        c.allow_origins = {"*"};
        c.allow_credentials = true;
        Req r("GET", {{"Origin", "https://b.com"}, {"Cookie", "a=1"}});
        CHECK(run(*make_cors(c), r.request).headers ==
              Headers{{"content-length", "3"},
                      {"content-type", "text/plain; charset=utf-8"},
                      {"access-control-allow-origin", "https://b.com"},
                      {"access-control-allow-credentials", "true"},
                      {"vary", "Origin"}});
    }
    SECTION("'*' without a cookie sends '*' and no vary") {
        CorsConfig c;
        c.allow_origins = {"*"};
        Req r("GET", {{"Origin", "https://b.com"}});
        CHECK(run(*make_cors(c), r.request).headers == Headers{{"content-length", "3"},
                                                               {"content-type", "text/plain; charset=utf-8"},
                                                               {"access-control-allow-origin", "*"}});
    }
    SECTION("a regex match appends Origin to an existing vary in place") {
        CorsConfig c;
        c.allow_origin_regex = R"(https://.*\.a\.com)";
        Req r("GET", {{"Origin", "https://x.a.com"}});
        Response out = run(*make_cors(c), r.request, app_response("app", {{"vary", "Accept-Encoding"}}));
        CHECK(out.headers == Headers{{"vary", "Accept-Encoding, Origin"},
                                     {"content-length", "3"},
                                     {"content-type", "text/plain; charset=utf-8"},
                                     {"access-control-allow-origin", "https://x.a.com"}});
        // fullmatch: a prefix match is not enough.
        Req partial("GET", {{"Origin", "https://x.a.com.evil"}});
        CHECK_FALSE(find_header(run(*make_cors(c), partial.request), "access-control-allow-origin"));
    }
    SECTION("a disallowed origin still gets the expose header, nothing else") {
        CorsConfig c;
        c.allow_origins = {"https://a.com"};
        c.expose_headers = {"X-E"};
        Req r("GET", {{"Origin", "https://z.com"}});
        CHECK(run(*make_cors(c), r.request).headers == Headers{{"content-length", "3"},
                                                               {"content-type", "text/plain; charset=utf-8"},
                                                               {"access-control-expose-headers", "X-E"}});
    }
    SECTION("no Origin: untouched; OPTIONS without a requested method: a simple request") {
        CorsConfig c;
        c.allow_origins = {"*"};
        auto m = make_cors(c);
        Req none("GET");
        CHECK(run(*m, none.request).headers == app_response().headers);
        Req options("OPTIONS", {{"Origin", "https://b.com"}});
        Response out = run(*m, options.request);
        CHECK(out.body == "app");
        CHECK(*find_header(out, "access-control-allow-origin") == "*");
    }
}

TEST_CASE("cors: configuration is validated at start-up", "[cors]") {
    CorsConfig bad_regex;
    bad_regex.allow_origin_regex = "(";
    CHECK_THROWS_AS(make_cors(bad_regex), std::invalid_argument);
    CorsConfig bad_age;
    bad_age.max_age_seconds = -1;
    CHECK_THROWS_AS(make_cors(bad_age), std::invalid_argument);
}

// ------------------------------------------------------------------------------------------------
// GZip
// ------------------------------------------------------------------------------------------------

TEST_CASE("gzip: a large body is compressed exactly as Starlette does", "[gzip]") {
    auto m = make_gzip({});
    Req r("GET", {{"Accept-Encoding", "gzip, deflate"}});
    Response out = run(*m, r.request, app_response(std::string(600, 'x')));
    CHECK(out.headers == Headers{{"content-length", "27"},
                                 {"content-type", "text/plain; charset=utf-8"},
                                 {"content-encoding", "gzip"},
                                 {"vary", "Accept-Encoding"}});
    // Python's bytes with mtime 0; ours carry the current time in bytes 4..7.
    std::string expected = unhex("1f8b08000000000002ffaba81805a380fa0000d2149fdf58020000");
    REQUIRE(out.body.size() == expected.size());
    CHECK(out.body.substr(0, 4) == expected.substr(0, 4));
    CHECK(out.body.substr(8) == expected.substr(8));
    uint32_t mtime = uint8_t(out.body[4]) | uint8_t(out.body[5]) << 8 | uint8_t(out.body[6]) << 16 |
                     uint32_t(uint8_t(out.body[7])) << 24;
    CHECK(std::abs(double(mtime) - double(time(nullptr))) < 5);
}

TEST_CASE("gzip: minimum size, Accept-Encoding and an existing content-encoding", "[gzip]") {
    GzipConfig c;
    auto m = make_gzip(c);
    Req gz("GET", {{"Accept-Encoding", "gzip"}});
    Response small = run(*m, gz.request, app_response(std::string(499, 'x')));
    CHECK(small.headers == app_response(std::string(499, 'x')).headers);
    CHECK(small.body == std::string(499, 'x'));
    CHECK(find_header(run(*m, gz.request, app_response(std::string(500, 'x'))), "content-encoding"));

    Req none("GET");
    CHECK_FALSE(find_header(run(*m, none.request, app_response(std::string(900, 'x'))), "content-encoding"));
    // Starlette's test is a case-sensitive substring of the first Accept-Encoding header.
    Req upper("GET", {{"Accept-Encoding", "GZIP"}});
    CHECK_FALSE(find_header(run(*m, upper.request, app_response(std::string(900, 'x'))), "content-encoding"));
    Req inside("GET", {{"accept-encoding", "br;q=1, x-gzip"}});
    CHECK(find_header(run(*m, inside.request, app_response(std::string(900, 'x'))), "content-encoding"));

    Response encoded = app_response(std::string(900, 'y'), {{"Content-Encoding", "br"}});
    Response out = run(*m, gz.request, encoded);
    CHECK(out.headers == encoded.headers);
    CHECK(out.body == encoded.body);

    GzipConfig low;
    low.minimum_size_bytes = 0;
    Response empty = run(*make_gzip(low), gz.request, app_response(""));
    CHECK(*find_header(empty, "content-encoding") == "gzip");
    CHECK(*find_header(empty, "content-length") == "20");
}

TEST_CASE("gzip: an existing vary is joined, compresslevel is validated", "[gzip]") {
    Req gz("GET", {{"Accept-Encoding", "gzip"}});
    Response out = run(*make_gzip({}), gz.request, app_response(std::string(800, 'z'), {{"Vary", "Origin"}}));
    CHECK(out.headers[0] == std::pair<std::string, std::string>{"vary", "Origin, Accept-Encoding"});
    GzipConfig bad;
    bad.compresslevel = 0;
    CHECK_THROWS_AS(make_gzip(bad), std::invalid_argument);
    bad.compresslevel = 10;
    CHECK_THROWS_AS(make_gzip(bad), std::invalid_argument);
}

TEST_CASE("gzip: the stream writes Python's GzipFile bytes chunk by chunk", "[gzip]") {
    GzipStream s;
    for (auto [level, hex] :
         {std::pair<int, const char*>{
              9, "1f8b08000000000002ffedc9c70dc0201000c15a398225d2112c19a8de6df0d8f98e111ffb49abb86f68d5f1b9b"
                 "2d2e9d18b6118866118866118e692111bd2307957bf66d33697af3b9b91826518866118866118e696b1eec953ca"
                 "d1b0dfdefabb839e22333f8e61188661188661985be607b50b04d728230000"},
          {1, "1f8b08000000000004ffed96370ec0201004dfca112c918e60c9c0ebfd0d8aa9b75b6d18233ef6935671dfd0aae373"
              "65a5d3a317838207e4802eb0076c22bfc037c20730129c78092b8b0d6998bcab5fb3699bcbd79dcd48c1a2e00139a0"
              "0bec019bc82ff08df0018c0427dec2cad63d794a391af6db5b7f77d05364e6c7a1e00139a00bec019bc82ff08df001"
              "8c0427dec2ca3fb50b04d728230000"}}) {
        REQUIRE(s.begin(level, 0)); // reused: the second round resets the same zlib state
        std::string all, piece;
        std::vector<size_t> sizes;
        for (int i = 0; i < 3; ++i) {
            piece.clear();
            REQUIRE(s.feed(chunk(i), piece));
            sizes.push_back(piece.size());
            all += piece;
        }
        // Starlette does not flush: the first chunk carries only the header, the next ones nothing.
        CHECK(sizes == std::vector<size_t>{10, 0, 0});
        REQUIRE(s.finish(all));
        CHECK(all == unhex(hex));
        CHECK_FALSE(s.active());
    }
    REQUIRE(s.begin(5, 0x01020304));
    std::string out;
    REQUIRE(s.feed("hello", out));
    REQUIRE(s.finish(out));
    CHECK(out == unhex("1f8b08000403020100ffcb48cdc9c9070086a6103605000000"));
    // An empty member: header, empty deflate block, zero crc and size.
    REQUIRE(s.begin(9, 0));
    out.clear();
    REQUIRE(s.finish(out));
    CHECK(out.size() == 20);
}

TEST_CASE("gzip: a streaming response is marked for chunk compression", "[gzip]") {
    GzipConfig c;
    c.flush_each_chunk = true;
    auto m = make_gzip(c);
    Req gz("GET", {{"Accept-Encoding", "gzip"}});
    Response streamed = app_response("", {{"x-a", "1"}});
    streamed.streaming = true;
    Context ctx;
    ctx.reset();
    Response early;
    REQUIRE(m->on_request(gz.request, early, ctx) == Decision::kContinue);
    m->on_response(gz.request, streamed, ctx);
    CHECK(streamed.headers == Headers{{"x-a", "1"},
                                      {"content-type", "text/plain; charset=utf-8"},
                                      {"content-encoding", "gzip"},
                                      {"vary", "Accept-Encoding"}});
    REQUIRE(ctx.gzip_stream);
    CHECK(ctx.gzip_sync_flush);
    // With flush_each_chunk every chunk's bytes come out at once (for server-sent events).
    std::string first, second;
    REQUIRE(ctx.gzip.feed(chunk(0, 600), first, ctx.gzip_sync_flush));
    REQUIRE(ctx.gzip.feed(chunk(1, 600), second, ctx.gzip_sync_flush));
    CHECK(first.size() > 10);
    CHECK(second.size() > 0);
    CHECK(std::string_view(first).substr(first.size() - 4) == std::string_view("\0\0\xff\xff", 4));
}

// ------------------------------------------------------------------------------------------------
// Trusted host and HTTPS redirect
// ------------------------------------------------------------------------------------------------

TEST_CASE("trusted host: exact names, wildcards, ports and the 400", "[hosts]") {
    TrustedHostConfig c;
    c.allowed_hosts = {"example.com", "*.example.org"};
    auto m = make_trusted_host(c);
    Req bad("GET", {{"Host", "evil.com"}});
    Response out = run(*m, bad.request);
    CHECK(out.status == 400);
    CHECK(out.body == "Invalid host header");
    CHECK(out.headers == Headers{{"content-length", "19"}, {"content-type", "text/plain; charset=utf-8"}});
    for (const char* ok : {"example.com", "example.com:8000", "a.example.org", "b.a.example.org:1"}) {
        Req r("GET", {{"Host", ok}});
        CHECK(run(*m, r.request).body == "app");
    }
    for (const char* no : {"example.org", "xexample.com", "EXAMPLE.COM"}) {
        Req r("GET", {{"Host", no}});
        CHECK(run(*m, r.request).status == 400);
    }
    Req missing("GET");
    CHECK(run(*m, missing.request).status == 400);
    Req any("GET", {{"Host", "anything"}});
    CHECK(run(*make_trusted_host({}), any.request).body == "app");
}

TEST_CASE("trusted host: www redirect keeps port, path and query, quoted", "[hosts]") {
    TrustedHostConfig c;
    c.allowed_hosts = {"www.example.com"};
    Req r("GET", {{"Host", "example.com:8000"}}, "/a b/\xc3\xa9", "x=1");
    Response out = run(*make_trusted_host(c), r.request);
    CHECK(out.status == 307);
    CHECK(out.body.empty());
    CHECK(out.headers ==
          Headers{{"content-length", "0"}, {"location", "http://www.example.com:8000/a%20b/%C3%A9?x=1"}});
    c.www_redirect = false;
    CHECK(run(*make_trusted_host(c), r.request).status == 400);
}

TEST_CASE("trusted host: patterns are validated", "[hosts]") {
    for (const char* bad : {"*example.com", "a.*.com", "**", "example.*"}) {
        TrustedHostConfig c;
        c.allowed_hosts = {bad};
        CHECK_THROWS_AS(make_trusted_host(c), std::invalid_argument);
    }
}

TEST_CASE("https redirect: 307, default ports dropped, ws to wss", "[hosts]") {
    auto m = make_https_redirect();
    auto location = [&](Req& r) {
        Response out = run(*m, r.request);
        CHECK(out.status == 307);
        CHECK(out.headers[0] == std::pair<std::string, std::string>{"content-length", "0"});
        return out.headers.back().second;
    };
    Req port80("GET", {{"Host", "Example.COM:80"}}, "/p", "q=1");
    CHECK(location(port80) == "https://example.com/p?q=1");
    Req port8080("GET", {{"Host", "Example.COM:8080"}}, "/p");
    CHECK(location(port8080) == "https://Example.COM:8080/p");
    Req v6("GET", {{"Host", "[::1]:443"}}, "/p");
    CHECK(location(v6) == "https://::1/p"); // urllib's hostname drops the brackets; Starlette keeps that
    Req server("GET", {}, "/p");
    server.request.server_host = "10.0.0.1";
    server.request.server_port = 8000;
    CHECK(location(server) == "https://10.0.0.1:8000/p");
    Req ws("GET", {{"Host", "h"}}, "/ws", "", "ws");
    CHECK(location(ws) == "wss://h/ws");
    Req https("GET", {{"Host", "h"}}, "/", "", "https");
    CHECK(run(*m, https.request).body == "app");
    Req badport("GET", {{"Host", "h:abc"}});
    CHECK(run(*m, badport.request).status == 500);
}

// ------------------------------------------------------------------------------------------------
// Request id and timing
// ------------------------------------------------------------------------------------------------

TEST_CASE("request id: a valid incoming id is echoed, others are replaced", "[request_id]") {
    auto m = make_request_id({});
    Req valid("GET", {{"X-Request-ID", "abc-123"}});
    CHECK(*find_header(run(*m, valid.request), "x-request-id") == "abc-123");
    std::regex hex32("[0-9a-f]{32}");
    for (std::string bad : {std::string(65, 'a'), std::string("has space"), std::string("tab\there"),
                            std::string(""), std::string("\xc3\xa9")}) {
        Req r("GET", {{"x-request-id", bad}});
        CHECK(std::regex_match(*find_header(run(*m, r.request), "x-request-id"), hex32));
    }
    Req none("GET");
    std::string a = *find_header(run(*m, none.request), "x-request-id");
    std::string b = *find_header(run(*m, none.request), "x-request-id");
    CHECK(std::regex_match(a, hex32));
    CHECK(a != b);
    const std::string longest(64, 'b'); // header views borrow it
    Req exact("GET", {{"x-request-id", longest}});
    CHECK(find_header(run(*m, exact.request), "x-request-id")->size() == 64);

    RequestIdConfig custom;
    custom.header_name = "X-Correlation-Id";
    custom.max_length_bytes = 128;
    const std::string hundred(100, 'c');
    Req r("GET", {{"x-correlation-id", hundred}});
    CHECK(*find_header(run(*make_request_id(custom), r.request), "x-correlation-id") ==
          std::string(100, 'c'));
    custom.header_name = "bad name";
    CHECK_THROWS_AS(make_request_id(custom), std::invalid_argument);
    RequestIdConfig big;
    big.max_length_bytes = 129;
    CHECK_THROWS_AS(make_request_id(big), std::invalid_argument);
}

TEST_CASE("timing: server-timing in ms with three decimals", "[timing]") {
    auto m = make_timing({});
    Req r("GET");
    Context ctx;
    ctx.reset();
    Response early, out = app_response();
    REQUIRE(m->on_request(r.request, early, ctx) == Decision::kContinue);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m->on_response(r.request, out, ctx);
    std::string value = *find_header(out, "server-timing");
    std::smatch match;
    REQUIRE(std::regex_match(value, match, std::regex(R"(app;dur=(\d+)\.(\d{3}))")));
    CHECK(std::stoi(match[1]) >= 20);
    CHECK(std::stoi(match[1]) < 2000);
    TimingConfig bad;
    bad.metric_name = "a;b";
    CHECK_THROWS_AS(make_timing(bad), std::invalid_argument);
}

// ------------------------------------------------------------------------------------------------
// Rate limit
// ------------------------------------------------------------------------------------------------

namespace {

/// A 64-byte aligned heap block for a table.
struct Block {
    void* p;
    explicit Block(size_t capacity) : p(std::aligned_alloc(64, RateLimitTable::bytes_for(capacity))) {}
    ~Block() { std::free(p); }
};

} // namespace

TEST_CASE("rate limit table: layout, init and attach", "[rate_limit]") {
    CHECK(RateLimitTable::bytes_for(16) == 64 + 16 * 16);
    Block block(64);
    RateLimitTable t;
    CHECK(RateLimitTable::attach(nullptr, t) == RateLimitTable::Error::kNullBlock);
    std::memset(block.p, 0, RateLimitTable::bytes_for(64));
    CHECK(RateLimitTable::attach(block.p, t) == RateLimitTable::Error::kBadMagic);
    CHECK(RateLimitTable::init(block.p, 48, t) == RateLimitTable::Error::kBadCapacity);
    CHECK(RateLimitTable::init(block.p, 8, t) == RateLimitTable::Error::kBadCapacity);
    CHECK(RateLimitTable::init(static_cast<char*>(block.p) + 16, 16, t) == RateLimitTable::Error::kBadLayout);
    REQUIRE(RateLimitTable::init(block.p, 64, t) == RateLimitTable::Error::kNone);
    RateLimitTable other;
    REQUIRE(RateLimitTable::attach(block.p, other) == RateLimitTable::Error::kNone);
    CHECK(other.capacity() == 64);
    static_cast<RateLimitHeader*>(block.p)->version = 99;
    CHECK(RateLimitTable::attach(block.p, other) == RateLimitTable::Error::kBadVersion);
}

TEST_CASE("rate limit table: burst, refill and retry time", "[rate_limit]") {
    Block block(64);
    RateLimitTable t;
    REQUIRE(RateLimitTable::init(block.p, 64, t) == RateLimitTable::Error::kNone);
    for (int i = 0; i < 5; ++i)
        CHECK(t.take("1.2.3.4", 2.0, 5, 1000).allowed);
    auto refused = t.take("1.2.3.4", 2.0, 5, 1000);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after_ms == 500);
    CHECK(t.take("5.6.7.8", 2.0, 5, 1000).allowed); // another client has its own bucket
    CHECK_FALSE(t.take("1.2.3.4", 2.0, 5, 1499).allowed);
    CHECK(t.take("1.2.3.4", 2.0, 5, 1500).allowed);
    CHECK_FALSE(t.take("1.2.3.4", 2.0, 5, 1500).allowed);
    // A long pause refills up to the burst, never beyond.
    int allowed = 0;
    for (int i = 0; i < 10; ++i)
        allowed += t.take("1.2.3.4", 2.0, 5, 100000).allowed;
    CHECK(allowed == 5);
    // Slow rates accumulate across calls made more often than one unit per ms.
    CHECK(t.take("slow", 0.5, 1, 0).allowed);
    int later = 0;
    for (uint64_t ms = 1; ms <= 1999; ms += 1)
        later += t.take("slow", 0.5, 1, ms).allowed;
    CHECK(later == 0);
    CHECK(t.take("slow", 0.5, 1, 2000).allowed);
}

TEST_CASE("rate limit table: a full neighbourhood reclaims idle buckets, else lets through", "[rate_limit]") {
    Block block(16);
    RateLimitTable t;
    REQUIRE(RateLimitTable::init(block.p, 16, t) == RateLimitTable::Error::kNone);
    for (int i = 0; i < 16; ++i)
        REQUIRE(t.take("busy" + std::to_string(i), 1.0, 1, 0).allowed); // every bucket emptied
    CHECK(t.take("newcomer", 1.0, 1, 0).allowed); // nothing reclaimable: let through, counted
    CHECK(t.overflows() == 1);
    CHECK(t.take("newcomer2", 1.0, 1, 5000).allowed); // all idle again: one is reclaimed
    CHECK_FALSE(t.take("newcomer2", 1.0, 1, 5000).allowed);
    CHECK(t.overflows() == 1);
}

TEST_CASE("rate limit table: threads share one budget", "[rate_limit]") {
    Block block(1024);
    RateLimitTable t;
    REQUIRE(RateLimitTable::init(block.p, 1024, t) == RateLimitTable::Error::kNone);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([&] {
            for (int i = 0; i < 5000; ++i)
                allowed += t.take("shared", 0.001, 1000, 7).allowed;
        });
    for (auto& th : threads)
        th.join();
    CHECK(allowed == 1000);
}

TEST_CASE("rate limit table: two processes share one budget through a shared mapping", "[rate_limit]") {
    const size_t bytes = RateLimitTable::bytes_for(1024);
    void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(shared != MAP_FAILED);
    RateLimitTable parent;
    REQUIRE(RateLimitTable::init(shared, 1024, parent) == RateLimitTable::Error::kNone);
    auto* results = reinterpret_cast<std::atomic<int>*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    new (&results[0]) std::atomic<int>(0);
    new (&results[1]) std::atomic<int>(0); // start line: both processes take tokens at the same time
    pid_t child = fork();
    REQUIRE(child >= 0);
    RateLimitTable view;
    if (RateLimitTable::attach(shared, view) != RateLimitTable::Error::kNone) _exit(2);
    results[1].fetch_add(1);
    while (results[1].load() < 2) {
    }
    int mine = 0;
    for (int i = 0; i < 150000; ++i)
        mine += view.take("203.0.113.7", 0.001, 200000, view.now_ms()).allowed;
    if (child == 0) {
        results[0] += mine;
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(mine + results[0].load() == 200000);
    CHECK(mine > 0); // both really took part (each wanted 150000, the budget is 200000)
    CHECK(results[0].load() > 0);
    munmap(results, 4096);
    munmap(shared, bytes);
}

TEST_CASE("rate limit: client address through trusted proxies", "[rate_limit]") {
    TrustedProxies proxies({"10.0.0.1", "10.0.0.2"});
    auto address = [&](std::string_view peer, std::vector<Header> hs) {
        Req r("GET", std::move(hs));
        r.request.client_ip = peer;
        return std::string(client_address(r.request, proxies));
    };
    CHECK(address("192.0.2.1", {{"X-Forwarded-For", "1.1.1.1"}}) == "192.0.2.1"); // untrusted peer: ignored
    CHECK(address("10.0.0.1", {{"X-Forwarded-For", "6.6.6.6, 1.1.1.1, 10.0.0.2"}}) == "1.1.1.1");
    CHECK(address("10.0.0.1", {{"x-forwarded-for", "6.6.6.6"}, {"X-Forwarded-For", "10.0.0.2,  "}}) ==
          "6.6.6.6");
    CHECK(address("10.0.0.1", {{"X-Forwarded-For", "10.0.0.2, 10.0.0.1"}}) == "10.0.0.2");
    CHECK(address("10.0.0.1", {}) == "10.0.0.1");
}

TEST_CASE("rate limit: trusted proxies as networks", "[rate_limit]") {
    TrustedProxies p({"10.0.0.0/8", "192.168.1.0/25", "fd00::/8", "::1", "unix-peer"});
    CHECK(p.contains("10.200.3.4"));
    CHECK_FALSE(p.contains("11.0.0.1"));
    CHECK(p.contains("192.168.1.127"));
    CHECK_FALSE(p.contains("192.168.1.128"));
    CHECK(p.contains("fd12:3456::1"));
    CHECK_FALSE(p.contains("fe80::1"));
    CHECK(p.contains("::1"));
    CHECK_FALSE(p.contains("::2"));
    CHECK(p.contains("unix-peer")); // not an address: an exact match
    CHECK_FALSE(p.contains("not-an-ip"));
    CHECK_FALSE(p.contains(""));
    CHECK(TrustedProxies({"0.0.0.0/0"}).contains("8.8.8.8"));
    CHECK_FALSE(TrustedProxies({"0.0.0.0/0"}).contains("2001:db8::1")); // IPv4 networks match IPv4 only
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "fd00::/129", "host/8"})
        CHECK_THROWS_AS(TrustedProxies({bad}), std::invalid_argument);

    Block block(64);
    RateLimitTable t;
    REQUIRE(RateLimitTable::init(block.p, 64, t) == RateLimitTable::Error::kNone);
    RateLimitConfig c;
    c.burst = 1;
    c.rate_per_second = 0.001;
    c.trusted_proxies = {"10.0.0.0/8"};
    auto m = make_rate_limit(c, t);
    Req a("GET", {{"X-Forwarded-For", "198.51.100.1, 10.1.1.1"}});
    Req b("GET", {{"X-Forwarded-For", "198.51.100.2"}});
    CHECK(run(*m, a.request).status == 200);
    CHECK(run(*m, a.request).status == 429);
    CHECK(run(*m, b.request).status == 200); // another client behind the same proxy
    c.trusted_proxies = {"10.0.0.0/99"};
    CHECK_THROWS_AS(make_rate_limit(c, t), std::invalid_argument);
}

TEST_CASE("rate limit middleware: 429 with Retry-After rounded up", "[rate_limit]") {
    Block block(64);
    RateLimitTable t;
    REQUIRE(RateLimitTable::init(block.p, 64, t) == RateLimitTable::Error::kNone);
    RateLimitConfig c;
    c.rate_per_second = 0.4; // one token every 2.5 s
    c.burst = 2;
    auto m = make_rate_limit(c, t);
    Req r("GET");
    CHECK(run(*m, r.request).body == "app");
    CHECK(run(*m, r.request).body == "app");
    Response out = run(*m, r.request);
    CHECK(out.status == 429);
    CHECK(out.body == "Too Many Requests");
    REQUIRE(out.headers.size() == 3);
    CHECK(out.headers[0].first == "retry-after");
    CHECK((out.headers[0].second == "3" || out.headers[0].second == "2"));
    CHECK(out.headers[1] == std::pair<std::string, std::string>{"content-length", "17"});
    CHECK(out.headers[2] == std::pair<std::string, std::string>{"content-type", "text/plain; charset=utf-8"});

    RateLimitConfig bad = c;
    bad.burst = 0;
    CHECK_THROWS_AS(make_rate_limit(bad, t), std::invalid_argument);
    bad = c;
    bad.rate_per_second = 0;
    CHECK_THROWS_AS(make_rate_limit(bad, t), std::invalid_argument);
    CHECK_THROWS_AS(make_rate_limit(c, RateLimitTable{}), std::invalid_argument);
}

// ------------------------------------------------------------------------------------------------
// Pipeline
// ------------------------------------------------------------------------------------------------

namespace {

/// Records the order it is called in and tags responses.
class Probe final : public Middleware {
public:
    Probe(Priority p, std::string tag, std::vector<std::string>& log)
        : p_(p), tag_(std::move(tag)), log_(log) {}
    Priority priority() const override { return p_; }
    std::string_view name() const override { return tag_; }
    Decision on_request(const Request&, Response&, Context&) const override {
        log_.push_back(">" + tag_);
        return Decision::kContinue;
    }
    void on_response(const Request&, Response& response, Context&) const override {
        log_.push_back("<" + tag_);
        response.headers.emplace_back("x-probe", tag_);
    }

private:
    Priority p_;
    std::string tag_;
    std::vector<std::string>& log_;
};

} // namespace

TEST_CASE("pipeline: ordered by priority, onion order, duplicates refused", "[pipeline]") {
    std::vector<std::string> log;
    std::vector<std::unique_ptr<Middleware>> list;
    list.push_back(std::make_unique<Probe>(Priority::kGzip, "gzip", log));
    list.push_back(std::make_unique<Probe>(Priority::kErrors, "errors", log));
    list.push_back(std::make_unique<Probe>(Priority::kTiming, "timing", log));
    Pipeline p(std::move(list));
    REQUIRE(p.size() == 3);
    CHECK(p.at(0).name() == "errors");
    CHECK(p.at(2).name() == "gzip");
    Req r("GET");
    Context ctx;
    ctx.reset();
    Response early, out;
    REQUIRE(p.on_request(r.request, early, ctx) == Decision::kContinue);
    p.on_response(r.request, out, ctx);
    CHECK(log == std::vector<std::string>{">errors", ">timing", ">gzip", "<gzip", "<timing", "<errors"});

    std::vector<std::unique_ptr<Middleware>> twice;
    twice.push_back(make_gzip({}));
    twice.push_back(make_gzip({}));
    CHECK_THROWS_AS(Pipeline(std::move(twice)), std::invalid_argument);
}

TEST_CASE("pipeline: an early answer is seen only by the middlewares outside", "[pipeline]") {
    std::vector<std::string> log;
    CorsConfig cors;
    cors.allow_origins = {"https://a.com"};
    std::vector<std::unique_ptr<Middleware>> list;
    list.push_back(make_gzip({}));
    list.push_back(make_cors(cors));
    list.push_back(std::make_unique<Probe>(Priority::kErrors, "outer", log));
    list.push_back(std::make_unique<Probe>(Priority::kRequestId, "inner", log));
    Pipeline p(std::move(list));
    Req r(
        "OPTIONS",
        {{"Origin", "https://a.com"}, {"Access-Control-Request-Method", "GET"}, {"Accept-Encoding", "gzip"}});
    Context ctx;
    ctx.reset();
    Response early;
    REQUIRE(p.on_request(r.request, early, ctx) == Decision::kRespond);
    CHECK(early.body == "OK");
    CHECK(log == std::vector<std::string>{">outer", "<outer"});
    CHECK(early.headers.back() == std::pair<std::string, std::string>{"x-probe", "outer"});
}

TEST_CASE("pipeline: a full pass allocates nothing beyond the response's own headers", "[pipeline]") {
    Block block(1024);
    RateLimitTable table;
    REQUIRE(RateLimitTable::init(block.p, 1024, table) == RateLimitTable::Error::kNone);
    CorsConfig cors;
    cors.allow_origins = {"https://a.com"};
    cors.allow_credentials = true;
    cors.expose_headers = {"X-Total-Count"};
    TrustedHostConfig hosts;
    hosts.allowed_hosts = {"example.com"};
    RateLimitConfig limit;
    limit.rate_per_second = 1e6;
    limit.burst = 1'000'000;
    limit.trusted_proxies = {"10.0.0.9"};
    std::vector<std::unique_ptr<Middleware>> list;
    list.push_back(make_cors(cors));
    list.push_back(make_gzip({}));
    list.push_back(make_trusted_host(hosts));
    list.push_back(make_https_redirect());
    list.push_back(make_rate_limit(limit, table));
    list.push_back(make_request_id({}));
    list.push_back(make_timing({}));
    Pipeline p(std::move(list));

    Req r("GET",
          {{"Host", "example.com"},
           {"Origin", "https://a.com"},
           {"Accept-Encoding", "gzip"},
           {"X-Forwarded-For", "198.51.100.4"},
           {"X-Request-ID", "req-1"}},
          "/items", "", "https");
    Context ctx;
    Response response, early;
    response.headers.reserve(16);
    const std::string body(4000, 'b');
    auto pass = [&](long& allocations, size_t& heap_strings) {
        ctx.reset();
        response.headers.clear();
        response.status = 200;
        response.body.assign(body); // within capacity after the first pass
        response.headers.emplace_back("content-type", "application/json");
        const size_t before_headers = response.headers.size();
        const long before = g_allocations.load();
        Decision d = p.on_request(r.request, early, ctx);
        p.on_response(r.request, response, ctx);
        allocations = g_allocations.load() - before;
        REQUIRE(d == Decision::kContinue);
        heap_strings = 0;
        for (size_t i = before_headers; i < response.headers.size(); ++i)
            heap_strings +=
                (response.headers[i].first.size() > 15) + (response.headers[i].second.size() > 15);
    };
    long allocations = 0;
    size_t heap_strings = 0;
    pass(allocations, heap_strings); // warms the context's zlib state and scratch buffer
    pass(allocations, heap_strings);
    pass(allocations, heap_strings);
    CHECK(*find_header(response, "content-encoding") == "gzip");
    CHECK(*find_header(response, "access-control-allow-origin") == "https://a.com");
    CHECK(*find_header(response, "x-request-id") == "req-1");
    CHECK(find_header(response, "server-timing"));
    INFO("headers added: " << response.headers.size());
    CHECK(allocations == long(heap_strings)); // only strings too long for the small-string buffer

    // The counter does see allocations (guards against a counter that never fires).
    const long before = g_allocations.load();
    auto* probe = new std::string(100, 'x');
    delete probe;
    CHECK(g_allocations.load() > before);
}

TEST_CASE("server error response is Starlette's plain 500", "[pipeline]") {
    Response r = app_response("partial", {{"x-a", "1"}});
    server_error_response(r);
    CHECK(r.status == 500);
    CHECK(r.body == "Internal Server Error");
    CHECK(r.headers == Headers{{"content-length", "21"}, {"content-type", "text/plain; charset=utf-8"}});
}

TEST_CASE("cors: allow_origin_regex is the one option whose check allocates (std::regex)", "[pipeline]") {
    CorsConfig c;
    c.allow_origin_regex = R"(https://.*\.a\.com)";
    auto m = make_cors(c);
    Req r("GET", {{"Origin", "https://x.a.com"}});
    Context ctx;
    ctx.reset();
    Response out;
    out.headers.reserve(8);
    const long before = g_allocations.load();
    m->on_response(r.request, out, ctx);
    const long allocations = g_allocations.load() - before;
    CHECK(*find_header(out, "access-control-allow-origin") == "https://x.a.com");
    // One header string is too long for the small-string buffer; the others come from std::regex_match.
    CHECK(allocations > 1);
}
