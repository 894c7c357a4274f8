// Form bodies in C++: application/x-www-form-urlencoded and multipart/form-data.
//
// FormParser is pure C++ (no Python), so the unit tests and the fuzz target link it without libpython;
// it returns the fields and parts as views into the body. bind_form() is the pybind11 layer that turns
// them into Python objects (turboapi._native.parse_form).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pybind11 {
class module_;
} // namespace pybind11

namespace turbo::worker {

enum class FormEncoding : uint8_t { None, UrlEncoded, Multipart };

/// A request's Content-Type, read for form parsing.
struct FormContentType {
    FormEncoding encoding = FormEncoding::None; // None: not a form (Starlette answers an empty form)
    std::string boundary;                       // multipart: unquoted
    std::string charset;                        // lower-case; "" when absent (UTF-8)
};

/// Limits against hostile bodies; the defaults are Starlette's (max_fields, max_files, max_part_size).
struct FormLimits {
    size_t max_fields = 1000;             // urlencoded pairs and multipart parts without a filename
    size_t max_files = 1000;              // multipart parts with a filename
    size_t max_field_bytes = 1 << 20;     // one urlencoded pair, or one multipart part without a filename
    size_t max_part_header_bytes = 16384; // one multipart part's header block
    // A multipart body cut short is an error, unless this is set: then the complete parts before the cut
    // are the form, as python-multipart (and so FastAPI) has it.
    bool allow_truncated = false;
};

/// The outcome of a parse: `error` is empty on success, else a readable message (a 400's detail).
/// `malformed` tells the errors Starlette words itself (limits, a missing boundary or name: false) from
/// bodies python-multipart fails on, which FastAPI answers with "There was an error parsing the body"
/// (or, truncated ones, silently parses short).
struct FormStatus {
    std::string error;
    bool malformed = false;
    bool ok() const { return error.empty(); }
};

/// One urlencoded pair, percent-decoded ('+' is a space); the bytes are not checked to be UTF-8.
struct FormField {
    std::string_view name, value;
};

/// One header line of a multipart part; the name as sent (compare it case-insensitively).
struct PartHeader {
    std::string_view name, value;
};

/// The charset a part's filename is in: the form's unless `filename*=` (RFC 5987) named one.
enum class FilenameCharset : uint8_t { Form, Utf8, Latin1 };

/// One multipart part. `data` is a view into the body: file contents are never copied here.
struct MultipartPart {
    std::string name;     // Content-Disposition name=, quoted-string escapes removed
    std::string filename; // filename= (or filename*=, which wins), when has_filename
    bool has_filename = false;
    FilenameCharset filename_charset = FilenameCharset::Form;
    std::string_view content_type; // the part's Content-Type, "" when absent
    uint32_t first_header = 0, header_count = 0;
    std::string_view data;
};

/// Reads the media type, boundary and charset of a Content-Type. An error only for multipart/form-data
/// without a usable boundary.
FormStatus parse_form_content_type(std::string_view content_type, FormContentType& out);

/// Parses one form body at a time; reuse an instance to reuse its buffers. The views it returns stay
/// valid until the next parse and as long as the body does.
class FormParser {
public:
    explicit FormParser(FormLimits limits = {}) : limits_(limits) {}

    /// Pairs split on '&', empty pairs skipped, a pair without '=' has the value "", order and duplicates
    /// kept. Invalid escapes stay as they are.
    FormStatus parse_urlencoded(std::string_view body);

    /// multipart/form-data as browsers send it (RFC 7578): preamble and epilogue ignored, CRLF or bare LF
    /// line ends (fixed by the first boundary line), header names case-insensitive.
    FormStatus parse_multipart(std::string_view body, std::string_view boundary);

    const std::vector<FormField>& fields() const { return fields_; }
    const std::vector<MultipartPart>& parts() const { return parts_; }
    std::span<const PartHeader> headers(const MultipartPart& part) const {
        return std::span<const PartHeader>(headers_).subspan(part.first_header, part.header_count);
    }
    const FormLimits& limits() const { return limits_; }
    void set_limits(const FormLimits& limits) { limits_ = limits; }

private:
    std::string_view decoded(std::string_view raw, std::string_view body);
    bool parse_part_headers(std::string_view body, size_t& pos, MultipartPart& part, FormStatus& status);
    bool parse_disposition(std::string_view value, MultipartPart& part);
    bool count_part(const MultipartPart& part, FormStatus& status);
    FormStatus truncated(std::string message);

    FormLimits limits_;
    std::vector<FormField> fields_;
    std::vector<MultipartPart> parts_;
    std::vector<PartHeader> headers_;
    std::string arena_;     // decoded urlencoded text; reserved up front so views into it stay valid
    std::string delimiter_; // "\r\n--" + boundary (or "\n--" + boundary)
    size_t field_count_ = 0, file_count_ = 0;
};

/// Registers parse_form (and parse_qsl) in turboapi._native.
void bind_form(pybind11::module_& m);

} // namespace turbo::worker
