// Starlette 0.25's CORSMiddleware. Everything that does not depend on the request is rendered once
// at start-up, in the order Starlette's dicts produce it.
#include "middleware/middleware.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace turbo::middleware {
namespace {

constexpr const char* kAllMethods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};
constexpr const char* kSafelistedHeaders[] = {"Accept", "Accept-Language", "Content-Language",
                                              "Content-Type"};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty() || &s != &items.front()) out.append(", ");
        out.append(s);
    }
    return out;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
}

bool contains(const std::vector<std::string>& items, std::string_view s) {
    return std::find(items.begin(), items.end(), s) != items.end();
}

std::string_view trim(std::string_view s) {
    // Python's str.strip(): ASCII whitespace is what matters in a header value.
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r' ||
                          s.front() == '\f' || s.front() == '\v'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r' ||
                          s.back() == '\f' || s.back() == '\v'))
        s.remove_suffix(1);
    return s;
}

bool iequals_lower(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

class Cors final : public Middleware {
public:
    explicit Cors(const CorsConfig& config);
    Priority priority() const override { return Priority::kCors; }
    std::string_view name() const override { return "CORSMiddleware"; }
    Decision on_request(const Request& request, Response& early, Context& context) const override;
    void on_response(const Request& request, Response& response, Context& context) const override;

private:
    bool is_allowed_origin(std::string_view origin) const;
    bool headers_allowed(std::string_view requested) const;
    void preflight(std::string_view origin, std::string_view method, const std::string_view* requested,
                   Response& out) const;

    std::vector<std::string> allow_origins_;
    std::vector<std::string> allow_methods_;
    std::vector<std::string> allow_headers_lower_; // sorted, safelisted included
    bool allow_all_origins_ = false;
    bool allow_all_headers_ = false;
    bool preflight_explicit_allow_origin_ = false;
    bool has_regex_ = false;
    std::regex allow_origin_regex_;
    std::vector<std::pair<std::string, std::string>> simple_headers_;    // lowercase names
    std::vector<std::pair<std::string, std::string>> preflight_headers_; // lowercase names
};

Cors::Cors(const CorsConfig& config)
    : allow_origins_(config.allow_origins), allow_methods_(config.allow_methods) {
    if (contains(allow_methods_, "*")) allow_methods_.assign(std::begin(kAllMethods), std::end(kAllMethods));
    if (!config.allow_origin_regex.empty()) {
        try {
            allow_origin_regex_ = std::regex(config.allow_origin_regex, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            throw std::invalid_argument("CORSMiddleware: allow_origin_regex does not compile: " +
                                        std::string(e.what()));
        }
        has_regex_ = true;
    }
    if (config.max_age_seconds < 0) throw std::invalid_argument("CORSMiddleware: max_age_seconds < 0");
    allow_all_origins_ = contains(config.allow_origins, "*");
    allow_all_headers_ = contains(config.allow_headers, "*");
    preflight_explicit_allow_origin_ = !allow_all_origins_ || config.allow_credentials;

    if (allow_all_origins_) simple_headers_.emplace_back("access-control-allow-origin", "*");
    if (config.allow_credentials) simple_headers_.emplace_back("access-control-allow-credentials", "true");
    if (!config.expose_headers.empty())
        simple_headers_.emplace_back("access-control-expose-headers", join(config.expose_headers));

    if (preflight_explicit_allow_origin_)
        preflight_headers_.emplace_back("vary", "Origin");
    else
        preflight_headers_.emplace_back("access-control-allow-origin", "*");
    preflight_headers_.emplace_back("access-control-allow-methods", join(allow_methods_));
    preflight_headers_.emplace_back("access-control-max-age", std::to_string(config.max_age_seconds));
    // sorted(SAFELISTED_HEADERS | set(allow_headers)): a set, so duplicates collapse; sorted by code point.
    std::set<std::string> merged(std::begin(kSafelistedHeaders), std::end(kSafelistedHeaders));
    merged.insert(config.allow_headers.begin(), config.allow_headers.end());
    std::vector<std::string> sorted(merged.begin(), merged.end());
    if (!allow_all_headers_) preflight_headers_.emplace_back("access-control-allow-headers", join(sorted));
    if (config.allow_credentials) preflight_headers_.emplace_back("access-control-allow-credentials", "true");
    for (const auto& h : sorted)
        allow_headers_lower_.push_back(lowercase(h));
}

bool Cors::is_allowed_origin(std::string_view origin) const {
    if (allow_all_origins_) return true;
    if (has_regex_ && std::regex_match(origin.begin(), origin.end(), allow_origin_regex_)) return true;
    return contains(allow_origins_, origin);
}

// Each comma-separated name, lowercased and stripped, must be allowed (Starlette's loop).
bool Cors::headers_allowed(std::string_view requested) const {
    while (true) {
        size_t comma = requested.find(',');
        std::string_view item = trim(requested.substr(0, comma));
        bool ok = std::any_of(allow_headers_lower_.begin(), allow_headers_lower_.end(),
                              [&](const std::string& h) { return iequals_lower(item, h); });
        if (!ok) return false;
        if (comma == std::string_view::npos) return true;
        requested.remove_prefix(comma + 1);
    }
}

void Cors::preflight(std::string_view origin, std::string_view method, const std::string_view* requested,
                     Response& out) const {
    out.headers.clear();
    out.headers.insert(out.headers.end(), preflight_headers_.begin(), preflight_headers_.end());
    bool bad_origin = false, bad_method = false, bad_headers = false;
    if (is_allowed_origin(origin)) {
        if (preflight_explicit_allow_origin_) out.headers.emplace_back("access-control-allow-origin", origin);
    } else {
        bad_origin = true;
    }
    if (!contains(allow_methods_, method)) bad_method = true;
    if (allow_all_headers_ && requested)
        out.headers.emplace_back("access-control-allow-headers", *requested);
    else if (requested)
        bad_headers = !headers_allowed(*requested);

    if (!bad_origin && !bad_method && !bad_headers) {
        plain_text_response(out, 200, "OK");
        return;
    }
    // "Disallowed CORS " + ", ".join(failures), without building the list.
    static constexpr std::string_view kTexts[8] = {
        "",
        "Disallowed CORS origin",
        "Disallowed CORS method",
        "Disallowed CORS origin, method",
        "Disallowed CORS headers",
        "Disallowed CORS origin, headers",
        "Disallowed CORS method, headers",
        "Disallowed CORS origin, method, headers",
    };
    plain_text_response(out, 400, kTexts[int(bad_origin) | int(bad_method) << 1 | int(bad_headers) << 2]);
}

Decision Cors::on_request(const Request& request, Response& early, Context& context) const {
    std::string_view origin, method;
    if (!find_header(request, "origin", origin)) return Decision::kContinue;
    if (request.method != "OPTIONS" || !find_header(request, "access-control-request-method", method))
        return Decision::kContinue;
    std::string_view requested;
    bool has_requested = find_header(request, "access-control-request-headers", requested);
    preflight(origin, method, has_requested ? &requested : nullptr, early);
    return Decision::kRespond;
}

void Cors::on_response(const Request& request, Response& response, Context& context) const {
    std::string_view origin, cookie;
    if (!find_header(request, "origin", origin)) return;
    for (const auto& [n, v] : simple_headers_)
        set_header(response, n, v);
    bool has_cookie = find_header(request, "cookie", cookie);
    // With cookies, '*' is not enough: the browser needs the very origin.
    if ((allow_all_origins_ && has_cookie) || (!allow_all_origins_ && is_allowed_origin(origin))) {
        set_header(response, "access-control-allow-origin", origin);
        add_vary_header(response, "Origin");
    }
}

} // namespace

std::unique_ptr<Middleware> make_cors(const CorsConfig& config) {
    return std::make_unique<Cors>(config);
}

} // namespace turbo::middleware
