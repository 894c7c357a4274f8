// Unit tests for the pure form parser (worker/form.h); the Python layer is tested by
// tests/python/test_forms.py.
#include "worker/form.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace turbo::worker;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs urlencoded(std::string_view body) {
    FormParser parser;
    const FormStatus status = parser.parse_urlencoded(body);
    REQUIRE(status.ok());
    Pairs out;
    for (const auto& f : parser.fields())
        out.emplace_back(f.name, f.value);
    return out;
}

/// name=data of each part, for compact expectations.
Pairs parts_of(const FormParser& parser) {
    Pairs out;
    for (const auto& p : parser.parts())
        out.emplace_back(p.name, p.data);
    return out;
}

FormStatus multipart(FormParser& parser, std::string_view body, std::string_view boundary = "XyZ") {
    return parser.parse_multipart(body, boundary);
}

std::string part(std::string_view name, std::string_view data, std::string_view extra = "") {
    return "--XyZ\r\nContent-Disposition: form-data; name=\"" + std::string(name) + "\"" +
           std::string(extra) + "\r\n\r\n" + std::string(data) + "\r\n";
}

const std::string kEnd = "--XyZ--\r\n";

} // namespace

TEST_CASE("content type: media type, boundary, charset") {
    FormContentType ct;
    REQUIRE(parse_form_content_type("application/x-www-form-urlencoded", ct).ok());
    CHECK(ct.encoding == FormEncoding::UrlEncoded);
    REQUIRE(parse_form_content_type("Application/X-WWW-Form-UrlEncoded ; charset=UTF-8", ct).ok());
    CHECK(ct.encoding == FormEncoding::UrlEncoded);
    CHECK(ct.charset == "utf-8");

    REQUIRE(parse_form_content_type("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk", ct).ok());
    CHECK(ct.encoding == FormEncoding::Multipart);
    CHECK(ct.boundary == "----WebKitFormBoundary7MA4YWxk");
    REQUIRE(parse_form_content_type("multipart/form-data;charset=latin-1;BOUNDARY=\"a b:\\\"c\"", ct).ok());
    CHECK(ct.boundary == "a b:\"c");
    CHECK(ct.charset == "latin-1");

    REQUIRE(parse_form_content_type("application/json", ct).ok());
    CHECK(ct.encoding == FormEncoding::None);
    REQUIRE(parse_form_content_type("", ct).ok());
    CHECK(ct.encoding == FormEncoding::None);
}

TEST_CASE("content type: a missing or unusable boundary is an error") {
    FormContentType ct;
    FormStatus s = parse_form_content_type("multipart/form-data", ct);
    CHECK(s.error == "Missing boundary in multipart.");
    CHECK_FALSE(s.malformed);
    CHECK(parse_form_content_type("multipart/form-data; charset=utf-8", ct).error ==
          "Missing boundary in multipart.");
    s = parse_form_content_type("multipart/form-data; boundary=\"\"", ct);
    CHECK(s.error == "Invalid boundary in multipart: it is empty.");
    CHECK(s.malformed);
    CHECK(parse_form_content_type("multipart/form-data; boundary=" + std::string(201, 'a'), ct).error ==
          "Invalid boundary in multipart: it is longer than 200 characters.");
    CHECK_FALSE(parse_form_content_type("multipart/form-data; boundary=\"a\x01\"", ct).ok());
    CHECK_FALSE(parse_form_content_type("multipart/form-data; boundary=\"\xc3\xa9\"", ct).ok());
}

