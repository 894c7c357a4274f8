// Starlette 0.25's TrustedHostMiddleware and HTTPSRedirectMiddleware, with the URLs its URL class
// builds from the scope (Host header, else the server address).
#include "middleware/middleware.h"

#include <charconv>
#include <stdexcept>

namespace turbo::middleware {
namespace {

// Starlette's URL(scope=scope): "<scheme>://<host header><path>[?<query>]"; netloc is what sits
// between "//" and the path, so callers can replace it. Written into a caller-reused string.
struct UrlParts {
    std::string_view scheme;
    std::string_view netloc; // the Host header as sent, or "host[:port]" from the server address
    char server_netloc[300];
};

void url_parts(const Request& request, UrlParts& parts) {
    parts.scheme = request.scheme;
    std::string_view host;
    if (find_header(request, "host", host)) {
        parts.netloc = host;
        return;
    }
    const bool secure = request.scheme == "https" || request.scheme == "wss";
    const uint16_t default_port = secure ? 443 : 80;
    int n = request.server_port == default_port
                ? snprintf(parts.server_netloc, sizeof parts.server_netloc, "%.*s",
                           int(request.server_host.size()), request.server_host.data())
                : snprintf(parts.server_netloc, sizeof parts.server_netloc, "%.*s:%u",
                           int(request.server_host.size()), request.server_host.data(), request.server_port);
    parts.netloc =
        std::string_view(parts.server_netloc, size_t(std::min<int>(n, sizeof parts.server_netloc - 1)));
}

// The redirect target is built in the Location header's own string (the response's allocation).
void redirect_to(const Request& request, std::string_view scheme, std::string_view netloc_prefix,
                 std::string_view netloc, Response& out) {
    std::string url;
    url.reserve(scheme.size() + 3 + netloc_prefix.size() + netloc.size() + request.path.size() + 1 +
                request.query.size());
    url.append(scheme).append("://").append(netloc_prefix).append(netloc).append(request.path);
    if (!request.query.empty()) url.append("?").append(request.query);
    out.headers.clear();
    redirect_response(out, 307, url);
}

class TrustedHost final : public Middleware {
public:
    explicit TrustedHost(const TrustedHostConfig& config);
    Priority priority() const override { return Priority::kTrustedHost; }
    std::string_view name() const override { return "TrustedHostMiddleware"; }
    Decision on_request(const Request& request, Response& early, Context& context) const override;

private:
    std::vector<std::string> allowed_hosts_;
    bool allow_any_ = false;
    bool www_redirect_ = true;
};

TrustedHost::TrustedHost(const TrustedHostConfig& config)
    : allowed_hosts_(config.allowed_hosts), www_redirect_(config.www_redirect) {
    for (const auto& pattern : allowed_hosts_) {
        bool bad = pattern.find('*', 1) != std::string::npos ||
                   (!pattern.empty() && pattern[0] == '*' && pattern != "*" && pattern.rfind("*.", 0) != 0);
        if (bad)
            throw std::invalid_argument(
                "TrustedHostMiddleware: Domain wildcard patterns must be like '*.example.com'.");
        if (pattern == "*") allow_any_ = true;
    }
}

Decision TrustedHost::on_request(const Request& request, Response& early, Context& context) const {
    if (allow_any_) return Decision::kContinue;
    std::string_view host;
    find_header(request, "host", host);
    host = host.substr(0, host.find(':'));
    bool found_www_redirect = false;
    for (const auto& pattern : allowed_hosts_) {
        std::string_view p = pattern;
        if (host == p || (!p.empty() && p[0] == '*' && host.ends_with(p.substr(1))))
            return Decision::kContinue;
        if (p.size() == host.size() + 4 && p.starts_with("www.") && p.substr(4) == host)
            found_www_redirect = true;
    }
    if (found_www_redirect && www_redirect_) {
        UrlParts parts;
        url_parts(request, parts);
        redirect_to(request, parts.scheme, "www.", parts.netloc, early);
    } else {
        early.headers.clear();
        plain_text_response(early, 400, "Invalid host header");
    }
    return Decision::kRespond;
}

// urllib's SplitResult.hostname and .port over a netloc: "[v6]:port" or "host:port", userinfo dropped.
struct HostPort {
    std::string_view hostname;
    std::string_view port; // "" when absent
};

HostPort split_netloc(std::string_view netloc) {
    size_t at = netloc.rfind('@');
    if (at != std::string_view::npos) netloc.remove_prefix(at + 1);
    HostPort out;
    size_t open = netloc.find('[');
    if (open != std::string_view::npos) {
        std::string_view bracketed = netloc.substr(open + 1);
        size_t close = bracketed.find(']');
        out.hostname = bracketed.substr(0, close);
        if (close != std::string_view::npos) {
            std::string_view rest = bracketed.substr(close + 1);
            size_t colon = rest.find(':');
            if (colon != std::string_view::npos) out.port = rest.substr(colon + 1);
        }
    } else {
        size_t colon = netloc.find(':');
        out.hostname = netloc.substr(0, colon);
        if (colon != std::string_view::npos) out.port = netloc.substr(colon + 1);
    }
    return out;
}

class HttpsRedirect final : public Middleware {
public:
    Priority priority() const override { return Priority::kHttpsRedirect; }
    std::string_view name() const override { return "HTTPSRedirectMiddleware"; }
    Decision on_request(const Request& request, Response& early, Context& context) const override;
};

Decision HttpsRedirect::on_request(const Request& request, Response& early, Context& context) const {
    const bool ws = request.scheme == "ws";
    if (request.scheme != "http" && !ws) return Decision::kContinue;
    UrlParts parts;
    url_parts(request, parts);
    HostPort hp = split_netloc(parts.netloc);
    unsigned port = 0;
    bool has_port = !hp.port.empty();
    if (has_port) {
        auto [end, ec] = std::from_chars(hp.port.data(), hp.port.data() + hp.port.size(), port);
        if (ec != std::errc() || end != hp.port.data() + hp.port.size() || port > 65535) {
            // urllib raises ValueError on such a port; Starlette answers that with a 500.
            server_error_response(early);
            return Decision::kRespond;
        }
    }
    if (has_port && (port == 80 || port == 443)) {
        // url.hostname: lowercased, brackets and port dropped (Starlette keeps urllib's quirks).
        char lowered[256];
        size_t n = std::min(hp.hostname.size(), sizeof lowered);
        for (size_t i = 0; i < n; ++i) {
            char c = hp.hostname[i];
            lowered[i] = c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
        }
        redirect_to(request, ws ? "wss" : "https", "", std::string_view(lowered, n), early);
    } else {
        redirect_to(request, ws ? "wss" : "https", "", parts.netloc, early);
    }
    return Decision::kRespond;
}

} // namespace

std::unique_ptr<Middleware> make_trusted_host(const TrustedHostConfig& config) {
    return std::make_unique<TrustedHost>(config);
}

std::unique_ptr<Middleware> make_https_redirect(const HttpsRedirectConfig&) {
    return std::make_unique<HttpsRedirect>();
}

} // namespace turbo::middleware
