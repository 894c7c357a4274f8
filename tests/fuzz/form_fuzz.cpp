// libFuzzer target for worker/form.h (the form parser, without its Python layer).
//
// Input: byte 0 picks the mode, the limits and allow_truncated; the rest is
//   mode 0: an urlencoded body, checked against a naive reference implementation;
//   mode 1: a multipart body with boundary "XyZ": parts must be in-body views, in order, not overlapping;
//   mode 2: "content type\n" + body, read as the Content-Type says;
//   mode 3: NUL-separated names and values, encoded as multipart (CRLF or LF, with or without filenames,
//           preamble, epilogue) and parsed back: the parts must come back exactly.
// Invariants are checked with __builtin_trap() so a violation is a crash the fuzzer reports.
#include "worker/form.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace turbo::worker;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool inside(std::string_view body, std::string_view part) {
    return part.empty() ||
           (part.data() >= body.data() && part.data() + part.size() <= body.data() + body.size());
}

FormLimits limits_for(uint8_t selector) {
    FormLimits l;
    if (selector & 0x10) {
        l.max_fields = 3;
        l.max_files = 2;
        l.max_field_bytes = 16;
        l.max_part_header_bytes = 64;
    }
    l.allow_truncated = selector & 0x08;
    return l;
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string reference_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

void urlencoded(std::string_view body, const FormLimits& limits) {
    FormParser parser(limits);
    const FormStatus status = parser.parse_urlencoded(body);
    std::vector<std::pair<std::string, std::string>> expected;
    for (size_t pos = 0; pos <= body.size();) {
        size_t amp = body.find('&', pos);
        if (amp == std::string_view::npos) amp = body.size();
        const std::string_view pair = body.substr(pos, amp - pos);
        pos = amp + 1;
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        expected.emplace_back(reference_decode(pair.substr(0, eq)),
                              eq == std::string_view::npos ? "" : reference_decode(pair.substr(eq + 1)));
    }
    if (!status.ok()) {
        check(!status.malformed &&
              (expected.size() > limits.max_fields || body.size() > limits.max_field_bytes));
        return;
    }
    check(parser.fields().size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        check(parser.fields()[i].name == expected[i].first);
        check(parser.fields()[i].value == expected[i].second);
    }
}

void check_parts(const FormParser& parser, std::string_view body) {
    const char* previous_end = body.data();
    for (const auto& part : parser.parts()) {
        check(inside(body, part.data));
        check(inside(body, part.content_type));
        if (!part.data.empty()) {
            check(part.data.data() >= previous_end);
            previous_end = part.data.data() + part.data.size();
        }
        for (const auto& h : parser.headers(part)) {
            check(inside(body, h.name) && inside(body, h.value));
            check(!h.name.empty() && h.name.find_first_of(":\r\n") == std::string_view::npos);
        }
        check(parser.limits().max_field_bytes >= part.data.size() || part.has_filename);
    }
}

void multipart(std::string_view body, std::string_view boundary, const FormLimits& limits) {
    FormParser parser(limits);
    const FormStatus status = parser.parse_multipart(body, boundary);
    check(status.ok() != !status.error.empty());
    if (limits.allow_truncated) check(status.error.find("truncated") == std::string::npos);
    if (status.ok()) check_parts(parser, body);
}

void with_content_type(std::string_view input, const FormLimits& limits) {
    const size_t nl = input.find('\n');
    if (nl == std::string_view::npos) return;
    FormContentType type;
    const FormStatus status = parse_form_content_type(input.substr(0, nl), type);
    if (!status.ok()) {
        check(type.encoding == FormEncoding::Multipart);
        return;
    }
    const std::string_view body = input.substr(nl + 1);
    if (type.encoding == FormEncoding::UrlEncoded) urlencoded(body, limits);
    if (type.encoding == FormEncoding::Multipart) {
        check(!type.boundary.empty());
        multipart(body, type.boundary, limits);
    }
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// Names with CR or LF cannot be sent in a header; a filename that looks like an old IE path is cut.
bool sendable_name(std::string_view s) {
    return s.find_first_of("\r\n") == std::string_view::npos;
}
bool plain_filename(std::string_view s) {
    return sendable_name(s) && !(s.size() >= 3 && s[1] == ':' && s[2] == '\\') && !s.starts_with("\\\\");
}

void round_trip(std::string_view input, uint8_t selector) {
    std::vector<std::string_view> pieces;
    for (size_t pos = 0; pos <= input.size();) {
        size_t end = input.find('\0', pos);
        if (end == std::string_view::npos) end = input.size();
        pieces.push_back(input.substr(pos, end - pos));
        pos = end + 1;
    }
    const std::string nl = selector & 0x20 ? "\n" : "\r\n";
    const bool files = selector & 0x40;
    std::string boundary = "b0undary";
    while (input.find(boundary) != std::string_view::npos)
        boundary += 'x';
    std::string body = selector & 0x80 ? "preamble" + nl : "";
    struct Sent {
        std::string_view name, data;
    };
    std::vector<Sent> sent;
    for (size_t i = 0; i + 1 < pieces.size(); i += 2) {
        const std::string_view name = pieces[i], data = pieces[i + 1];
        if (!sendable_name(name) || (files && !plain_filename(name))) return;
        body += "--" + boundary + nl + "Content-Disposition: form-data; name=" + quoted(name);
        if (files) body += "; filename=" + quoted(name);
        body += nl + nl;
        body += data;
        body += nl;
        sent.push_back({name, data});
    }
    body += "--" + boundary + "--" + nl + (selector & 0x80 ? "epilogue" + nl + "--" + boundary + nl : "");
    FormLimits limits;
    limits.max_fields = limits.max_files = sent.size();
    limits.max_field_bytes = input.size();
    FormParser parser(limits);
    const FormStatus status = parser.parse_multipart(body, boundary);
    check(status.ok());
    check(parser.parts().size() == sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
        const auto& part = parser.parts()[i];
        check(part.name == sent[i].name);
        check(part.data == sent[i].data);
        check(part.has_filename == files);
        if (files) check(part.filename == sent[i].name);
    }
    check_parts(parser, body);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t selector = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    const FormLimits limits = limits_for(selector);
    switch (selector & 3) {
    case 0:
        urlencoded(input, limits);
        break;
    case 1:
        multipart(input, "XyZ", limits);
        break;
    case 2:
        with_content_type(input, limits);
        break;
    case 3:
        round_trip(input, selector);
        break;
    }
    return 0;
}
