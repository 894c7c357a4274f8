#include "master/http_internal.h"

#include <algorithm>
#include <cstring>

namespace turbo::master {

namespace {

HttpParser* self(llhttp_t* p) {
    return static_cast<HttpParser*>(p->data);
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

uint16_t http_error_status(HttpError e) {
    switch (e) {
    case HttpError::None:
        return 200;
    case HttpError::BadRequest:
        return 400;
    case HttpError::UriTooLong:
        return 414;
    case HttpError::HeaderTooLarge:
        return 431;
    case HttpError::PayloadTooLarge:
        return 413;
    case HttpError::NotImplemented:
        return 501;
    case HttpError::VersionNotSupported:
        return 505;
    case HttpError::ExpectationFailed:
        return 417;
    }
    return 400;
}

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (view(n) == name) return view(v);
    return {};
}

void HttpRequest::clear() {
    text.clear();
    target = {};
    headers.clear();
    body.clear();
    method = {};
    keep_alive = true;
    expect_continue = false;
}

HttpParser::HttpParser(const HttpLimits& limits) : limits_(limits) {
    llhttp_settings_init(&settings_);
    settings_.on_message_begin = on_message_begin;
    settings_.on_url = on_url;
    settings_.on_header_field = on_header_field;
    settings_.on_header_value = on_header_value;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    llhttp_init(&parser_, HTTP_REQUEST, &settings_); // strict: no lenient flag is ever set
    parser_.data = this;
}

int HttpParser::fail(HttpError e, std::string detail) {
    error_ = e;
    detail_ = std::move(detail);
    return -1; // HPE_USER: llhttp stops and reports an error
}

int HttpParser::on_message_begin(llhttp_t* p) {
    auto* s = self(p);
    s->req_.clear();
    s->header_bytes_ = 0;
    s->in_value_ = false;
    s->in_progress_ = true;
    s->headers_done_ = false;
    s->streams_body_ = false;
    s->body_bytes_ = 0;
    return 0;
}

int HttpParser::on_url(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    auto& r = s->req_;
    if (r.target.length == 0) r.target.offset = uint32_t(r.text.size());
    r.text.append(at, len);
    r.target.length += uint32_t(len);
    // "GET " + target + " HTTP/1.1" must fit the request-line limit.
    const size_t line = r.target.length + std::strlen(llhttp_method_name(llhttp_method_t(p->method))) + 10;
    if (line > s->limits_.max_request_line_bytes)
        return s->fail(HttpError::UriTooLong, "request line too long");
    return 0;
}

int HttpParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    auto& r = s->req_;
    // A trailer field (check_headers has run, so method is set): counted, never merged (RFC 9110 6.5.1).
    if (!r.method.empty()) {
        s->header_bytes_ += uint32_t(len);
        if (s->header_bytes_ > s->limits_.max_header_bytes)
            return s->fail(HttpError::HeaderTooLarge, "trailers too large");
        return 0;
    }
    // llhttp 8.1 lets "Name : value" through with the space in the name; RFC 9112 5.1 requires a 400.
    if (std::memchr(at, ' ', len) || std::memchr(at, '\t', len))
        return s->fail(HttpError::BadRequest, "whitespace in a header field name");
    if (s->in_value_ || r.headers.empty()) {
        if (r.headers.size() >= s->limits_.max_header_fields)
            return s->fail(HttpError::HeaderTooLarge, "too many header fields");
        r.headers.push_back({{uint32_t(r.text.size()), 0}, {}});
        s->in_value_ = false;
    }
    auto& name = r.headers.back().first;
    const size_t start = r.text.size();
    r.text.append(at, len);
    for (size_t i = start; i < r.text.size(); ++i)
        r.text[i] = lower(r.text[i]);
    name.length += uint32_t(len);
    s->header_bytes_ += uint32_t(len);
    if (name.length > s->limits_.max_field_bytes)
        return s->fail(HttpError::HeaderTooLarge, "header field too large");
    if (s->header_bytes_ > s->limits_.max_header_bytes)
        return s->fail(HttpError::HeaderTooLarge, "headers too large");
    return 0;
}

int HttpParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    auto& r = s->req_;

