// Form bodies (see form.h). The parser comes first and is pure C++; the pybind11 layer at the end is
// left out when TURBO_FORM_PARSER_ONLY is defined, which is how the unit test and the fuzz target compile
// this file (they link no libpython).
#include "worker/form.h"

#include <string.h> // memmem

#include <algorithm>
#include <cstring>

namespace turbo::worker {

namespace {

// Starlette's messages where it has one, so a 400's detail reads the same as FastAPI's.
constexpr std::string_view kMissingBoundary = "Missing boundary in multipart.";
constexpr std::string_view kMissingName = "The Content-Disposition header field \"name\" must be provided.";
// RFC 2046 allows 70 characters; some clients send longer ones, so only absurd lengths are refused.
constexpr size_t kMaxBoundary = 200;

// ASCII only, and not std::tolower, which consults the C locale on every call.
char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c + 32) : c;
}

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// A body python-multipart cannot parse (FastAPI answers "There was an error parsing the body").
FormStatus malformed(std::string message) {
    return {std::move(message), true};
}

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

// RFC 9110 tchar: what a header name may be made of.
bool is_tchar(unsigned char c) {
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(c); });
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Appends the percent-decoding of `in` to `out`; '+' is a space when `plus_is_space`. Invalid escapes
/// ("%zz", a '%' near the end) stay as they are, as urllib's unquote leaves them.
void append_percent_decoded(std::string_view in, std::string& out, bool plus_is_space) {
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%' && i + 2 < in.size()) {
            const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(char(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
}

/// Calls visit(key, value) for each `; key=value` parameter of a header value (RFC 9110 5.6.6), `s`
/// starting after the media or disposition type. Values are tokens or quoted strings. In quoted strings
/// only \\ and \" are unescaped, as python-multipart does: browsers do not escape backslashes, so
/// filename="C:\dir\f.txt" keeps them. A missing closing quote runs the value to the end.
template <class Visit> void for_each_param(std::string_view s, std::string& value, Visit visit) {
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ';' || is_ows(s[i])))
            ++i;
        const size_t key_begin = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';')
            ++i;
        const std::string_view key = trim(s.substr(key_begin, i - key_begin));
        if (i >= s.size() || s[i] == ';') continue; // a parameter without '=' means nothing here
        ++i;
        while (i < s.size() && is_ows(s[i]))
            ++i;
        value.clear();
        if (i < s.size() && s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
                value.push_back(s[i]);
            }
            while (i < s.size() && s[i] != ';')
                ++i;
        } else {
            const size_t begin = i;
            while (i < s.size() && s[i] != ';')
                ++i;
            value.assign(trim(s.substr(begin, i - begin)));
        }
        visit(key, std::string_view(value));
    }
}

FormStatus check_boundary(std::string_view boundary) {
    if (boundary.empty()) return malformed("Invalid boundary in multipart: it is empty.");
    if (boundary.size() > kMaxBoundary)
        return malformed("Invalid boundary in multipart: it is longer than " + std::to_string(kMaxBoundary) +
                         " characters.");
    for (const char c : boundary)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return malformed("Invalid boundary in multipart: it contains a control or non-ASCII character.");
    return {};
}

/// RFC 5987 ext-value (`UTF-8''na%C3%AFve.txt`) as bytes plus their charset; false for a malformed value
/// or a charset other than UTF-8 and ISO-8859-1 (then filename= is used, as RFC 6266 says).
bool decode_ext_value(std::string_view v, std::string& out, FilenameCharset& charset) {
    const size_t q1 = v.find('\'');
    if (q1 == std::string_view::npos) return false;
    const size_t q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return false;
    const std::string_view name = v.substr(0, q1);
    if (ieq(name, "utf-8"))
        charset = FilenameCharset::Utf8;
    else if (ieq(name, "iso-8859-1"))
        charset = FilenameCharset::Latin1;
    else
        return false;
    out.clear();
    append_percent_decoded(v.substr(q2 + 1), out, false);
    return true;
}

