#include "router/router.h"

#include <algorithm>
#include <cstring>
#include <utility>

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

// One run of literal text or one parameter within a pattern segment.
struct Piece {
    bool is_param = false;
    ParamKind kind = ParamKind::Str;
    std::string_view text; // the literal text, or the parameter's name
};

// One parsed pattern segment, as its pieces in order: none or one text piece for literal text (the empty
// segment of "/a//b" has none), one param piece for a whole-segment parameter, and more for a mixed segment.
struct SegmentSpec {
    std::string_view text; // the segment as written
    std::vector<Piece> pieces;

    bool is_param() const noexcept { return pieces.size() == 1 && pieces[0].is_param; }
    bool is_mixed() const noexcept { return pieces.size() > 1; }
    bool is_tail() const noexcept { return is_param() && pieces[0].kind == ParamKind::Path; }
    ParamKind kind() const noexcept { return pieces[0].kind; } // for is_param() only
};

// Limits of one mixed segment. They bound the matcher's thread lists, which live on match()'s stack.
constexpr std::size_t kMaxMixedParams = 8;
constexpr std::size_t kMaxMixedStates = 128;
constexpr uint16_t kNoState = UINT16_MAX;

// Matches a mixed segment ("{name}.json", "v{major:int}.{minor}") exactly like the regex Starlette compiles
// for it: every parameter greedy, backtracking within the segment, the whole segment consumed, so
// "{start}-{end}" on "1-2-3" gives start="1-2". Text before the first and after the last parameter is
// compared directly; the middle runs on a Pike VM (a Thompson NFA simulation that carries captures and keeps
// its threads in backtracking priority order), which yields the captures a backtracking engine would, but in
// time linear in the segment and without backtracking's exponential worst case on hostile paths.
class MixedMatcher {
public:
    // `pieces` passed check_mixed().
    explicit MixedMatcher(const std::vector<Piece>& pieces);

    std::size_t param_count() const noexcept { return gaps_.size(); }

    // If `seg` matches, points values[0, param_count()) into it (in pattern order) and returns true.
    bool match(std::string_view seg, Param* values) const noexcept;

private:
    using Ends = std::array<uint32_t, kMaxMixedParams>; // where each parameter's value ends in the middle

    enum class Test : uint8_t { Byte, Digit, Hex, NotSlash };

    // One NFA state: it consumes one byte passing `test`, then continues, in priority order, to itself (if
    // `loop`: every convertor's '+' is greedy), to `alt`, then to `next`. Leaving by `next` ends the value of
    // parameter closes - 1 when closes != 0.
    struct State {
        Test test;
        char byte = 0;
        bool loop = false;
        uint8_t closes = 0;
        uint16_t alt = kNoState;
        uint16_t next = 0;
    };

    struct Thread {
        uint16_t state;
        Ends ends;
    };

    // The threads alive at one position, highest priority first; at most one per state, because a later
    // (lower-priority) thread in the same state could only repeat what the earlier one does.
    struct ThreadList {
        std::array<Thread, kMaxMixedStates> threads;
        std::size_t size = 0;
        std::array<bool, kMaxMixedStates> present{};

        void clear() noexcept;
        void add(uint16_t state, const Ends& ends) noexcept;
    };

    void push(Test test, char byte = 0);
    void push_param(ParamKind kind, uint8_t closes);
    static bool passes(const State& s, char c) noexcept;
    bool run(std::string_view middle, Ends& ends) const noexcept;

    std::string prefix_;
    std::string suffix_;
    std::vector<State> states_;  // the middle: from the first parameter to the end of the last
    std::vector<uint32_t> gaps_; // per parameter, the length of the text between it and the one before
};

// Matcher states a piece of a mixed segment's middle takes: one per byte of text, one per str or int
// parameter, three for a float ([0-9]+, '.', [0-9]+), one per character of a uuid.
std::size_t state_count(const Piece& p) noexcept {
    if (!p.is_param) return p.text.size();
    if (p.kind == ParamKind::Float) return 3;
    return p.kind == ParamKind::Uuid ? 36 : 1;
}

AddError check_mixed(const std::vector<Piece>& pieces) {
    std::size_t params = 0;
    std::size_t states = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const Piece& p = pieces[i];
        // Prefix and suffix text is compared directly, not by states.
        if (!p.is_param && (i == 0 || i + 1 == pieces.size())) continue;
        states += state_count(p);
        if (!p.is_param) continue;
        if (p.kind == ParamKind::Path) return AddError::PathInMixedSegment;
        // Two parameters in a row split their text at an arbitrary byte, which can be inside a UTF-8
        // character where Starlette (matching characters) would not split; no real route needs it.
        if (i > 0 && pieces[i - 1].is_param) return AddError::MixedSegment;
        ++params;
    }
    if (params > kMaxMixedParams || states > kMaxMixedStates) return AddError::MixedSegmentTooComplex;
    return AddError::Ok;
}