TEST_CASE("urlencoded: pairs, '+', escapes, blanks, order and duplicates") {
    CHECK(urlencoded("a=1&b=2") == Pairs{{"a", "1"}, {"b", "2"}});
    CHECK(urlencoded("a=1+2&b=%41%42%c3%a9") == Pairs{{"a", "1 2"}, {"b", "AB\xc3\xa9"}});
    CHECK(urlencoded("a+b%3D=c%26d") == Pairs{{"a b=", "c&d"}});
    CHECK(urlencoded("a&b=&=c&=") == Pairs{{"a", ""}, {"b", ""}, {"", "c"}, {"", ""}});
    CHECK(urlencoded("&&a=1&&") == Pairs{{"a", "1"}});
    CHECK(urlencoded("x=1&x=2&y=3&x=4") == Pairs{{"x", "1"}, {"x", "2"}, {"y", "3"}, {"x", "4"}});
    CHECK(urlencoded("a=b=c") == Pairs{{"a", "b=c"}});
    CHECK(urlencoded("a=1;b=2") == Pairs{{"a", "1;b=2"}});
    CHECK(urlencoded("").empty());
    CHECK(urlencoded("%2B=%2b") == Pairs{{"+", "+"}});
}

TEST_CASE("urlencoded: invalid escapes stay as they are") {
    CHECK(urlencoded("a=%zz%4&b=%&c=%4g%") == Pairs{{"a", "%zz%4"}, {"b", "%"}, {"c", "%4g%"}});
    CHECK(urlencoded("a=%%41") == Pairs{{"a", "%A"}});
    CHECK(urlencoded("a=%00") == Pairs{{"a", std::string(1, '\0')}});
}

TEST_CASE("urlencoded: views into the body unless decoding was needed, all valid together") {
    FormParser parser;
    const std::string body = "plain=text&enc=%41+b&more=x%20y&last=z";
    REQUIRE(parser.parse_urlencoded(body).ok());
    const auto& f = parser.fields();
    REQUIRE(f.size() == 4);
    CHECK(f[0].value.data() == body.data() + 6);
    CHECK(f[1].value == "A b");
    CHECK(f[2].value == "x y");
    CHECK(f[3].value.data() == body.data() + body.size() - 1);
    // A reused parser with a longer body: still consistent.
    const std::string longer = std::string(1000, 'k') + "=%41&b=%42";
    REQUIRE(parser.parse_urlencoded(longer).ok());
    CHECK(parser.fields()[0].value == "A");
    CHECK(parser.fields()[1].value == "B");
}

TEST_CASE("urlencoded: limits") {
    FormLimits limits;
    limits.max_fields = 3;
    limits.max_field_bytes = 8;
    FormParser parser(limits);
    CHECK(parser.parse_urlencoded("a=1&b=2&c=3").ok());
    FormStatus s = parser.parse_urlencoded("a=1&b=2&c=3&d=4");
    CHECK(s.error == "Too many fields. Maximum number of fields is 3.");
    CHECK_FALSE(s.malformed);
    CHECK(parser.parse_urlencoded("abcd=efgh").ok()); // 8 bytes without the '='
    CHECK(parser.parse_urlencoded("abcd=efghi").error == "Field exceeded maximum size of 0KB.");
}

TEST_CASE("multipart: fields and files as a browser sends them") {
    const std::string body = "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"title\"\r\n"
                             "\r\n"
                             "Hello\r\nWorld\r\n"
                             "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n"
                             "Content-Type: text/plain\r\n"
                             "\r\n"
                             "file\r\ncontents\r\n\r\n"
                             "--XyZ\r\n"
                             "content-disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
                             "CONTENT-TYPE: application/octet-stream\r\n"
                             "\r\n"
                             "\r\n"
                             "--XyZ--\r\n";
    FormParser parser;
    REQUIRE(multipart(parser, body).ok());
    const auto& p = parser.parts();
    REQUIRE(p.size() == 3);
    CHECK(p[0].name == "title");
    CHECK(p[0].data == "Hello\r\nWorld");
    CHECK_FALSE(p[0].has_filename);
    CHECK(p[0].content_type.empty());
    CHECK(p[1].name == "upload");
    CHECK(p[1].has_filename);
    CHECK(p[1].filename == "a.txt");
    CHECK(p[1].content_type == "text/plain");
    CHECK(p[1].data == "file\r\ncontents\r\n");
    CHECK(p[1].data.data() >= body.data()); // a view: file contents are not copied
    CHECK(p[1].data.data() < body.data() + body.size());
    CHECK(p[2].has_filename);
    CHECK(p[2].filename.empty());
    CHECK(p[2].data.empty());
    CHECK(p[2].content_type == "application/octet-stream");
    const auto headers = parser.headers(p[1]);
    REQUIRE(headers.size() == 2);
    CHECK(headers[0].name == "Content-Disposition");
    CHECK(headers[1].name == "Content-Type");
    CHECK(headers[1].value == "text/plain");
    CHECK(parser.headers(p[2])[1].name == "CONTENT-TYPE");
}