/// python-multipart's fix for old IE, which sent the whole Windows path: keep the last component.
void strip_windows_path(std::string& filename) {
    const bool drive = filename.size() >= 3 && filename[1] == ':' && filename[2] == '\\';
    const bool unc = filename.size() >= 2 && filename[0] == '\\' && filename[1] == '\\';
    if (drive || unc) filename.erase(0, filename.rfind('\\') + 1);
}

std::string part_error(std::string_view what, size_t index, std::string_view rest = {}) {
    std::string s(what);
    s += std::to_string(index + 1);
    s += rest;
    return s;
}

std::string kilobytes_message(std::string_view prefix, size_t limit) {
    return std::string(prefix) + std::to_string(limit / 1024) + "KB.";
}

} // namespace

FormStatus parse_form_content_type(std::string_view content_type, FormContentType& out) {
    out.encoding = FormEncoding::None;
    out.boundary.clear();
    out.charset.clear();
    const size_t semi = content_type.find(';');
    const std::string_view media = trim(content_type.substr(0, semi));
    if (ieq(media, "application/x-www-form-urlencoded"))
        out.encoding = FormEncoding::UrlEncoded;
    else if (ieq(media, "multipart/form-data"))
        out.encoding = FormEncoding::Multipart;
    else
        return {};
    bool has_boundary = false;
    if (semi != std::string_view::npos) {
        std::string value;
        for_each_param(content_type.substr(semi), value, [&](std::string_view key, std::string_view v) {
            if (ieq(key, "boundary")) {
                out.boundary.assign(v);
                has_boundary = true;
            } else if (ieq(key, "charset")) {
                out.charset.assign(v);
                std::transform(out.charset.begin(), out.charset.end(), out.charset.begin(), ascii_lower);
            }
        });
    }
    if (out.encoding != FormEncoding::Multipart) return {};
    if (!has_boundary) return {std::string(kMissingBoundary)};
    return check_boundary(out.boundary);
}

// ------------------------------------------------------------------------------------ urlencoded

// A field that needs no decoding (the common case) is a view into the body; one that does is decoded
// into arena_, which is reserved once for the whole body (decoding never lengthens text), so earlier
// views into it stay valid.
std::string_view FormParser::decoded(std::string_view raw, std::string_view body) {
    // A plain loop: find_first_of calls memchr on the set once per byte of `raw`.
    if (std::none_of(raw.begin(), raw.end(), [](char c) { return c == '%' || c == '+'; })) return raw;
    if (arena_.capacity() < body.size()) arena_.reserve(body.size()); // only before the first decode
    const size_t start = arena_.size();
    append_percent_decoded(raw, arena_, true);
    return std::string_view(arena_).substr(start);
}

FormStatus FormParser::parse_urlencoded(std::string_view body) {
    fields_.clear();
    arena_.clear();
    size_t pos = 0;
    while (pos < body.size()) {
        if (body[pos] == '&') { // a run of separators ("a=1&&&b=2"): no search per byte
            ++pos;
            continue;
        }
        size_t amp = body.find('&', pos);
        if (amp == std::string_view::npos) amp = body.size();
        const std::string_view pair = body.substr(pos, amp - pos);
        pos = amp + 1;
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        if (pair.size() - (eq == std::string_view::npos ? 0 : 1) > limits_.max_field_bytes)
            return {kilobytes_message("Field exceeded maximum size of ", limits_.max_field_bytes)};
        if (fields_.size() == limits_.max_fields)
            return {"Too many fields. Maximum number of fields is " + std::to_string(limits_.max_fields) +
                    "."};
        const std::string_view name = decoded(pair.substr(0, eq), body);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view() : decoded(pair.substr(eq + 1), body);
        fields_.push_back({name, value});
    }
    return {};
}

// ------------------------------------------------------------------------------------- multipart

