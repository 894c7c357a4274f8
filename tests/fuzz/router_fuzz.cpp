// libFuzzer target for router/router.h.
//
// Input: byte 0 picks the method (any value, so out-of-range enum values are exercised too); the rest is the
// request path, matched against a fixed router that has every kind of pattern. The same bytes are then added
// as a pattern to a scratch router and, if accepted, matched against themselves and against a path built
// from the pattern. If the rest holds a '\n', it is also read as "pattern\npath": the pattern is added to a
// router and the path's match compared with a reference implementation of Starlette's regex semantics.
// Invariants are checked with __builtin_trap() so a violation is a crash the fuzzer reports.
#include "router/router.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace turbo::router;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

const Router& fixed_router() {
    static const Router router = [] {
        Router r;
        const struct {
            Method method;
            const char* pattern;
        } routes[] = {
            {Method::Get, "/"},
            {Method::Get, "/items"},
            {Method::Get, "/items/"},
            {Method::Post, "/items"},
            {Method::Get, "/items/{item_id}"},
            {Method::Put, "/items/{id}"},
            {Method::Get, "/items/{item_id:int}/reviews/{review:uuid}"},
            {Method::Get, "/items/special"},
            {Method::Get, "/prices/{value:float}"},
            {Method::Delete, "/prices/{value:str}"},
            {Method::Get, "/files/{file_path:path}"},
            {Method::Get, "/users/me/profile"},
            {Method::Get, "/users/{id}/posts/{post}"},
            {Method::Patch, "/users/{id:int}/{rest:path}"},
            {Method::Options, "/{catch_all:path}"},
            {Method::Get, "/a//b"},
            {Method::Get,
             "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{p11}/{p12}/{p13}/{p14}/{p15}"},
            // Mixed segments.
            {Method::Get, "/dotted/{name}.json"},
            {Method::Get, "/api/v{major:int}.{minor}/status"},
            {Method::Put, "/api/v{a}.{b}/status"},
            {Method::Put, "/item-{item_id}"},
            {Method::Get, "/range/{start}-{end}"},
            {Method::Post, "/range/{start:float}-{end:uuid}"},
            {Method::Get, "/files/{name}.{ext:str}"},
            {Method::Get, "/v{version:int}/x"},
            {Method::Get, "/items/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h:int}"},
            {Method::Delete, "/items/x{a:float}.{b:float}y/{c}ab{d}/{rest:path}"},
        };
        uint32_t id = 0;
        for (const auto& route : routes)
            if (r.add(route.method, route.pattern, id++) != AddError::Ok) __builtin_trap();
        return r;
    }();
    return router;
}

// Starlette's semantics spelled out as a backtracking matcher over the whole path: text byte for byte, each
// parameter greedy (longest value first) with its convertor's regex, the whole path consumed. Failures are
// memoised per (piece, position), which keeps it polynomial without changing which match is found first.
class Reference {
public:
    // `pattern` was accepted by Router::add(), so its braces and names are well formed.
    explicit Reference(std::string_view pattern) {
        std::size_t pos = 0;
        while (pos < pattern.size()) {
            std::size_t open = std::min(pattern.find('{', pos), pattern.size());
            if (open > pos) pieces_.push_back({false, 's', pattern.substr(pos, open - pos)});
            if (open == pattern.size()) break;
            std::size_t close = pattern.find('}', open);
            std::string_view inner = pattern.substr(open + 1, close - open - 1);
            std::size_t colon = inner.find(':');
            pieces_.push_back({true, colon == std::string_view::npos ? 's' : inner[colon + 1], {}});
            pos = close + 1;
        }
    }

    bool match(std::string_view path, std::vector<std::string_view>& values) {
        path_ = path;
        failed_.assign((pieces_.size() + 1) * (path.size() + 1), false);
        values.clear();
        return at(0, 0, values);
    }

    // A path the pattern matches: each parameter replaced by a valid value.
    std::string sample() const {
        std::string out;
        for (const Piece& p : pieces_) {
            if (!p.param) {
                out += p.text;
                continue;
            }
            switch (p.kind) {
            case 'i':
                out += "7";
                break;
            case 'f':
                out += "2.5";
                break;
            case 'u':
                out += "123e4567-e89b-12d3-a456-426614174000";
                break;
            case 'p':
                out += "p/q";
                break;
            default:
                out += "v";
            }
        }
        return out;
    }

private:
    struct Piece {
        bool param;
        char kind; // s, i, f, u, p: the first letter of the convertor
        std::string_view text;
    };

    static bool digits(std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    }

