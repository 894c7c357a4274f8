#include "middleware/middleware.h"

#include <algorithm>
#include <stdexcept>

namespace turbo::middleware {
namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// urllib.parse.quote's always-safe characters plus Starlette's RedirectResponse safe set.
bool url_safe(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("_.-~:/%#?=@[]!$&'()*+,;").find(char(c)) != std::string_view::npos;
}

void append_number(std::string& out, size_t n) {
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%zu", n);
    out.append(buf, size_t(len));
}

} // namespace

bool find_header(const Request& request, std::string_view name, std::string_view& value) {
    for (const Header& h : request.headers)
        if (iequals(h.name, name)) {
            value = h.value;
            return true;
        }
    return false;
}

const std::string* find_header(const Response& response, std::string_view lname) {
    for (const auto& [n, v] : response.headers)
        if (iequals(n, lname)) return &v;
    return nullptr;
}

void set_header(Response& response, std::string_view lname, std::string_view value) {
    auto& hs = response.headers;
    auto first = std::find_if(hs.begin(), hs.end(), [&](const auto& h) { return iequals(h.first, lname); });
    if (first == hs.end()) {
        hs.emplace_back(std::string(lname), std::string(value));
        return;
    }
    first->first.assign(lname);
    first->second.assign(value);
    hs.erase(std::remove_if(first + 1, hs.end(), [&](const auto& h) { return iequals(h.first, lname); }),
             hs.end());
}

void remove_header(Response& response, std::string_view lname) {
    auto& hs = response.headers;
    hs.erase(std::remove_if(hs.begin(), hs.end(), [&](const auto& h) { return iequals(h.first, lname); }),
             hs.end());
}

void add_vary_header(Response& response, std::string_view value) {
    const std::string* existing = find_header(response, "vary");
    if (!existing) {
        set_header(response, "vary", value);
        return;
    }
    // Joined in place so the header keeps its position, as MutableHeaders does.
    for (auto& [n, v] : response.headers)
        if (iequals(n, "vary")) {
            v.append(", ").append(value);
            n.assign("vary");
            break;
        }
    std::string_view keep = "vary";
    bool seen = false;
    auto& hs = response.headers;
    hs.erase(std::remove_if(hs.begin(), hs.end(),
                            [&](const auto& h) {
                                if (!iequals(h.first, keep)) return false;
                                if (!seen) return seen = true, false;
                                return true;
                            }),
             hs.end());
}

void plain_text_response(Response& response, uint16_t status, std::string_view body) {
    response.status = status;
    response.body.assign(body);
    response.borrowed_body.reset();
    response.streaming = false;
    std::string length;
    append_number(length, body.size());
    response.headers.emplace_back("content-length", std::move(length));
    response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
}

void redirect_response(Response& response, uint16_t status, std::string_view url) {
    static const char* kHex = "0123456789ABCDEF";
    response.status = status;
    response.body.clear();
    response.borrowed_body.reset();
    response.streaming = false;
    response.headers.emplace_back("content-length", "0");
    std::string location;
    location.reserve(url.size());
    for (unsigned char c : url) {
        if (url_safe(c)) {
            location.push_back(char(c));
        } else {
            location.push_back('%');
            location.push_back(kHex[c >> 4]);
            location.push_back(kHex[c & 15]);
        }
    }
    response.headers.emplace_back("location", std::move(location));
}

void server_error_response(Response& response) {
    response.headers.clear();
    plain_text_response(response, 500, "Internal Server Error");
}

Pipeline::Pipeline(std::vector<std::unique_ptr<Middleware>> middlewares)
    : middlewares_(std::move(middlewares)) {
    for (const auto& m : middlewares_)
        if (!m) throw std::invalid_argument("middleware: a null middleware in the pipeline");
    std::stable_sort(middlewares_.begin(), middlewares_.end(),
                     [](const auto& a, const auto& b) { return a->priority() < b->priority(); });
    for (size_t i = 1; i < middlewares_.size(); ++i)
        if (middlewares_[i]->priority() == middlewares_[i - 1]->priority())
            throw std::invalid_argument("middleware: " + std::string(middlewares_[i]->name()) +
                                        " is configured twice");
}

Decision Pipeline::on_request(const Request& request, Response& early, Context& context) const {
    context.entered = 0;
    for (const auto& m : middlewares_) {
        if (m->on_request(request, early, context) == Decision::kRespond) {
            // The one that answered does not post-process its own answer; the outer ones do.
            on_response(request, early, context);
            return Decision::kRespond;
        }
        ++context.entered;
    }
    return Decision::kContinue;
}

void Pipeline::on_response(const Request& request, Response& response, Context& context) const {
    for (uint32_t i = context.entered; i-- > 0;)
        middlewares_[i]->on_response(request, response, context);
}

} // namespace turbo::middleware