namespace {

/// The offset of `needle` in `body` from `from`, or npos. glibc's memmem is linear in the worst case,
/// where std::string_view::find is O(n * m): a hostile body of near-matches of a 200-byte boundary
/// would cost seconds.
size_t find_bytes(std::string_view body, std::string_view needle, size_t from) {
    if (from > body.size()) return std::string_view::npos;
    const void* hit = memmem(body.data() + from, body.size() - from, needle.data(), needle.size());
    return hit == nullptr ? std::string_view::npos : size_t(static_cast<const char*>(hit) - body.data());
}

/// Finds the first boundary line: "--boundary" at the start of the body or of a line (anything before is
/// preamble), then optional whitespace and a line end, or "--" for a form without parts. Its line end
/// (CRLF, or a bare LF from a non-browser client) is the one every later delimiter starts with, as Go's
/// mime/multipart does. Returns the offset after that line, or npos.
size_t open_multipart(std::string_view body, std::string_view dash_boundary, bool& crlf, bool& closed) {
    for (size_t search = 0;;) {
        const size_t at = find_bytes(body, dash_boundary, search);
        if (at == std::string_view::npos) return at;
        search = at + 1;
        if (at != 0 && body[at - 1] != '\n') continue;
        size_t p = at + dash_boundary.size();
        if (body.substr(p, 2) == "--") {
            closed = true;
            return body.size();
        }
        while (p < body.size() && is_ows(body[p]))
            ++p;
        if (body.substr(p, 2) == "\r\n") {
            crlf = true;
            return p + 2;
        }
        if (body.substr(p, 1) == "\n") {
            crlf = false;
            return p + 1;
        }
    }
}

} // namespace

bool FormParser::parse_disposition(std::string_view value, MultipartPart& part) {
    bool has_name = false, has_plain = false, has_ext = false;
    std::string scratch;
    const size_t semi = value.find(';');
    if (semi == std::string_view::npos) return false;
    for_each_param(value.substr(semi), scratch, [&](std::string_view key, std::string_view v) {
        if (ieq(key, "name")) {
            part.name.assign(v);
            has_name = true;
        } else if (ieq(key, "filename")) {
            if (!has_ext) part.filename.assign(v);
            has_plain = true;
        } else if (ieq(key, "filename*")) {
            std::string ext;
            FilenameCharset charset{};
            if (decode_ext_value(v, ext, charset)) {
                part.filename = std::move(ext);
                part.filename_charset = charset;
                has_ext = true;
            }
        }
    });
    part.has_filename = has_plain || has_ext;
    if (has_plain && !has_ext) strip_windows_path(part.filename);
    return has_name;
}

// Reads one part's header block from `pos` up to and including its empty line. Lines may end in CRLF
// or LF whatever the boundary lines use; folded lines are refused (RFC 7578 parts have none).
bool FormParser::parse_part_headers(std::string_view body, size_t& pos, MultipartPart& part,
                                    FormStatus& status) {
    const size_t index = parts_.size() - 1;
    const size_t start = pos;
    const size_t window_end = std::min(body.size(), start + limits_.max_part_header_bytes);
    std::string_view disposition;
    part.first_header = uint32_t(headers_.size());
    for (;;) {
        const size_t lf = body.substr(0, window_end).find('\n', pos);
        if (lf == std::string_view::npos) {
            if (window_end == body.size())
                status =
                    truncated(part_error("Multipart body is truncated in the headers of part ", index, "."));
            else
                status = malformed(
                    part_error("The headers of multipart part ", index,
                               " exceed " + std::to_string(limits_.max_part_header_bytes) + " bytes."));
            return false;
        }
        std::string_view line = body.substr(pos, lf - pos);
        pos = lf + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        const size_t colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        if (colon == std::string_view::npos || !is_token(name)) {
            status = malformed(part_error("Malformed header in multipart part ", index, "."));
            return false;
        }
        const std::string_view value = trim(line.substr(colon + 1));
        headers_.push_back({name, value});
        if (ieq(name, "content-disposition"))
            disposition = value; // the last one wins, as in Starlette
        else if (ieq(name, "content-type"))
            part.content_type = value;
    }
    part.header_count = uint32_t(headers_.size() - part.first_header);
    if (!parse_disposition(disposition, part)) {
        status.error = std::string(kMissingName);
        return false;
    }
    return true;
}