    if (!r.method.empty()) { // a trailer field, see on_header_field
        s->header_bytes_ += uint32_t(len);
        if (s->header_bytes_ > s->limits_.max_header_bytes)
            return s->fail(HttpError::HeaderTooLarge, "trailers too large");
        return 0;
    }
    auto& [name, value] = r.headers.back();
    if (!s->in_value_) {
        value = {uint32_t(r.text.size()), 0};
        s->in_value_ = true;
    }
    r.text.append(at, len);
    value.length += uint32_t(len);
    s->header_bytes_ += uint32_t(len);
    if (name.length + value.length > s->limits_.max_field_bytes)
        return s->fail(HttpError::HeaderTooLarge, "header field too large");
    if (s->header_bytes_ > s->limits_.max_header_bytes)
        return s->fail(HttpError::HeaderTooLarge, "headers too large");
    return 0;
}

// Checks llhttp does not make: versions, Host, transfer codings, expectations, body size.
int HttpParser::check_headers() {
    auto& r = req_;
    r.http_major = parser_.http_major;
    r.http_minor = parser_.http_minor;
    r.method = llhttp_method_name(llhttp_method_t(parser_.method));
    if (r.http_major != 1 || r.http_minor > 1)
        return fail(HttpError::VersionNotSupported, "unsupported HTTP version");
    if (r.target.length == 0) return fail(HttpError::BadRequest, "empty request target");
    int hosts = 0;
    for (auto& [n, v] : r.headers) {
        // The OWS around a value is no part of it (RFC 9112 5); llhttp keeps the trailing OWS.
        const auto value = trim(r.view(v));
        v = {uint32_t(value.data() - r.text.data()), uint32_t(value.size())};
        const auto name = r.view(n);
        if (name.empty()) return fail(HttpError::BadRequest, "empty field name"); // llhttp 8.1 allows ": v"
        if (name == "host")
            ++hosts;
        else if (name == "transfer-encoding") {
            if (r.http_minor == 0) // RFC 9112 6.1: faulty framing
                return fail(HttpError::BadRequest, "Transfer-Encoding in HTTP/1.0");
            // llhttp has rejected chunked-not-last and Content-Length + Transfer-Encoding already;
            // what is left to refuse are codings we do not implement.
            size_t pos = 0;
            while (pos <= value.size()) {
                size_t comma = value.find(',', pos);
                if (comma == std::string_view::npos) comma = value.size();
                const auto coding = trim(value.substr(pos, comma - pos));
                if (!iequals(coding, "chunked"))
                    return fail(HttpError::NotImplemented, "unsupported transfer coding");
                pos = comma + 1;
            }
        } else if (name == "expect") {
            if (!iequals(value, "100-continue"))
                return fail(HttpError::ExpectationFailed, "unsupported expectation");
            r.expect_continue = r.http_minor >= 1;
        }
    }
    if (hosts > 1 || (r.http_minor == 1 && hosts == 0)) // RFC 9112 3.2
        return fail(HttpError::BadRequest, hosts ? "duplicate Host" : "missing Host");
    if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body_bytes)
        return fail(HttpError::PayloadTooLarge, "body larger than the limit");
    r.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
    return 0;
}

int HttpParser::on_headers_complete(llhttp_t* p) {
    auto* s = self(p);
    if (s->check_headers() != 0) return -1;
    s->headers_done_ = true;
    // No protocol upgrade is implemented: ignore Upgrade and stay on HTTP/1.1 (RFC 9110 7.8), or llhttp
    // would refuse every later request on the connection. CONNECT keeps llhttp's pause (the connection ends).
    if (p->method != HTTP_CONNECT) p->upgrade = 0;
    const bool has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
    s->content_length_ = (p->flags & F_CONTENT_LENGTH) ? p->content_length : 0;
    s->streams_body_ =
        (p->flags & F_CONTENT_LENGTH) && p->content_length >= s->limits_.stream_body_from_bytes;
    if (s->req_.expect_continue && has_body) {
        s->continue_pause_ = true;
        return HPE_PAUSED;
    }
    if (s->streams_body_) {
        s->stream_pause_ = true;
        return HPE_PAUSED;
    }
    return 0;
}

int HttpParser::on_body(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    if (s->body_bytes_ + len > s->limits_.max_body_bytes)
        return s->fail(HttpError::PayloadTooLarge, "body larger than the limit");
    s->body_bytes_ += len;
    s->req_.body.append(at, len);
    return 0;
}

int HttpParser::on_message_complete(llhttp_t* p) {
    auto* s = self(p);
    s->in_progress_ = false;
    return HPE_PAUSED; // one request at a time: the connection dispatches it before parsing on
}