TEST_CASE("multipart: preamble and epilogue are ignored") {
    FormParser parser;
    const std::string body = "This is a preamble.\r\n--XyZ is not it\r\n\r\n" + part("a", "1") +
                             "--XyZ--\r\nepilogue\r\n--XyZ\r\nmore";
    REQUIRE(multipart(parser, body).ok());
    CHECK(parts_of(parser) == Pairs{{"a", "1"}});
    REQUIRE(multipart(parser, part("a", "1") + "--XyZ--").ok()); // no line end after the last boundary
    CHECK(parts_of(parser) == Pairs{{"a", "1"}});
}

TEST_CASE("multipart: bare LF line ends, whitespace after boundaries") {
    FormParser parser;
    std::string body = "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nline1\nline2\n--XyZ\n"
                       "Content-Disposition: form-data; name=\"b\"\n\n\n--XyZ--\n";
    REQUIRE(multipart(parser, body).ok());
    CHECK(parts_of(parser) == Pairs{{"a", "line1\nline2"}, {"b", ""}});

    body = "--XyZ \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ  \r\n"
           "Content-Disposition: form-data; name=b\r\n\r\nw\r\n--XyZ--";
    REQUIRE(multipart(parser, body).ok());
    CHECK(parts_of(parser) == Pairs{{"a", "v"}, {"b", "w"}});
}

TEST_CASE("multipart: boundary-like text inside data stays data") {
    FormParser parser;
    const std::string body = part("a", "x\r\n--XyZW\r\n--XyZ-\r\n-XyZ\r\n--Xy") + kEnd;
    REQUIRE(multipart(parser, body).ok());
    CHECK(parts_of(parser) == Pairs{{"a", "x\r\n--XyZW\r\n--XyZ-\r\n-XyZ\r\n--Xy"}});
    // "--XyZ" inside a line (no line end before it) is data too.
    REQUIRE(multipart(parser, part("a", "abc--XyZ--") + kEnd).ok());
    CHECK(parts_of(parser) == Pairs{{"a", "abc--XyZ--"}});
}