// A body that ends inside a part: an error, or with allow_truncated the parts before it, which is what
// python-multipart (so FastAPI) gives.
FormStatus FormParser::truncated(std::string message) {
    if (!limits_.allow_truncated) return malformed(std::move(message));
    headers_.resize(parts_.back().first_header);
    parts_.pop_back();
    return {};
}

bool FormParser::count_part(const MultipartPart& part, FormStatus& status) {
    if (part.has_filename && ++file_count_ > limits_.max_files) {
        status.error =
            "Too many files. Maximum number of files is " + std::to_string(limits_.max_files) + ".";
        return false;
    }
    if (!part.has_filename && ++field_count_ > limits_.max_fields) {
        status.error =
            "Too many fields. Maximum number of fields is " + std::to_string(limits_.max_fields) + ".";
        return false;
    }
    return true;
}

namespace {

/// Finds the delimiter that ends a part's data, which starts at `pos`: the line end, "--boundary", then
/// "--" (the last part) or optional whitespace and a line end. A match followed by anything else is data
/// (the boundary only has to be absent from the data as a whole line). Sets `pos` to the next part's start.
bool find_part_end(std::string_view body, std::string_view delimiter, size_t& pos, std::string_view& data,
                   bool& closed) {
    for (size_t search = pos;;) {
        const size_t at = find_bytes(body, delimiter, search);
        if (at == std::string_view::npos) return false;
        search = at + 1;
        size_t p = at + delimiter.size();
        if (body.substr(p, 2) == "--") {
            closed = true;
        } else {
            while (p < body.size() && is_ows(body[p]))
                ++p;
            if (body.substr(p, 2) == "\r\n")
                p += 2;
            else if (body.substr(p, 1) == "\n")
                p += 1;
            else
                continue;
        }
        data = body.substr(pos, at - pos);
        pos = p;
        return true;
    }
}

} // namespace

FormStatus FormParser::parse_multipart(std::string_view body, std::string_view boundary) {
    parts_.clear();
    headers_.clear();
    field_count_ = file_count_ = 0;
    delimiter_.assign("\r\n--");
    delimiter_.append(boundary);
    bool crlf = true, closed = false;
    size_t pos = open_multipart(body, std::string_view(delimiter_).substr(2), crlf, closed);
    if (pos == std::string_view::npos) {
        // An empty body is an empty form, as in Starlette (a client that sent no fields at all).
        if (trim(body).find_first_not_of("\r\n") == std::string_view::npos) return {};
        return malformed("Multipart body does not start with the boundary given in the Content-Type.");
    }
    // "--boundary--" before any part: python-multipart expects CRLF after the first boundary and
    // refuses this, so FastAPI answers 400 (an empty body, by contrast, is an empty form).
    if (closed) return malformed("Multipart body closes before its first part.");
    if (!crlf) delimiter_.erase(0, 1);
    FormStatus status;
    while (!closed) {
        MultipartPart& part = parts_.emplace_back();
        if (!parse_part_headers(body, pos, part, status) || !count_part(part, status)) return status;
        if (!find_part_end(body, delimiter_, pos, part.data, closed))
            return truncated(part_error("Multipart body is truncated: part ", parts_.size() - 1,
                                        " has no closing boundary."));
        if (!part.has_filename && part.data.size() > limits_.max_field_bytes)
            return {kilobytes_message("Part exceeded maximum size of ", limits_.max_field_bytes)};
    }
    return status;
}

} // namespace turbo::worker

#ifndef TURBO_FORM_PARSER_ONLY
// ------------------------------------------------------------------------------ Python (pybind11)

#include <pybind11/pybind11.h>

#include <limits>
#include <optional>
#include <span>

