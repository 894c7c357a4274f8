// libFuzzer target for router/router.h.
//
// Input: byte 0 picks the method (any value, so out-of-range enum values are exercised too); the rest is the
// request path, matched against a fixed router that has every kind of pattern. The same bytes are then added
// as a pattern to a scratch router and, if accepted, matched against themselves. Invariants are checked with
// __builtin_trap() so a violation is a crash the fuzzer reports.
#include "router/router.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

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
        };
        uint32_t id = 0;
        for (const auto& route : routes)
            if (r.add(route.method, route.pattern, id++) != AddError::Ok) __builtin_trap();
        return r;
    }();
    return router;
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
        if (static_cast<std::size_t>(method) < kMethodCount) check((out.allowed & method_bit(method)) == 0);
        break;
    case MatchStatus::NotFound:
        check(out.allowed == 0 && out.param_count == 0);
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

    // The input as a pattern: add() must reject or accept without crashing, and an accepted static pattern
    // (no braces) must match itself.
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
    }
    return 0;
}
