// The master's HTTP/1.1 request parser: llhttp in strict mode plus the limits llhttp lacks.
// Internal to master/ (and its tests).
#pragma once

#include <llhttp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace turbo::master {

/// Request limits; each over-limit input has its own status (see HttpError).
struct HttpLimits {
    uint32_t max_request_line_bytes = 4094; // method + target + version, gunicorn's default; over -> 414
    uint32_t max_header_fields = 100;       // over -> 431
    uint32_t max_field_bytes = 8190;        // name + value of one field; over -> 431
    uint32_t max_header_bytes = 65536;      // all header bytes of one request; over -> 431
    uint64_t max_body_bytes = 16ull << 20;  // de-chunked body bytes; over -> 413
    uint64_t stream_body_from_bytes = UINT64_MAX; // a Content-Length at least this large pauses at the
                                                  // headers (StreamBody) so the body can be streamed
};

/// Why a request was rejected. Every value maps to one status code (http_error_status).
enum class HttpError : uint8_t {
    None,
    BadRequest,          // 400: malformed syntax or framing
    UriTooLong,          // 414
    HeaderTooLarge,      // 431: too many fields, a field or all headers too large
    PayloadTooLarge,     // 413
    NotImplemented,      // 501: a transfer coding we do not implement
    VersionNotSupported, // 505
    ExpectationFailed,   // 417: an Expect other than 100-continue
};

uint16_t http_error_status(HttpError e);

struct Span {
    uint32_t offset = 0;
    uint32_t length = 0;
};

/// A complete request. Text lives in one buffer (`text`) addressed by spans, so parsing a request
/// allocates nothing once the buffers have grown to the connection's usual sizes.
struct HttpRequest {
    std::string text; // target then header names and values
    Span target;
    std::vector<std::pair<Span, Span>> headers; // names lower-cased
    std::string body;
    std::string_view method; // static string from llhttp
    uint8_t http_major = 1;
    uint8_t http_minor = 1;
    bool keep_alive = true;
    bool expect_continue = false;

    std::string_view view(Span s) const { return std::string_view(text).substr(s.offset, s.length); }
    std::string_view header(std::string_view lower_name) const; // first value or ""
    void clear();
};

class HttpParser {
public:
    enum class Status {
        NeedMore,       // all input consumed, request incomplete
        Request,        // request() is complete; call next() before feeding more
        ExpectContinue, // headers of an Expect: 100-continue request are in; send 100 then feed on
        StreamBody,     // headers of a request with a large Content-Length are in (streams_body())
        Error,          // error() says why; the connection must answer and close
    };

    explicit HttpParser(const HttpLimits& limits);
    HttpParser(const HttpParser&) = delete;
    HttpParser& operator=(const HttpParser&) = delete;

    /// Parses bytes; `consumed` tells how many were used (the rest belongs to later calls).
    Status feed(const char* data, size_t len, size_t& consumed);
    /// Readies the parser for the next pipelined request.
    void next();
    HttpRequest& request() { return req_; }
    HttpError error() const { return error_; }
    /// A short readable reason for the log.
    const std::string& error_detail() const { return detail_; }
    /// True between the first byte of a request and its completion (for timeouts and EOF handling).
    bool in_progress() const { return in_progress_; }
    /// True when the current request's body is large enough to stream: the caller takes what has
    /// arrived of it out of request().body after each feed() (the parser counts it for the limit).
    bool streams_body() const { return streams_body_; }
    /// The current request's Content-Length (valid after the headers).
    uint64_t content_length() const { return content_length_; }
    /// True once the current request's headers are complete (its body may still be arriving).
    bool headers_done() const { return headers_done_; }

private:
    static int on_message_begin(llhttp_t* p);
    static int on_url(llhttp_t* p, const char* at, size_t len);
    static int on_header_field(llhttp_t* p, const char* at, size_t len);
    static int on_header_value(llhttp_t* p, const char* at, size_t len);
    static int on_headers_complete(llhttp_t* p);
    static int on_body(llhttp_t* p, const char* at, size_t len);
    static int on_message_complete(llhttp_t* p);
    int fail(HttpError e, std::string detail);
    bool has_obs_fold(const char* data, size_t len);
    int check_headers();
    Status pause_status();

    HttpLimits limits_;
    llhttp_settings_t settings_{};
    llhttp_t parser_{};
    HttpRequest req_;
    HttpError error_ = HttpError::None;
    std::string detail_;
    uint32_t header_bytes_ = 0;
    bool in_value_ = false; // the last header callback was a value
    bool in_progress_ = false;
    bool headers_done_ = false;
    bool continue_pause_ = false;
    bool stream_pause_ = false;
    bool streams_body_ = false;
    uint64_t body_bytes_ = 0; // de-chunked body bytes of the current request
    uint64_t content_length_ = 0;
    bool scanning_ = true;    // in the current request's header section (obs-fold scan)
    bool line_start_ = false; // the last byte scanned was LF
    bool end_cr_ = false;     // the last byte scanned was CR
    bool blank_line_ = false; // that CR began a line (CRLF there ends the header section)
};

/// Splits an origin-form or absolute-form request target ("http://host/p?q") into path and query
/// (without '?' and without a fragment).
void split_target(std::string_view target, std::string_view& path, std::string_view& query);

/// Reason phrase of a status code ("OK", "Not Found", ...); "Unknown" for unlisted codes.
std::string_view reason_phrase(uint16_t status);

} // namespace turbo::master