namespace turbo::worker {

namespace {

namespace py = pybind11;

py::object steal(PyObject* o) {
    if (o == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
}

/// Text of a multipart form in its charset, strictly, falling back to Latin-1 (never an error), which is
/// Starlette's _user_safe_decode. Only text encodings are looked up, so a hostile charset= cannot name a
/// decompressor.
PyObject* decode_form_text(std::string_view bytes, const std::string& charset) {
    const auto size = Py_ssize_t(bytes.size());
    PyObject* s = charset.empty() || charset == "utf-8" || charset == "utf8"
                      ? PyUnicode_DecodeUTF8(bytes.data(), size, nullptr)
                      : PyUnicode_Decode(bytes.data(), size, charset.c_str(), nullptr);
    if (s != nullptr) return s;
    PyErr_Clear();
    return PyUnicode_DecodeLatin1(bytes.data(), size, nullptr);
}

/// urlencoded text: UTF-8 with U+FFFD for invalid bytes (urllib's unquote_plus, and how the C++
/// dispatcher decodes query parameters).
PyObject* decode_utf8(std::string_view bytes) {
    return PyUnicode_DecodeUTF8(bytes.data(), Py_ssize_t(bytes.size()), "replace");
}

PyObject* pair(PyObject* name, PyObject* value) {
    PyObject* t = PyTuple_New(2);
    if (t == nullptr) {
        Py_XDECREF(name);
        Py_XDECREF(value);
        return nullptr;
    }
    PyTuple_SET_ITEM(t, 0, name);
    PyTuple_SET_ITEM(t, 1, value);
    if (name == nullptr || value == nullptr) {
        Py_DECREF(t);
        return nullptr;
    }
    return t;
}

py::object urlencoded_list(const FormParser& parser) {
    const auto& fields = parser.fields();
    py::object list = steal(PyList_New(Py_ssize_t(fields.size())));
    for (size_t i = 0; i < fields.size(); ++i) {
        PyObject* t = pair(decode_utf8(fields[i].name), decode_utf8(fields[i].value));
        if (t == nullptr) throw py::error_already_set();
        PyList_SET_ITEM(list.ptr(), Py_ssize_t(i), t);
    }
    return list;
}

/// The request body, read in place through the buffer protocol (bytes, bytearray, memoryview).
class BodyBuffer {
public:
    explicit BodyBuffer(py::handle body) : body_(body) {
        if (PyObject_GetBuffer(body.ptr(), &view_, PyBUF_SIMPLE) != 0) throw py::error_already_set();
    }
    ~BodyBuffer() { PyBuffer_Release(&view_); }
    BodyBuffer(const BodyBuffer&) = delete;
    BodyBuffer& operator=(const BodyBuffer&) = delete;

    std::string_view view() const { return {static_cast<const char*>(view_.buf), size_t(view_.len)}; }

    /// A memoryview of `part` (a view into the body) that keeps the body alive: how a large file part
    /// reaches its temporary file without an intermediate copy.
    py::object slice(std::string_view part) {
        if (!memoryview_) {
            memoryview_ = steal(PyMemoryView_FromObject(body_.ptr()));
            if (PyMemoryView_GET_BUFFER(memoryview_.ptr())->itemsize != 1)
                memoryview_ = memoryview_.attr("cast")("B");
        }
        const auto start = Py_ssize_t(part.data() - static_cast<const char*>(view_.buf));
        py::object range = steal(
            PySlice_New(py::int_(start).ptr(), py::int_(start + Py_ssize_t(part.size())).ptr(), nullptr));
        return steal(PyObject_GetItem(memoryview_.ptr(), range.ptr()));
    }

private:
    py::handle body_;
    Py_buffer view_{};
    py::object memoryview_;
};

PyObject* filename_text(const MultipartPart& part, const std::string& charset) {
    const std::string_view f = part.filename;
    switch (part.filename_charset) {
    case FilenameCharset::Utf8:
        return decode_utf8(f);
    case FilenameCharset::Latin1:
        return PyUnicode_DecodeLatin1(f.data(), Py_ssize_t(f.size()), nullptr);
    case FilenameCharset::Form:
        break;
    }
    return decode_form_text(f, charset);
}

/// The part's headers as Starlette's UploadFile.headers holds them: [(lower-case name, value)] as bytes.
py::object raw_headers(const FormParser& parser, const MultipartPart& part) {
    const auto headers = parser.headers(part);
    py::object list = steal(PyList_New(Py_ssize_t(headers.size())));
    std::string lower;
    for (size_t i = 0; i < headers.size(); ++i) {
        lower.assign(headers[i].name);
        std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
        PyObject* t =
            pair(PyBytes_FromStringAndSize(lower.data(), Py_ssize_t(lower.size())),
                 PyBytes_FromStringAndSize(headers[i].value.data(), Py_ssize_t(headers[i].value.size())));
        if (t == nullptr) throw py::error_already_set();
        PyList_SET_ITEM(list.ptr(), Py_ssize_t(i), t);
    }
    return list;
}

/// turboapi.datastructures._upload_file: builds the UploadFile. A part up to `spool_max_bytes` is handed
/// over as bytes (its one copy; BytesIO shares it); a larger one as a memoryview into the body, which
/// Python writes straight to a temporary file.
py::object upload_file(const FormParser& parser, const MultipartPart& part, const std::string& charset,
                       BodyBuffer& body, Py_ssize_t spool_max_bytes) {
    static PyObject* factory = nullptr; // kept for the process's life: no teardown order to get wrong
    if (factory == nullptr)
        factory =
            py::object(py::module_::import("turboapi.datastructures").attr("_upload_file")).release().ptr();
    py::object data = Py_ssize_t(part.data.size()) > spool_max_bytes
                          ? body.slice(part.data)
                          : steal(PyBytes_FromStringAndSize(part.data.data(), Py_ssize_t(part.data.size())));
    py::object filename = steal(filename_text(part, charset));
    return py::handle(factory)(filename, raw_headers(parser, part), data, spool_max_bytes);
}

py::object multipart_list(const FormParser& parser, const std::string& charset, BodyBuffer& body,
                          Py_ssize_t spool_max_bytes) {
    const auto& parts = parser.parts();
    py::object list = steal(PyList_New(Py_ssize_t(parts.size())));
    for (size_t i = 0; i < parts.size(); ++i) {
        const MultipartPart& part = parts[i];
        py::object name = steal(decode_form_text(part.name, charset));
        py::object value = part.has_filename ? upload_file(parser, part, charset, body, spool_max_bytes)
                                             : steal(decode_form_text(part.data, charset));
        PyObject* t = pair(name.release().ptr(), value.release().ptr());
        if (t == nullptr) throw py::error_already_set();
        PyList_SET_ITEM(list.ptr(), Py_ssize_t(i), t);
    }
    return list;
}

/// One parser, reused so its vectors keep their capacity. Every use holds the GIL; `busy` covers a
/// second parse while the results of the first are still being converted (another thread, or a finalizer,
/// running Python code while UploadFiles are created), which gets a parser of its own.
class ParserLease {
public:
    explicit ParserLease(const FormLimits& limits) {
        static FormParser cached; // function-local: constructed on first use, after Python is up
        if (busy_) {
            own_.emplace(limits);
            parser_ = &*own_;
        } else {
            busy_ = true;
            parser_ = &cached;
            cached.set_limits(limits);
        }
    }
    ~ParserLease() {
        if (!own_) busy_ = false;
    }
    ParserLease(const ParserLease&) = delete;
    ParserLease& operator=(const ParserLease&) = delete;
    FormParser& operator*() { return *parser_; }
    FormParser* operator->() { return parser_; }

private:
    static inline bool busy_ = false;
    std::optional<FormParser> own_;
    FormParser* parser_;
};

/// ValueError(readable message), with `detail` set to what FastAPI 0.92 answers (400) for the same body:
/// Starlette's own message, or python-multipart's failures' generic one.
[[noreturn]] void throw_form_error(const FormStatus& status) {
    py::str message(status.error);
    py::object exc = steal(PyObject_CallOneArg(PyExc_ValueError, message.ptr()));
    exc.attr("detail") = status.malformed ? py::str("There was an error parsing the body") : message;
    PyErr_SetObject(PyExc_ValueError, exc.ptr());
    throw py::error_already_set();
}

py::object parse_form(py::handle body, std::string_view content_type, Py_ssize_t spool_max_bytes,
                      const FormLimits& limits) {
    FormContentType type;
    if (auto status = parse_form_content_type(content_type, type); !status.ok()) throw_form_error(status);
    if (type.encoding == FormEncoding::None) return steal(PyList_New(0)); // Starlette: an empty form
    BodyBuffer buffer(body);
    ParserLease parser(limits);
    if (type.encoding == FormEncoding::UrlEncoded) {
        if (auto status = parser->parse_urlencoded(buffer.view()); !status.ok()) throw_form_error(status);
        return urlencoded_list(*parser);
    }
    if (auto status = parser->parse_multipart(buffer.view(), type.boundary); !status.ok())
        throw_form_error(status);
    return multipart_list(*parser, type.charset, buffer, spool_max_bytes);
}

/// A query string as Starlette's QueryParams reads it (urllib's parse_qsl with keep_blank_values), but
/// decoded as UTF-8 like the dispatcher's query parameters. No limits: the master bounds the request line.
py::object parse_qsl(py::handle data) {
    py::object bytes = PyUnicode_Check(data.ptr()) ? steal(PyUnicode_AsUTF8String(data.ptr()))
                                                   : py::reinterpret_borrow<py::object>(data);
    BodyBuffer buffer(bytes);
    const size_t unlimited = std::numeric_limits<size_t>::max();
    ParserLease parser(FormLimits{unlimited, unlimited, unlimited, 0});
    parser->parse_urlencoded(buffer.view());
    return urlencoded_list(*parser);
}

// ----------------------------------------------------------------- entry points (vectorcall)
// Plain METH_FASTCALL functions rather than pybind11's dispatcher, whose argument matching costs more
// than parsing a small urlencoded form.

/// Matches a vectorcall's arguments to `names` (the first `positional` may be given by position).
/// Returns false with a TypeError set.
bool match_args(const char* func, std::span<const char* const> names, Py_ssize_t positional,
                PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, std::span<PyObject*> out) {
    if (nargs > positional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)", func,
                     positional, nargs);
        return false;
    }
    std::copy(args, args + nargs, out.begin());
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; ++k) {
        PyObject* key = PyTuple_GET_ITEM(kwnames, k);
        const auto it = std::find_if(names.begin(), names.end(), [&](const char* n) {
            return PyUnicode_CompareWithASCIIString(key, n) == 0;
        });
        if (it == names.end()) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", func, key);
            return false;
        }
        PyObject*& slot = out[size_t(it - names.begin())];
        if (slot != nullptr) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", func, *it);
            return false;
        }
        slot = args[nargs + k];
    }
    return true;
}

