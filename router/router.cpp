#include "router/router.h"

#include <algorithm>
#include <cstring>

namespace turbo::router {

namespace {

// Parameter kinds in precedence order: a node's param children are tried in this order after its literal
// children. Str is a plain {name}; Path is a {name:path} tail.
enum class ParamKind : uint8_t { Int, Float, Uuid, Str, Path };
constexpr std::size_t kParamKindCount = 5;

// Node index meaning "no child". The root is never anyone's child, so 0 is free.
constexpr uint32_t kNoNode = 0;
constexpr uint32_t kNoRoute = UINT32_MAX;

constexpr std::array<std::string_view, kMethodCount> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"};

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// Lowercase only: Starlette's UUIDConvertor regex is [0-9a-f] compiled without IGNORECASE.
bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool is_int(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Starlette's FloatConvertor: [0-9]+(\.[0-9]+)?
bool is_float(std::string_view s) noexcept {
    std::size_t dot = s.find('.');
    if (dot == std::string_view::npos) return is_int(s);
    return is_int(s.substr(0, dot)) && is_int(s.substr(dot + 1));
}

bool is_uuid(std::string_view s) noexcept {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

bool is_identifier(std::string_view s) noexcept {
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (s.empty() || !alpha(s[0])) return false;
    return std::all_of(s.begin() + 1, s.end(), [&](char c) { return alpha(c) || is_digit(c); });
}

// Literal children are kept sorted by (length, bytes) so a lookup compares lengths first and usually
// rejects on the first byte without touching the rest.
bool segment_less(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return a.size() < b.size();
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

// One parsed pattern segment.
struct SegmentSpec {
    bool is_param = false;
    ParamKind kind = ParamKind::Str;
    std::string_view text; // literal text, or the parameter name
};

AddError parse_param(std::string_view inner, SegmentSpec& spec) {
    std::size_t colon = inner.find(':');
    std::string_view name = inner.substr(0, colon);
    if (name.empty()) return AddError::EmptyParamName;
    if (!is_identifier(name)) return AddError::InvalidParamName;
    spec.is_param = true;
    spec.text = name;
    if (colon == std::string_view::npos) return AddError::Ok;
    std::string_view conv = inner.substr(colon + 1);
    if (conv == "str")
        spec.kind = ParamKind::Str;
    else if (conv == "int")
        spec.kind = ParamKind::Int;
    else if (conv == "float")
        spec.kind = ParamKind::Float;
    else if (conv == "uuid")
        spec.kind = ParamKind::Uuid;
    else if (conv == "path")
        spec.kind = ParamKind::Path;
    else
        return AddError::UnknownConvertor;
    return AddError::Ok;
}

AddError parse_segment(std::string_view seg, SegmentSpec& spec) {
    int depth = 0;
    int opens = 0;
    for (char c : seg) {
        if (c == '{') {
            if (depth != 0) return AddError::UnbalancedBrace;
            ++depth;
            ++opens;
        } else if (c == '}') {
            if (depth == 0) return AddError::UnbalancedBrace;
            --depth;
        }
    }
    if (depth != 0) return AddError::UnbalancedBrace;
    if (opens == 0) {
        spec.text = seg;
        return AddError::Ok;
    }
    if (opens != 1 || seg.front() != '{' || seg.back() != '}') return AddError::MixedSegment;
    return parse_param(seg.substr(1, seg.size() - 2), spec);
}

// Splits and validates the whole pattern before anything is inserted, so a rejected pattern leaves the
// trie untouched.
AddError parse_pattern(std::string_view pattern, std::vector<SegmentSpec>& out) {
    if (pattern.empty() || pattern[0] != '/') return AddError::MissingLeadingSlash;
    std::size_t params = 0;
    std::size_t pos = 1;
    while (true) {
        std::size_t end = std::min(pattern.find('/', pos), pattern.size());
        if (out.size() == kMaxSegments) return AddError::TooManySegments;
        if (!out.empty() && out.back().is_param && out.back().kind == ParamKind::Path)
            return AddError::PathNotLast;
        SegmentSpec spec;
        if (AddError e = parse_segment(pattern.substr(pos, end - pos), spec); e != AddError::Ok) return e;
        if (spec.is_param) {
            if (++params > kMaxParams) return AddError::TooManyParams;
            for (const SegmentSpec& prev : out)
                if (prev.is_param && prev.text == spec.text) return AddError::DuplicateParamName;
        }
        out.push_back(spec);
        if (end == pattern.size()) return AddError::Ok;
        pos = end + 1;
    }
}

} // namespace

struct Router::Node {
    struct Edge {
        std::string segment;
        uint32_t child;
    };
    std::vector<Edge> statics;                      // literal children, sorted by segment_less
    std::array<uint32_t, kParamKindCount> params{}; // param child per ParamKind, or kNoNode
    std::array<uint32_t, kMethodCount> routes;      // index into routes_ per method, or kNoRoute
    uint32_t first_route = kNoRoute;                // the lowest index in routes: its handler answers a 405
    uint16_t allowed = 0;                           // mask of the methods set in routes

    Node() { routes.fill(kNoRoute); }

    uint32_t find_static(std::string_view seg) const noexcept {
        auto it =
            std::lower_bound(statics.begin(), statics.end(), seg,
                             [](const Edge& e, std::string_view s) { return segment_less(e.segment, s); });
        return it != statics.end() && it->segment == seg ? it->child : kNoNode;
    }
};

// A depth-first walk of the trie in precedence order. out.params doubles as the stack of captured values:
// a branch pushes its value before descending and pops it when the branch fails.
struct Router::Search {
    const Router& router;
    std::string_view path;
    std::size_t method; // may be >= kMethodCount for a bad enum value: then nothing is Found
    Match& out;
    uint16_t first_allowed = 0; // methods of the first pattern that matched the path, 0 if none yet
    uint32_t first_handler = 0; // with first_allowed: that pattern's first registered handler

    // The path has been consumed up to the end of the segment that led to `idx`.
    bool terminal(uint32_t idx) noexcept {
        const Node& n = router.nodes_[idx];
        if (n.allowed == 0) return false;
        if (first_allowed == 0) {
            first_allowed = n.allowed;
            first_handler = router.routes_[n.first_route].handler;
        }
        if (method >= kMethodCount || n.routes[method] == kNoRoute) return false;
        const Route& r = router.routes_[n.routes[method]];
        // The node's depth fixes which segments were params, so every route here has this many names.
        if (r.param_count != out.param_count) return false;
        for (std::size_t i = 0; i < r.param_count; ++i)
            out.params[i].name = router.names_[r.first_name + i];
        out.status = MatchStatus::Found;
        out.handler = r.handler;
        out.allowed = n.allowed;
        return true;
    }

    bool descend(uint32_t child, std::size_t seg_end) noexcept {
        return seg_end == path.size() ? terminal(child) : visit(child, seg_end + 1);
    }

    bool descend_param(uint32_t child, std::string_view value, std::size_t seg_end) noexcept {
        // Cannot trigger (a trie path holds at most kMaxParams params); kept so a bug cannot overflow.
        if (out.param_count >= kMaxParams) return false;
        out.params[out.param_count++].value = value;
        if (descend(child, seg_end)) return true;
        --out.param_count;
        return false;
    }

    // `pos` is the index just past a '/', i.e. the start of the segment compared against idx's children.
    bool visit(uint32_t idx, std::size_t pos) noexcept {
        const Node& n = router.nodes_[idx];
        std::size_t end = std::min(path.find('/', pos), path.size());
        std::string_view seg = path.substr(pos, end - pos);
        if (!n.statics.empty())
            if (uint32_t c = n.find_static(seg); c != kNoNode && descend(c, end)) return true;
        auto child = [&](ParamKind k) { return n.params[static_cast<std::size_t>(k)]; };
        if (uint32_t c = child(ParamKind::Int); c != kNoNode && is_int(seg) && descend_param(c, seg, end))
            return true;
        if (uint32_t c = child(ParamKind::Float); c != kNoNode && is_float(seg) && descend_param(c, seg, end))
            return true;
        if (uint32_t c = child(ParamKind::Uuid); c != kNoNode && is_uuid(seg) && descend_param(c, seg, end))
            return true;
        if (uint32_t c = child(ParamKind::Str); c != kNoNode && !seg.empty() && descend_param(c, seg, end))
            return true;
        if (uint32_t c = child(ParamKind::Path); c != kNoNode) {
            if (out.param_count >= kMaxParams) return false;
            out.params[out.param_count++].value = path.substr(pos);
            if (terminal(c)) return true;
            --out.param_count;
        }
        return false;
    }
};

Router::Router() {
    nodes_.emplace_back();
}
Router::~Router() = default;
Router::Router(const Router& other) = default;
Router& Router::operator=(const Router& other) = default;
Router::Router(Router&& other) noexcept = default;
Router& Router::operator=(Router&& other) noexcept = default;

AddError Router::add(Method method, std::string_view pattern, uint32_t handler) {
    auto m = static_cast<std::size_t>(method);
    if (m >= kMethodCount) return AddError::InvalidMethod;
    std::vector<SegmentSpec> specs;
    if (AddError e = parse_pattern(pattern, specs); e != AddError::Ok) return e;
    if (nodes_.empty()) nodes_.emplace_back(); // a moved-from router

    // Find or create the node for each segment. Indices, not references: emplace_back may move every node.
    uint32_t idx = 0;
    for (const SegmentSpec& s : specs) {
        uint32_t next = kNoNode;
        if (s.is_param) {
            next = nodes_[idx].params[static_cast<std::size_t>(s.kind)];
        } else {
            next = nodes_[idx].find_static(s.text);
        }
        if (next == kNoNode) {
            next = static_cast<uint32_t>(nodes_.size());
            nodes_.emplace_back();
            Node& parent = nodes_[idx];
            if (s.is_param) {
                parent.params[static_cast<std::size_t>(s.kind)] = next;
            } else {
                auto it = std::lower_bound(
                    parent.statics.begin(), parent.statics.end(), s.text,
                    [](const Node::Edge& e, std::string_view t) { return segment_less(e.segment, t); });
                parent.statics.insert(it, Node::Edge{std::string(s.text), next});
            }
        }
        idx = next;
    }
    // A route at idx means every node on the walk already existed, so a conflict leaves the trie as it was.
    if (nodes_[idx].routes[m] != kNoRoute) return AddError::Conflict;

    Route r{handler, static_cast<uint32_t>(names_.size()), 0};
    for (const SegmentSpec& s : specs) {
        if (!s.is_param) continue;
        names_.emplace_back(s.text);
        ++r.param_count;
    }
    Node& node = nodes_[idx];
    node.routes[m] = static_cast<uint32_t>(routes_.size());
    if (node.first_route == kNoRoute) node.first_route = node.routes[m];
    node.allowed |= method_bit(method);
    routes_.push_back(r);
    return AddError::Ok;
}

void Router::match(Method method, std::string_view path, Match& out) const noexcept {
    out.status = MatchStatus::NotFound;
    out.handler = 0;
    out.allowed = 0;
    out.param_count = 0;
    if (path.empty() || path[0] != '/' || nodes_.empty()) return;
    Search s{*this, path, static_cast<std::size_t>(method), out};
    if (s.visit(0, 1)) return;
    out.param_count = 0;
    if (s.first_allowed != 0) {
        out.status = MatchStatus::MethodNotAllowed;
        out.allowed = s.first_allowed;
        out.handler = s.first_handler;
    }
}

std::optional<std::string_view> Match::param(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < param_count && i < kMaxParams; ++i)
        if (params[i].name == name) return params[i].value;
    return std::nullopt;
}

std::optional<Method> parse_method(std::string_view token) noexcept {
    for (std::size_t i = 0; i < kMethodCount; ++i)
        if (kMethodNames[i] == token) return static_cast<Method>(i);
    return std::nullopt;
}

std::string_view method_name(Method m) noexcept {
    auto i = static_cast<std::size_t>(m);
    return i < kMethodCount ? kMethodNames[i] : std::string_view{};
}

std::string allow_header(uint16_t mask) {
    std::string out;
    for (std::size_t i = 0; i < kMethodCount; ++i) {
        if ((mask & (1u << i)) == 0) continue;
        if (!out.empty()) out += ", ";
        out += kMethodNames[i];
    }
    return out;
}

// The messages below spell out the limits.
static_assert(kMaxParams == 16 && kMaxSegments == 128);

std::string_view error_message(AddError e) noexcept {
    switch (e) {
    case AddError::Ok:
        return "ok";
    case AddError::MissingLeadingSlash:
        return "route pattern must start with '/'";
    case AddError::UnbalancedBrace:
        return "route pattern has an unbalanced or nested '{' / '}'";
    case AddError::EmptyParamName:
        return "route parameter has an empty name";
    case AddError::InvalidParamName:
        return "route parameter name must be an identifier ([A-Za-z_][A-Za-z0-9_]*)";
    case AddError::MixedSegment:
        return "route segment mixes text and a parameter; a parameter must be a whole segment";
    case AddError::UnknownConvertor:
        return "unknown route parameter convertor (use str, int, float, uuid or path)";
    case AddError::DuplicateParamName:
        return "route pattern uses the same parameter name twice";
    case AddError::PathNotLast:
        return "a {name:path} parameter must be the last segment of the pattern";
    case AddError::TooManyParams:
        return "route pattern has more than 16 parameters";
    case AddError::TooManySegments:
        return "route pattern has more than 128 segments";
    case AddError::InvalidMethod:
        return "invalid HTTP method value";
    case AddError::Conflict:
        return "a route with this method and pattern is already registered";
    }
    return "unknown router error";
}

} // namespace turbo::router