TEST_CASE("multipart: Content-Disposition parameters") {
    FormParser parser;
    auto one = [&](std::string_view disposition) {
        const std::string body =
            "--XyZ\r\nContent-Disposition: " + std::string(disposition) + "\r\n\r\nd\r\n" + kEnd;
        const FormStatus s = multipart(parser, body);
        REQUIRE(s.ok());
        REQUIRE(parser.parts().size() == 1);
        return parser.parts()[0];
    };
    auto p = one("form-data; name=\"a\\\"b\\\\c\"; filename=\"x;y.txt\"");
    CHECK(p.name == "a\"b\\c");
    CHECK(p.filename == "x;y.txt");
    p = one("form-data;name=plain;filename=f.bin");
    CHECK(p.name == "plain");
    CHECK(p.filename == "f.bin");
    p = one("form-data; NAME=\"n\"; FileName=\"C:\\dir\\sub\\f.txt\"");
    CHECK(p.name == "n");
    CHECK(p.filename == "f.txt"); // old IE's full path, cut as python-multipart does
    p = one("form-data; name=\"n\"; filename=\"a\\b.txt\"");
    CHECK(p.filename == "a\\b.txt"); // other backslashes are kept
    p = one("form-data; name=\"n\"; filename=\"\\\\server\\share\\f.txt\"");
    CHECK(p.filename == "\\server\\share\\f.txt"); // "\\" unescapes to one backslash: not a UNC path
    p = one("form-data; name=\"n\"; filename=\"\\\\\\\\server\\share\\f.txt\"");
    CHECK(p.filename == "f.txt");
    p = one("form-data; name=\"n\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20x.txt");
    CHECK(p.filename == "na\xc3\xafve x.txt");
    CHECK(p.filename_charset == FilenameCharset::Utf8);
    p = one("form-data; name=\"n\"; filename*=iso-8859-1'en'%E9.txt; filename=\"later.txt\"");
    CHECK(p.filename == "\xe9.txt");
    CHECK(p.filename_charset == FilenameCharset::Latin1);
    p = one("form-data; name=\"n\"; filename*=koi8-r''x; filename=\"plain.txt\"");
    CHECK(p.filename == "plain.txt");
    CHECK(p.filename_charset == FilenameCharset::Form);
    p = one("form-data; name=\"n\"; filename*=garbage");
    CHECK_FALSE(p.has_filename);
    p = one("form-data; name=\"unterminated");
    CHECK(p.name == "unterminated");
    p = one("form-data; name=\"first\"; name=\"second\"");
    CHECK(p.name == "second");
    p = one("form-data; name=\"\"");
    CHECK(p.name.empty());
}

TEST_CASE("multipart: a part without a name") {
    FormParser parser;
    for (const std::string& headers : {std::string("Content-Disposition: form-data"),
                                       std::string("Content-Disposition: form-data; filename=\"a\""),
                                       std::string("X-Other: 1"), std::string()}) {
        std::string body = "--XyZ\r\n" + headers + (headers.empty() ? "" : "\r\n") + "\r\nd\r\n" + kEnd;
        const FormStatus s = multipart(parser, body);
        CHECK(s.error == "The Content-Disposition header field \"name\" must be provided.");
        CHECK_FALSE(s.malformed);
    }
}

TEST_CASE("multipart: truncated and malformed bodies") {
    FormParser parser;
    auto error = [&](const std::string& body) {
        const FormStatus s = multipart(parser, body);
        CHECK(s.malformed);
        return s.error;
    };
    const std::string no_start = "Multipart body does not start with the boundary given in the Content-Type.";
    CHECK(error("garbage") == no_start);
    CHECK(error("--other\r\n\r\n--other--") == no_start);
    CHECK(error("--XyZ") == no_start);
    CHECK(error("--XyZabc\r\n") == no_start);
    CHECK(error("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n") ==
          "Multipart body is truncated in the headers of part 1.");
    CHECK(error("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc") ==
          "Multipart body is truncated: part 1 has no closing boundary.");
    CHECK(error(part("a", "1") + "--XyZ") == "Multipart body is truncated: part 1 has no closing boundary.");
    CHECK(error(part("a", "1") + "--XyZ\r\n") == "Multipart body is truncated in the headers of part 2.");
    CHECK(error(part("a", "1") + part("b", "2")) ==
          "Multipart body is truncated: part 2 has no closing boundary.");
    CHECK(error(part("a", "1") + "--XyZ-") == "Multipart body is truncated: part 1 has no closing boundary.");
    CHECK(error("--XyZ\r\nNo colon here\r\n\r\nd\r\n" + kEnd) == "Malformed header in multipart part 1.");
    CHECK(error("--XyZ\r\n: empty name\r\n\r\nd\r\n" + kEnd) == "Malformed header in multipart part 1.");
    CHECK(error("--XyZ\r\nContent-Disposition: form-data;\r\n name=\"folded\"\r\n\r\nd\r\n" + kEnd) ==
          "Malformed header in multipart part 1.");
}