    static bool valid(char kind, std::string_view v) {
        switch (kind) {
        case 's':
            return !v.empty() && v.find('/') == std::string_view::npos;
        case 'i':
            return digits(v);
        case 'f': {
            std::size_t dot = v.find('.');
            return dot == std::string_view::npos ? digits(v)
                                                 : digits(v.substr(0, dot)) && digits(v.substr(dot + 1));
        }
        case 'u':
            if (v.size() != 36) return false;
            for (std::size_t i = 0; i < 36; ++i) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                bool hex = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f');
                if (dash ? v[i] != '-' : !hex) return false;
            }
            return true;
        default:
            return true;
        }
    }

    bool at(std::size_t i, std::size_t pos, std::vector<std::string_view>& values) {
        std::size_t key = i * (path_.size() + 1) + pos;
        if (failed_[key]) return false;
        if (step(i, pos, values)) return true;
        failed_[key] = true;
        return false;
    }

    bool step(std::size_t i, std::size_t pos, std::vector<std::string_view>& values) {
        std::string_view rest = path_.substr(pos);
        if (i == pieces_.size()) return rest.empty();
        const Piece& p = pieces_[i];
        if (!p.param)
            return rest.substr(0, p.text.size()) == p.text && at(i + 1, pos + p.text.size(), values);
        for (std::size_t len = rest.size() + 1; len-- > 0;) {
            if (!valid(p.kind, rest.substr(0, len))) continue;
            values.push_back(rest.substr(0, len));
            if (at(i + 1, pos + len, values)) return true;
            values.pop_back();
        }
        return false;
    }

    std::vector<Piece> pieces_;
    std::string_view path_;
    std::vector<bool> failed_;
};

// `router` holds only `pattern`, for `method` with handler 7: its match of `path` must be the reference's.
void check_against_reference(const Router& router, Method method, std::string_view pattern,
                             std::string_view path) {
    Reference ref(pattern);
    std::vector<std::string_view> expected;
    bool matches = ref.match(path, expected);
    Match out;
    router.match(method, path, out);
    check((out.status == MatchStatus::Found) == matches);
    if (!matches) return;
    check(out.handler == 7 && out.param_count == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        check(out.params[i].value == expected[i] && out.params[i].value.data() == expected[i].data());
}

// Checks what match() promises about `out` for a match of `path`.
void check_match(const Match& out, std::string_view path, Method method) {
    check(out.param_count <= kMaxParams);
    switch (out.status) {
    case MatchStatus::Found:
        check(static_cast<std::size_t>(method) < kMethodCount && (out.allowed & method_bit(method)) != 0);
        break;
    case MatchStatus::MethodNotAllowed:
        check(out.allowed != 0 && out.param_count == 0);
        check(out.handler < fixed_router().route_count());
        if (static_cast<std::size_t>(method) < kMethodCount) check((out.allowed & method_bit(method)) == 0);
        break;
    case MatchStatus::NotFound:
        check(out.allowed == 0 && out.param_count == 0 && out.handler == 0);
        break;
    default:
        __builtin_trap();
    }
    for (std::size_t i = 0; i < out.param_count; ++i) {
        const Param& p = out.params[i];
        check(!p.name.empty());
        // Values view the caller's path.
        check(p.value.data() >= path.data() && p.value.data() + p.value.size() <= path.data() + path.size());
    }
    (void)method_name(method);
    (void)allow_header(out.allowed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto method = static_cast<Method>(data[0] % 16);
    std::string_view path(reinterpret_cast<const char*>(data + 1), size - 1);

    Match out;
    fixed_router().match(method, path, out);
    check_match(out, path, method);

    // The input as a pattern: add() must reject or accept without crashing, an accepted static pattern (no
    // braces) must match itself, and any accepted pattern must match a path built from it, as the reference
    // does (for short ones: the reference is cubic).
    Router scratch;
    AddError e = scratch.add(method, path, 7);
    (void)error_message(e);
    if (e == AddError::Ok) {
        check(scratch.route_count() == 1);
        check(scratch.add(method, path, 8) == AddError::Conflict);
        if (path.find_first_of("{}") == std::string_view::npos) {
            scratch.match(method, path, out);
            check(out.status == MatchStatus::Found && out.handler == 7 && out.param_count == 0);
        }
        std::string sample = Reference(path).sample();
        scratch.match(method, sample, out);
        check(out.status == MatchStatus::Found);
        if (sample.size() <= 128) check_against_reference(scratch, method, path, sample);
    }

    // "pattern\npath": the router and the reference must agree on the path.
    if (std::size_t nl = path.find('\n'); nl != std::string_view::npos && path.size() - nl <= 64) {
        std::string_view pattern = path.substr(0, nl);
        Router single;
        if (single.add(Method::Get, pattern, 7) == AddError::Ok)
            check_against_reference(single, Method::Get, pattern, path.substr(nl + 1));
    }
    return 0;
}