MixedMatcher::MixedMatcher(const std::vector<Piece>& pieces) {
    std::size_t first = 0;
    std::size_t last = pieces.size();
    if (!pieces.front().is_param) prefix_ = pieces[first++].text;
    if (!pieces.back().is_param) suffix_ = pieces[--last].text;
    uint32_t gap = 0;
    for (std::size_t i = first; i < last; ++i) {
        const Piece& p = pieces[i];
        if (!p.is_param) {
            for (char c : p.text)
                push(Test::Byte, c);
            gap = static_cast<uint32_t>(p.text.size());
            continue;
        }
        gaps_.push_back(gap);
        gap = 0;
        push_param(p.kind, static_cast<uint8_t>(gaps_.size()));
    }
}

void MixedMatcher::push(Test test, char byte) {
    State s{test, byte};
    s.next = static_cast<uint16_t>(states_.size() + 1);
    states_.push_back(s);
}

// The states of one convertor's regex (convertors.py); `closes` is the parameter's index + 1.
void MixedMatcher::push_param(ParamKind kind, uint8_t closes) {
    auto here = static_cast<uint16_t>(states_.size());
    switch (kind) {
    case ParamKind::Int: // [0-9]+
    case ParamKind::Str: // [^/]+
        push(kind == ParamKind::Int ? Test::Digit : Test::NotSlash);
        states_[here].loop = true;
        states_[here].closes = closes;
        return;
    case ParamKind::Float: { // [0-9]+(\.[0-9]+)? : after the integer digits, try the fraction before leaving
        push(Test::Digit);
        push(Test::Byte, '.');
        push(Test::Digit);
        auto out = static_cast<uint16_t>(here + 3);
        states_[here] = State{Test::Digit, 0, true, closes, static_cast<uint16_t>(here + 1), out};
        states_[here + 2] = State{Test::Digit, 0, true, closes, kNoState, out};
        return;
    }
    case ParamKind::Uuid: // [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
        for (std::size_t i = 0; i < 36; ++i) {
            bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            push(dash ? Test::Byte : Test::Hex, dash ? '-' : 0);
        }
        states_.back().closes = closes;
        return;
    case ParamKind::Path: // refused by check_mixed
        return;
    }
}

bool MixedMatcher::passes(const State& s, char c) noexcept {
    switch (s.test) {
    case Test::Byte:
        return c == s.byte;
    case Test::Digit:
        return is_digit(c);
    case Test::Hex:
        return is_hex(c);
    case Test::NotSlash:
        return c != '/';
    }
    return false;
}

void MixedMatcher::ThreadList::clear() noexcept {
    for (std::size_t i = 0; i < size; ++i)
        present[threads[i].state] = false;
    size = 0;
}

void MixedMatcher::ThreadList::add(uint16_t state, const Ends& ends) noexcept {
    if (present[state]) return;
    present[state] = true;
    threads[size].state = state;
    threads[size].ends = ends;
    ++size;
}

bool MixedMatcher::match(std::string_view seg, Param* values) const noexcept {
    if (seg.size() <= prefix_.size() + suffix_.size()) return false; // the middle is never empty
    if (seg.substr(0, prefix_.size()) != prefix_ || seg.substr(seg.size() - suffix_.size()) != suffix_)
        return false;
    std::string_view middle = seg.substr(prefix_.size(), seg.size() - prefix_.size() - suffix_.size());
    Ends ends;
    if (!run(middle, ends)) return false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < gaps_.size(); ++i) {
        start += gaps_[i];
        values[i].value = middle.substr(start, ends[i] - start);
        start = ends[i];
    }
    return true;
}

