// router.h: the worker's request router, a trie over path segments.
//
// Routes are registered once at start-up (add() may allocate and reports errors as values); every request is
// then routed with match(), which never allocates, never throws and never reads past the path it is given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace turbo::router {

// HTTP methods a route can be registered for. The numeric order is the order of the bits in a method mask
// and the order of the names in an Allow header.
enum class Method : uint8_t { Get, Head, Post, Put, Patch, Delete, Options, Trace, Connect };

// Number of values in Method; a method mask uses bits [0, kMethodCount).
inline constexpr std::size_t kMethodCount = 9;

// Most parameters one pattern may capture; Match::params holds exactly this many.
inline constexpr std::size_t kMaxParams = 16;

// Most '/'-separated segments one pattern may have. Matching recurses once per segment, so this bounds the
// stack depth of match() whatever the request path looks like.
inline constexpr std::size_t kMaxSegments = 128;

// The bit for `m` in a method mask (Match::allowed, allow_header()).
constexpr uint16_t method_bit(Method m) noexcept {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(m));
}

// "GET" -> Method::Get, ... Exact, case-sensitive match of the uppercase token (RFC 9110 methods are
// case-sensitive); anything else, including "get", gives nullopt.
std::optional<Method> parse_method(std::string_view token) noexcept;

// Method::Get -> "GET", ... The view is static. An out-of-range value gives "".
std::string_view method_name(Method m) noexcept;

// The value of an Allow header for a method mask: the names of the set bits in enum order joined by ", ",
// e.g. "GET, POST". Bits at or above kMethodCount are ignored; an empty mask gives "". Allocates: meant for
// the 405 path only.
std::string allow_header(uint16_t mask);

// Why Router::add() rejected a pattern. Ok is the only success value.
enum class AddError : uint8_t {
    Ok,                  // the route was registered
    MissingLeadingSlash, // the pattern is empty or does not start with '/'
    UnbalancedBrace,     // a '{' without its '}', a '}' without its '{', or nested braces in a segment
    EmptyParamName,      // "{}" or "{:int}"
    InvalidParamName,    // a name that is not an identifier ([A-Za-z_][A-Za-z0-9_]*)
    MixedSegment,        // two parameters with no text between them ("{a}{b}")
    PathInMixedSegment,  // a {name:path} parameter sharing its segment with text or parameters ("v{p:path}")
    MixedSegmentTooComplex, // a segment mixing text and parameters beyond the matcher's fixed-size state
    UnknownConvertor,       // "{x:foo}" or "{x:}"; known: str, int, float, uuid, path
    DuplicateParamName,     // the same name used twice in one pattern
    PathNotLast,            // a {name:path} parameter that is not the last segment
    TooManyParams,          // more than kMaxParams parameters
    TooManySegments,        // more than kMaxSegments segments
    InvalidMethod,          // a Method value outside the enum
    Conflict,               // the same method is already registered for an equivalent pattern
};

// A readable, static, one-line description of `e` for start-up error messages.
std::string_view error_message(AddError e) noexcept;

// Outcome of Router::match().
enum class MatchStatus : uint8_t {
    Found,            // a route matched the path and has a handler for the method
    NotFound,         // no pattern matches the path (404)
    MethodNotAllowed, // some pattern matches the path, but none of the matching ones has the method (405)
};

// One captured path parameter.
struct Param {
    std::string_view name;  // views router-owned storage: valid while the Router that produced it lives
    std::string_view value; // views the path passed to match(): valid while the caller's buffer is
};

// The result of Router::match(). Reused across requests: match() overwrites every field it reports.
struct Match {
    MatchStatus status = MatchStatus::NotFound;
    // Found: the handler id given to add() for the method. MethodNotAllowed: the handler id registered first
    // (lowest add() order) at the matched pattern, which may differ from the ids of its other methods; like
    // Starlette, whose 405 carries the Allow of the first route whose path matched. NotFound: 0.
    uint32_t handler = 0;
    uint16_t allowed = 0; // method mask registered at the matched pattern; set for Found and MethodNotAllowed
    uint8_t param_count = 0; // params[0, param_count) are valid, in pattern order; 0 unless status == Found
    std::array<Param, kMaxParams> params{};

    // The value of the parameter called `name`, or nullopt. Linear scan; does not allocate.
    std::optional<std::string_view> param(std::string_view name) const noexcept;
};

// Patterns are '/'-separated segments. A segment is literal text, one parameter, or a mix of text and
// parameters. A parameter matches what Starlette's convertor regex matches:
//   {name} or {name:str}  [^/]+        a non-empty run of anything but '/'
//   {name:int}            [0-9]+       ASCII digits
//   {name:float}          [0-9]+(\.[0-9]+)?
//   {name:uuid}           8-4-4-4-12 lowercase hexadecimal digits (Starlette's regex is case-sensitive)
//   {name:path}           .*           the rest of the path after the preceding '/', slashes included,
//                                      possibly empty; only as the whole last segment ("/files/{p:path}"
//                                      matches "/files/" but not "/files")
// A mixed segment ("{name}.json", "v{major:int}.{minor}", "item-{id}", "{start}-{end}") matches like the
// regex Starlette compiles for it: text byte for byte, each parameter greedy with backtracking inside the
// segment, the whole segment consumed ("{start}-{end}" on "1-2-3" gives start="1-2", end="3"; a value
// that fails its convertor fails the segment). Its parameters must be separated by text, cannot be
// {name:path}, and number at most 8. Paths are compared byte for byte without normalisation: "/items/" does
// not match "/items", and an empty segment ("/a//b") is matched only by a pattern with the same empty
// segment, never by a parameter.
//
// Precedence at each segment: literal text, then mixed segments (in the order they were first registered),
// then int, float, uuid, then a plain parameter, then a path tail; when a branch fails deeper down the next
// one is tried. Like Starlette, the first matching pattern (in that order) that has the method wins; if
// patterns match but none has the method the result is 405 with the methods of the first matching pattern
// and, in Match::handler, the handler registered first for it.
//
// Not thread-safe for add(); any number of threads may call match() concurrently once adding is done.
class Router {
public:
    // An empty router: every path is NotFound.
    Router();
    ~Router();
    Router(const Router& other);
    Router& operator=(const Router& other);
    Router(Router&& other) noexcept;
    Router& operator=(Router&& other) noexcept;

    // Registers `handler` for `method` on `pattern`. On any error nothing observable changes. Patterns that
    // differ only in parameter names ("/a/{x}", "/a/{y}") are equivalent: they share a node, may be
    // registered for different methods (each reports its own names), and conflict for the same method.
    [[nodiscard]] AddError add(Method method, std::string_view pattern, uint32_t handler);

    // Routes `path` (already percent-decoded, no query string) for `method` into `out`. Never allocates or
    // throws; runs in time linear in the size of the trie at worst (each trie node is visited at most once,
    // because a node's depth fixes the path segment it is compared against).
    void match(Method method, std::string_view path, Match& out) const noexcept;

    // Number of successful add() calls.
    std::size_t route_count() const noexcept { return routes_.size(); }

private:
    struct Node;   // defined in router.cpp
    struct Search; // one match() call's state; defined in router.cpp

    // What a successful add() recorded.
    struct Route {
        uint32_t handler;
        uint32_t first_name; // index in names_ of this route's first parameter name
        uint8_t param_count;
    };

    std::vector<Node> nodes_;       // nodes_[0] is the root (the position before the first '/')
    std::vector<Route> routes_;     // indexed by Node::routes
    std::deque<std::string> names_; // parameter names; a deque so growth never moves them
};

} // namespace turbo::router