/// A non-negative int argument, or `fallback` when it was not given; -1 with an exception set.
Py_ssize_t size_arg(PyObject* value, Py_ssize_t fallback, const char* name) {
    if (value == nullptr) return fallback;
    const Py_ssize_t n = PyLong_AsSsize_t(value);
    if (n < 0 && !PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "%s must be >= 0", name);
    return n < 0 ? -1 : n;
}

/// The Content-Type as text: str, or bytes as the request's headers hold it.
bool text_arg(PyObject* value, std::string_view& out) {
    if (PyBytes_Check(value)) {
        out = {PyBytes_AS_STRING(value), size_t(PyBytes_GET_SIZE(value))};
        return true;
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &size) : nullptr;
    if (data == nullptr) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "content_type must be str or bytes");
        return false;
    }
    out = {data, size_t(size)};
    return true;
}

/// Runs `body` for a C entry point: a C++ exception (pybind11's or std's) becomes a Python one.
template <class Body> PyObject* python_entry(Body body) {
    try {
        return body();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const py::builtin_exception& e) {
        e.set_error();
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

constexpr const char* kParseFormArgs[] = {"body",      "content_type",  "spool_max_bytes", "max_fields",
                                          "max_files", "max_part_size", "allow_truncated"};

PyObject* py_parse_form(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[7] = {};
    if (!match_args("parse_form", kParseFormArgs, 3, args, nargs, kwnames, a)) return nullptr;
    if (a[0] == nullptr || a[1] == nullptr) {
        PyErr_SetString(PyExc_TypeError, "parse_form() needs body and content_type");
        return nullptr;
    }
    std::string_view content_type;
    if (!text_arg(a[1], content_type)) return nullptr;
    const FormLimits defaults;
    const Py_ssize_t spool = size_arg(a[2], Py_ssize_t(1) << 20, "spool_max_bytes");
    const Py_ssize_t fields = size_arg(a[3], Py_ssize_t(defaults.max_fields), "max_fields");
    const Py_ssize_t files = size_arg(a[4], Py_ssize_t(defaults.max_files), "max_files");
    const Py_ssize_t part = size_arg(a[5], Py_ssize_t(defaults.max_field_bytes), "max_part_size");
    if (spool < 0 || fields < 0 || files < 0 || part < 0) return nullptr;
    const int allow_truncated = a[6] == nullptr ? 0 : PyObject_IsTrue(a[6]);
    if (allow_truncated < 0) return nullptr;
    const FormLimits limits{size_t(fields), size_t(files), size_t(part), defaults.max_part_header_bytes,
                            allow_truncated == 1};
    return python_entry([&] { return parse_form(a[0], content_type, spool, limits).release().ptr(); });
}

PyObject* py_parse_qsl(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    static constexpr const char* kNames[] = {"query"};
    PyObject* a[1] = {};
    if (!match_args("parse_qsl", kNames, 1, args, nargs, kwnames, a)) return nullptr;
    if (a[0] == nullptr) {
        PyErr_SetString(PyExc_TypeError, "parse_qsl() needs query");
        return nullptr;
    }
    return python_entry([&] { return parse_qsl(a[0]).release().ptr(); });
}

template <class F> PyCFunction as_cfunction(F f) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyMethodDef kFormMethods[] = {
    {"parse_form", as_cfunction(&py_parse_form), METH_FASTCALL | METH_KEYWORDS,
     "parse_form(body, content_type, spool_max_bytes=1048576, *, max_fields=1000, max_files=1000,\n"
     "           max_part_size=1048576, allow_truncated=False) -> list[tuple[str, str | UploadFile]]\n\n"
     "Parses an application/x-www-form-urlencoded or multipart/form-data body (bytes-like); other\n"
     "content types give []. File parts bigger than spool_max_bytes go to a temporary file. Raises\n"
     "ValueError with a readable message for a malformed body; its `detail` attribute is FastAPI's\n"
     "400 detail for the same body. allow_truncated: a multipart body cut short gives the parts\n"
     "before the cut (what FastAPI does) instead of an error."},
    {"parse_qsl", as_cfunction(&py_parse_qsl), METH_FASTCALL | METH_KEYWORDS,
     "parse_qsl(query) -> list[tuple[str, str]]\n\n"
     "A query string (bytes or str): '&'-separated pairs, '+' and %XX decoded as UTF-8, blanks kept."},
    {nullptr, nullptr, 0, nullptr},
};

} // namespace

void bind_form(py::module_& m) {
    if (PyModule_AddFunctions(m.ptr(), kFormMethods) != 0) throw py::error_already_set();
}

} // namespace turbo::worker
#endif // TURBO_FORM_PARSER_ONLY