// Not inlined: the two thread lists (about 9 KiB) must not sit in every frame of the recursive trie walk.
[[gnu::noinline]] bool MixedMatcher::run(std::string_view middle, Ends& ends) const noexcept {
    std::array<ThreadList, 2> lists;
    ThreadList* now = &lists[0];
    ThreadList* next = &lists[1];
    now->add(0, Ends{});
    const auto accept = static_cast<uint16_t>(states_.size());
    for (std::size_t pos = 0; pos < middle.size() && now->size != 0; ++pos) {
        next->clear();
        const bool last = pos + 1 == middle.size();
        for (std::size_t i = 0; i < now->size; ++i) {
            const Thread& t = now->threads[i];
            const State& s = states_[t.state];
            if (!passes(s, middle[pos])) continue;
            if (s.loop) next->add(t.state, t.ends);
            if (s.alt != kNoState) next->add(s.alt, t.ends);
            Ends closed = t.ends;
            if (s.closes != 0) closed[s.closes - 1] = static_cast<uint32_t>(pos + 1);
            if (s.next != accept) {
                next->add(s.next, closed);
            } else if (last) {
                // The first thread to finish at the end has the highest priority: the regex's match.
                ends = closed;
                return true;
            }
        }
        std::swap(now, next);
    }
    return false;
}

AddError parse_param(std::string_view inner, Piece& piece) {
    std::size_t colon = inner.find(':');
    std::string_view name = inner.substr(0, colon);
    if (name.empty()) return AddError::EmptyParamName;
    if (!is_identifier(name)) return AddError::InvalidParamName;
    piece.is_param = true;
    piece.text = name;
    if (colon == std::string_view::npos) return AddError::Ok;
    std::string_view conv = inner.substr(colon + 1);
    if (conv == "str")
        piece.kind = ParamKind::Str;
    else if (conv == "int")
        piece.kind = ParamKind::Int;
    else if (conv == "float")
        piece.kind = ParamKind::Float;
    else if (conv == "uuid")
        piece.kind = ParamKind::Uuid;
    else if (conv == "path")
        piece.kind = ParamKind::Path;
    else
        return AddError::UnknownConvertor;
    return AddError::Ok;
}

AddError check_braces(std::string_view seg) {
    bool open = false;
    for (char c : seg) {
        if (c == '{') {
            if (open) return AddError::UnbalancedBrace;
            open = true;
        } else if (c == '}') {
            if (!open) return AddError::UnbalancedBrace;
            open = false;
        }
    }
    return open ? AddError::UnbalancedBrace : AddError::Ok;
}

AddError parse_segment(std::string_view seg, SegmentSpec& spec) {
    if (AddError e = check_braces(seg); e != AddError::Ok) return e;
    spec.text = seg;
    std::size_t pos = 0;
    while (pos < seg.size()) {
        std::size_t open = std::min(seg.find('{', pos), seg.size());
        if (open > pos) spec.pieces.push_back(Piece{false, ParamKind::Str, seg.substr(pos, open - pos)});
        if (open == seg.size()) break;
        std::size_t close = seg.find('}', open); // balanced: there is one
        Piece param;
        if (AddError e = parse_param(seg.substr(open + 1, close - open - 1), param); e != AddError::Ok)
            return e;
        spec.pieces.push_back(param);
        pos = close + 1;
    }
    return spec.is_mixed() ? check_mixed(spec.pieces) : AddError::Ok;
}

// Splits and validates the whole pattern before anything is inserted, so a rejected pattern leaves the
// trie untouched.
AddError parse_pattern(std::string_view pattern, std::vector<SegmentSpec>& out) {
    if (pattern.empty() || pattern[0] != '/') return AddError::MissingLeadingSlash;
    std::vector<std::string_view> names;
    std::size_t pos = 1;
    while (true) {
        std::size_t end = std::min(pattern.find('/', pos), pattern.size());
        if (out.size() == kMaxSegments) return AddError::TooManySegments;
        if (!out.empty() && out.back().is_tail()) return AddError::PathNotLast;
        SegmentSpec spec;
        if (AddError e = parse_segment(pattern.substr(pos, end - pos), spec); e != AddError::Ok) return e;
        for (const Piece& p : spec.pieces) {
            if (!p.is_param) continue;
            if (std::find(names.begin(), names.end(), p.text) != names.end())
                return AddError::DuplicateParamName;
            names.push_back(p.text);
            if (names.size() > kMaxParams) return AddError::TooManyParams;
        }
        out.push_back(std::move(spec));
        if (end == pattern.size()) return AddError::Ok;
        pos = end + 1;
    }
}

// Mixed segments that differ only in parameter names ("{a}.json", "{b:str}.json") share a node, like
// whole-segment parameters do: the key is the segment with each parameter reduced to its convertor.
std::string mixed_shape(const std::vector<Piece>& pieces) {
    constexpr std::array<std::string_view, kParamKindCount> kKinds = {"{int}", "{float}", "{uuid}", "{str}",
                                                                      "{path}"};
    std::string shape;
    for (const Piece& p : pieces)
        shape += p.is_param ? kKinds[static_cast<std::size_t>(p.kind)] : p.text;
    return shape;
}

} // namespace

