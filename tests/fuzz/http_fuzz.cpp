// libFuzzer target for master/http_internal.h (the llhttp adapter) and the request encoding it feeds.
//
// Input: byte 0 picks where the rest (a byte stream from a client) is cut in two; the pieces are fed the
// way a connection does (feed, drop what was consumed, next() after each request) to a parser with small
// limits. Every complete request is checked (spans inside its text, lower-case names, limits kept, no CR,
// LF or NUL where the worker would see it), turned into a shm::RequestView as the connection does, encoded,
// decoded and compared. The same stream fed whole must give the same requests. Violations trap.
#include "master/http_internal.h"
#include "shm/shm.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shm = turbo::shm;
using turbo::master::http_error_status;
using turbo::master::HttpError;
using turbo::master::HttpLimits;
using turbo::master::HttpParser;
using turbo::master::HttpRequest;
using turbo::master::reason_phrase;
using turbo::master::Span;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

HttpLimits small_limits() {
    HttpLimits l;
    l.max_request_line_bytes = 256;
    l.max_header_fields = 16;
    l.max_field_bytes = 128;
    l.max_header_bytes = 1024;
    l.max_body_bytes = 2048;
    return l;
}

bool inside(const HttpRequest& r, Span s) {
    return uint64_t(s.offset) + s.length <= r.text.size();
}

bool clean(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void check_request(const HttpRequest& r, const HttpLimits& lim) {
    check(!r.method.empty());
    check(r.http_major == 1 && r.http_minor <= 1);
    check(inside(r, r.target) && r.target.length > 0);
    check(r.target.length + r.method.size() + 10 <= lim.max_request_line_bytes);
    check(clean(r.view(r.target)));
    check(r.headers.size() <= lim.max_header_fields);
    size_t hosts = 0;
    for (const auto& [n, v] : r.headers) {
        check(inside(r, n) && inside(r, v));
        check(n.length + v.length <= lim.max_field_bytes);
        const auto name = r.view(n), value = r.view(v);
        check(!name.empty() && clean(name) && clean(value));
        for (char c : name)
            check(!(c >= 'A' && c <= 'Z') && c != ' ' && c != '\t' && c != ':');
        // The surrounding whitespace is no part of a value.
        check(value.empty() ||
              (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t'));
        if (name == "host") ++hosts;
    }
    check(hosts <= 1 && (r.http_minor == 0 || hosts == 1));
    check(r.body.size() <= lim.max_body_bytes);
    check(!r.expect_continue || r.http_minor == 1);
}

bool same(const shm::RequestView& a, const shm::RequestView& b) {
    if (a.http_major != b.http_major || a.http_minor != b.http_minor || a.keep_alive != b.keep_alive ||
        a.method != b.method || a.path != b.path || a.query != b.query || a.client != b.client ||
        a.body != b.body || a.headers.size() != b.headers.size())
        return false;
    for (size_t i = 0; i < a.headers.size(); ++i)
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
    return true;
}

// The connection's encoding of a request, decoded again.
void round_trip(const HttpRequest& r, std::string& summary) {
    shm::RequestView view;
    view.http_major = r.http_major;
    view.http_minor = r.http_minor;
    view.keep_alive = r.keep_alive;
    view.method = r.method;
    turbo::master::split_target(r.view(r.target), view.path, view.query);
    view.client = "127.0.0.1:54321";
    for (const auto& [n, v] : r.headers)
        view.headers.push_back({r.view(n), r.view(v)});
    view.body = r.body;

    std::string payload;
    shm::encode_request(view, payload);
    shm::RequestView back;
    check(shm::decode_request(payload, back));
    check(same(view, back));
    // Decoded views point into the payload.
    const auto in_payload = [&](std::string_view s) {
        return s.empty() ||
               (s.data() >= payload.data() && s.data() + s.size() <= payload.data() + payload.size());
    };
    check(in_payload(back.method) && in_payload(back.path) && in_payload(back.query) &&
          in_payload(back.body));
    // A truncated payload never decodes.
    if (!payload.empty()) {
        shm::RequestView cut;
        check(!shm::decode_request(std::string_view(payload).substr(0, payload.size() - 1), cut));
    }
    summary.append(payload).append(1, '\x1f');
}

struct Outcome {
    std::string summary; // every request's encoding and every ExpectContinue, in order
    bool failed = false;
};

Outcome run(const std::vector<std::string_view>& pieces, const HttpLimits& lim) {
    HttpParser parser(lim);
    Outcome out;
    for (auto piece : pieces) {
        size_t off = 0;
        for (int guard = 0; off < piece.size(); ++guard) {
            check(guard < 100000); // each round consumes bytes or ends the piece
            size_t consumed = 0;
            const auto st = parser.feed(piece.data() + off, piece.size() - off, consumed);
            check(consumed <= piece.size() - off);
            off += consumed;
            switch (st) {
            case HttpParser::Status::NeedMore:
                check(off == piece.size());
                break;
            case HttpParser::Status::ExpectContinue:
                check(parser.in_progress() && parser.request().expect_continue);
                out.summary.append("100\x1f");
                break;
            case HttpParser::Status::Request:
                check(!parser.in_progress());
                check(parser.error() == HttpError::None);
                check_request(parser.request(), lim);
                round_trip(parser.request(), out.summary);
                parser.next();
                break;
            case HttpParser::Status::Error: {
                check(consumed == 0);
                const uint16_t status = http_error_status(parser.error());
                check(status >= 400 && status <= 505 && reason_phrase(status) != "Unknown");
                check(!parser.error_detail().empty());
                size_t again = 0;
                check(parser.feed("x", 1, again) == HttpParser::Status::Error);
                out.failed = true;
                return out;
            }
            }
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    const size_t cut = stream.empty() ? 0 : data[0] % (stream.size() + 1);
    const HttpLimits lim = small_limits();

    const Outcome split = run({stream.substr(0, cut), stream.substr(cut)}, lim);
    const Outcome whole = run({stream}, lim);
    // Where the bytes are cut changes nothing but, when two faults race, which one is reported.
    check(split.summary == whole.summary && split.failed == whole.failed);
    return 0;
}