HttpParser::Status HttpParser::feed(const char* data, size_t len, size_t& consumed) {
    consumed = 0;
    if (error_ != HttpError::None) return Status::Error;
    if (scanning_ && has_obs_fold(data, len)) {
        fail(HttpError::BadRequest, "obsolete line folding");
        in_progress_ = true; // as when llhttp itself stops mid-request, however the bytes were split
        return Status::Error;
    }
    const llhttp_errno_t rc = llhttp_execute(&parser_, data, len);
    if (rc == HPE_OK) {
        consumed = len;
        return Status::NeedMore;
    }
    if (rc == HPE_PAUSED) {
        consumed = size_t(llhttp_get_error_pos(&parser_) - data);
        llhttp_resume(&parser_);
        if (continue_pause_) {
            continue_pause_ = stream_pause_ = false;
            return Status::ExpectContinue;
        }
        if (stream_pause_) {
            stream_pause_ = false;
            return Status::StreamBody;
        }
        return Status::Request;
    }
    if (error_ == HttpError::None) {
        // An llhttp error: all of them are malformed input except the few with a status of their own.
        error_ = HttpError::BadRequest;
        detail_ =
            llhttp_get_error_reason(&parser_) ? llhttp_get_error_reason(&parser_) : llhttp_errno_name(rc);
        if (rc == HPE_INVALID_METHOD) detail_ = "invalid method";
        // "Invalid HTTP version" is llhttp's answer to a well-formed version it does not know (HTTP/1.2,
        // HTTP/3.0); malformed ones get other reasons ("Expected dot", "Invalid minor version").
        if (rc == HPE_INVALID_VERSION && detail_ == "Invalid HTTP version")
            error_ = HttpError::VersionNotSupported;
    }
    return Status::Error;
}

void HttpParser::next() {
    scanning_ = true;
    line_start_ = end_cr_ = blank_line_ = false;
}

// obs-fold (a header line continued on a line starting with SP or HTAB): llhttp 8.1 joins the lines.
// RFC 9112 5.2 lets a server reject it instead, which leaves no room for two readings of a header.
// Scans the header section's raw bytes across feed() calls (any split); stops at its blank line.
bool HttpParser::has_obs_fold(const char* data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        if (!end_cr_ && !line_start_) {
            // Inside a line only CR or LF matter: jump to the first of them with memchr (SIMD)
            // instead of stepping through the state machine byte by byte.
            const char* cr = static_cast<const char*>(std::memchr(data + i, '\r', len - i));
            const size_t stop = cr ? size_t(cr - data) : len;
            const char* lf = static_cast<const char*>(std::memchr(data + i, '\n', stop - i));
            if (lf) {
                i = size_t(lf - data);
            } else if (cr) {
                i = stop;
            } else {
                return false; // the line goes on in the next feed
            }
        }
        const char c = data[i];
        if (end_cr_) { // the previous byte was CR
            end_cr_ = false;
            if (c != '\n' || blank_line_) { // malformed (llhttp reports it) or the blank line: done
                scanning_ = false;
                return false;
            }
            line_start_ = true;
            continue;
        }
        if (c == '\r') {
            end_cr_ = true;
            blank_line_ = line_start_;
            line_start_ = false;
            continue;
        }
        if (line_start_ && (c == ' ' || c == '\t')) return true;
        if (c == '\n') { // a bare LF: llhttp (strict) refuses the request itself
            scanning_ = false;
            return false;
        }
        line_start_ = false;
    }
    return false;
}

// Splits an origin-form or absolute-form target into path and query.
void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
    if (!target.empty() && target[0] != '/' && target != "*") {
        // absolute-form (RFC 9112 3.2.2): skip "scheme://authority"
        auto scheme = target.find("://");
        if (scheme != std::string_view::npos) {
            auto slash = target.find('/', scheme + 3);
            target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    auto q = target.find('?');
    path = target.substr(0, q);
    query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto frag = query.find('#');
    if (frag != std::string_view::npos) query = query.substr(0, frag);
}

std::string_view reason_phrase(uint16_t status) {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 205:
        return "Reset Content";
    case 206:
        return "Partial Content";
    case 207:
        return "Multi-Status";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request-URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Requested Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 418:
        return "I'm a teapot";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Entity";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 451:
        return "Unavailable For Legal Reasons";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    case 511:
        return "Network Authentication Required";
    default:
        return "Unknown";
    }
}

} // namespace turbo::master