TEST_CASE("multipart: allow_truncated keeps the complete parts before the cut, as python-multipart") {
    FormLimits limits;
    limits.allow_truncated = true;
    FormParser parser(limits);
    const std::string two = part("a", "1") + part("b", "2", "; filename=\"f\"");
    for (const std::string& cut :
         {std::string("--XyZ\r\nContent-Disposition: form-da"),
          std::string("--XyZ\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\nabc")}) {
        REQUIRE(multipart(parser, two + cut).ok());
        CHECK(parts_of(parser) == Pairs{{"a", "1"}, {"b", "2"}});
        CHECK(parser.headers(parser.parts()[1]).size() == 1);
    }
    // Without its closing boundary the last part is unfinished.
    for (const std::string& cut : {std::string("--XyZ"), std::string()}) {
        REQUIRE(multipart(parser, two + cut).ok());
        CHECK(parts_of(parser) == Pairs{{"a", "1"}});
    }
    // Other errors stay errors.
    CHECK(multipart(parser, "garbage").malformed);
    CHECK(multipart(parser, "--XyZ\r\nBad header\r\n\r\n").malformed);
}

TEST_CASE("multipart: empty forms") {
    FormParser parser;
    CHECK(multipart(parser, "").ok());
    CHECK(multipart(parser, "\r\n").ok());
    CHECK(parser.parts().empty());
    // A closing boundary before any part: python-multipart refuses it, FastAPI answers 400.
    CHECK(multipart(parser, "--XyZ--\r\n").malformed);
    CHECK(multipart(parser, "preamble\r\n--XyZ--").malformed);
}

TEST_CASE("multipart: limits") {
    FormLimits limits;
    limits.max_fields = 2;
    limits.max_files = 1;
    limits.max_field_bytes = 4;
    limits.max_part_header_bytes = 100;
    FormParser parser(limits);
    CHECK(multipart(parser, part("a", "1") + part("b", "2") + kEnd).ok());
    FormStatus s = multipart(parser, part("a", "1") + part("b", "2") + part("c", "3") + kEnd);
    CHECK(s.error == "Too many fields. Maximum number of fields is 2.");
    CHECK_FALSE(s.malformed);
    const std::string file = part("f", "big file contents", "; filename=\"f\"");
    CHECK(multipart(parser, file + part("a", "1") + kEnd).ok()); // files do not count as fields
    CHECK(multipart(parser, file + file + kEnd).error == "Too many files. Maximum number of files is 1.");
    CHECK(multipart(parser, part("a", "12345") + kEnd).error == "Part exceeded maximum size of 0KB.");
    const std::string long_header = "--XyZ\r\nX-Long: " + std::string(100, 'x') + "\r\n" +
                                    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" + kEnd;
    s = multipart(parser, long_header);
    CHECK(s.error == "The headers of multipart part 1 exceed 100 bytes.");
    CHECK(s.malformed);
}

TEST_CASE("multipart: a large file part is found without copying, with boundary bytes around") {
    std::string data;
    for (int i = 0; i < 200000; ++i)
        data += char(i % 251);
    data += "\r\n--XyZ-not-it\r\n-"; // near misses at the end
    const std::string body = part("f", data, "; filename=\"big.bin\"") + part("g", "after") + kEnd;
    FormParser parser;
    REQUIRE(multipart(parser, body).ok());
    REQUIRE(parser.parts().size() == 2);
    CHECK(parser.parts()[0].data == data);
    CHECK(parser.parts()[0].data.data() == body.data() + body.find("\r\n\r\n") + 4);
    CHECK(parser.parts()[1].data == "after");
}

TEST_CASE("multipart: a reused parser forgets the previous body") {
    FormParser parser;
    REQUIRE(multipart(parser, part("a", "1") + part("b", "2") + kEnd).ok());
    REQUIRE(multipart(parser, "--B\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n--B--", "B").ok());
    CHECK(parts_of(parser) == Pairs{{"c", "3"}});
    CHECK(parser.headers(parser.parts()[0]).size() == 1);
}