struct Router::Node {
    struct Edge {
        std::string segment;
        uint32_t child;
    };
    struct MixedEdge {
        std::string shape; // mixed_shape() of the segment
        MixedMatcher matcher;
        uint32_t child;
    };
    std::vector<Edge> statics;                      // literal children, sorted by segment_less
    std::vector<MixedEdge> mixed;                   // mixed-segment children, in registration order
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

    uint32_t find_mixed(std::string_view shape) const noexcept {
        for (const MixedEdge& e : mixed)
            if (e.shape == shape) return e.child;
        return kNoNode;
    }

    // The child for `s` (`shape` is mixed_shape() of a mixed one), kNoNode if there is none yet.
    uint32_t find_child(const SegmentSpec& s, std::string_view shape) const noexcept {
        if (s.is_param()) return params[static_cast<std::size_t>(s.kind())];
        return s.is_mixed() ? find_mixed(shape) : find_static(s.text);
    }

    void attach(const SegmentSpec& s, std::string shape, uint32_t child) {
        if (s.is_param()) {
            params[static_cast<std::size_t>(s.kind())] = child;
        } else if (s.is_mixed()) {
            mixed.push_back(MixedEdge{std::move(shape), MixedMatcher(s.pieces), child});
        } else {
            auto it = std::lower_bound(
                statics.begin(), statics.end(), s.text,
                [](const Edge& e, std::string_view t) { return segment_less(e.segment, t); });
            statics.insert(it, Edge{std::string(s.text), child});
        }
    }
};

// A depth-first walk of the trie in precedence order. out.params doubles as the stack of captured values:
// a branch pushes its values before descending and pops them when the branch fails.
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

    bool descend_mixed(const Node::MixedEdge& e, std::string_view seg, std::size_t seg_end) noexcept {
        std::size_t count = e.matcher.param_count();
        if (out.param_count + count > kMaxParams) return false; // cannot trigger, as in descend_param
        if (!e.matcher.match(seg, &out.params[out.param_count])) return false;
        out.param_count = static_cast<uint8_t>(out.param_count + count);
        if (descend(e.child, seg_end)) return true;
        out.param_count = static_cast<uint8_t>(out.param_count - count);
        return false;
    }

    // `pos` is the index just past a '/', i.e. the start of the segment compared against idx's children.
    bool visit(uint32_t idx, std::size_t pos) noexcept {
        const Node& n = router.nodes_[idx];
        std::size_t end = std::min(path.find('/', pos), path.size());
        std::string_view seg = path.substr(pos, end - pos);
        if (!n.statics.empty())
            if (uint32_t c = n.find_static(seg); c != kNoNode && descend(c, end)) return true;
        for (const Node::MixedEdge& e : n.mixed)
            if (descend_mixed(e, seg, end)) return true;
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
        std::string shape = s.is_mixed() ? mixed_shape(s.pieces) : std::string();
        uint32_t next = nodes_[idx].find_child(s, shape);
        if (next == kNoNode) {
            next = static_cast<uint32_t>(nodes_.size());
            nodes_.emplace_back();
            nodes_[idx].attach(s, std::move(shape), next);
        }
        idx = next;
    }
    // A route at idx means every node on the walk already existed, so a conflict leaves the trie as it was.
    if (nodes_[idx].routes[m] != kNoRoute) return AddError::Conflict;

    Route r{handler, static_cast<uint32_t>(names_.size()), 0};
    for (const SegmentSpec& s : specs)
        for (const Piece& p : s.pieces) {
            if (!p.is_param) continue;
            names_.emplace_back(p.text);
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
static_assert(kMaxParams == 16 && kMaxSegments == 128 && kMaxMixedParams == 8 && kMaxMixedStates == 128);

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
        return "route segment has two parameters with no text between them (\"{a}{b}\"); separate them with "
               "text such as \"{a}-{b}\"";
    case AddError::PathInMixedSegment:
        return "a {name:path} parameter must be a whole segment; it cannot be mixed with text or other "
               "parameters";
    case AddError::MixedSegmentTooComplex:
        return "route segment mixing text and parameters is too complex: at most 8 parameters and 128 "
               "matcher "
               "states (1 per str or int parameter, 3 per float, 36 per uuid, 1 per byte of text between "
               "parameters)";
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
