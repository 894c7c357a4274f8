// Unit tests for router/router.h.
#include "router/router.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

// Global allocation counter: every operator new in this binary goes through here, so a test can assert
// that a region of code allocated nothing. The replacements are noinline because, once inlined, GCC 12's
// -Wmismatched-new-delete mistakes the malloc/free inside them for a mismatched pair.
namespace {
std::atomic<long> g_allocations{0};
} // namespace

[[gnu::noinline]] void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t n) {
    return operator new(n);
}
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
[[gnu::noinline]] void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
    return operator new(n, t);
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

using namespace turbo::router;

namespace {

constexpr uint16_t kGet = method_bit(Method::Get);
constexpr uint16_t kPost = method_bit(Method::Post);
constexpr uint16_t kPut = method_bit(Method::Put);
constexpr uint16_t kDelete = method_bit(Method::Delete);

Match run(const Router& r, Method m, std::string_view path) {
    Match out;
    r.match(m, path, out);
    return out;
}

// The handler id for a Found match, -1 for NotFound, -2 for MethodNotAllowed: compact to CHECK against.
long handler_of(const Router& r, Method m, std::string_view path) {
    Match out = run(r, m, path);
    switch (out.status) {
    case MatchStatus::Found:
        return out.handler;
    case MatchStatus::NotFound:
        return -1;
    case MatchStatus::MethodNotAllowed:
        return -2;
    }
    return -3;
}

void add_ok(Router& r, Method m, std::string_view pattern, uint32_t handler) {
    INFO(pattern);
    REQUIRE(r.add(m, pattern, handler) == AddError::Ok);
}

} // namespace

TEST_CASE("methods parse, print and form an Allow header", "[router]") {
    CHECK(parse_method("GET") == Method::Get);
    CHECK(parse_method("CONNECT") == Method::Connect);
    CHECK(parse_method("DELETE") == Method::Delete);
    CHECK_FALSE(parse_method("get").has_value());
    CHECK_FALSE(parse_method("GETX").has_value());
    CHECK_FALSE(parse_method("").has_value());
    for (std::size_t i = 0; i < kMethodCount; ++i) {
        auto m = static_cast<Method>(i);
        CHECK(parse_method(method_name(m)) == m);
    }
    CHECK(method_name(static_cast<Method>(200)).empty());

    CHECK(allow_header(0).empty());
    CHECK(allow_header(kPost | kGet) == "GET, POST");
    CHECK(allow_header(0xFFFF) == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT");
}

TEST_CASE("static routes", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/", 1);
    add_ok(r, Method::Get, "/items", 2);
    add_ok(r, Method::Get, "/items/", 3);
    add_ok(r, Method::Get, "/items/special", 4);
    add_ok(r, Method::Get, "/users/me/settings", 5);
    add_ok(r, Method::Get, "/a//b", 6);
    CHECK(r.route_count() == 6);

    CHECK(handler_of(r, Method::Get, "/") == 1);
    CHECK(handler_of(r, Method::Get, "/items") == 2);
    CHECK(handler_of(r, Method::Get, "/items/") == 3);
    CHECK(handler_of(r, Method::Get, "/items/special") == 4);
    CHECK(handler_of(r, Method::Get, "/users/me/settings") == 5);
    CHECK(handler_of(r, Method::Get, "/a//b") == 6);

    CHECK(handler_of(r, Method::Get, "/items/special/") == -1);
    CHECK(handler_of(r, Method::Get, "/Items") == -1);
    CHECK(handler_of(r, Method::Get, "/users/me") == -1);
    CHECK(handler_of(r, Method::Get, "/users") == -1);
    CHECK(handler_of(r, Method::Get, "/a/b") == -1);

    Match m = run(r, Method::Get, "/items");
    CHECK(m.status == MatchStatus::Found);
    CHECK(m.param_count == 0);
    CHECK(m.allowed == kGet);
}

TEST_CASE("plain parameters capture one non-empty segment", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/items/{item_id}", 1);
    add_ok(r, Method::Get, "/users/{user_id}/items/{item}", 2);
    add_ok(r, Method::Get, "/s/{name:str}", 3);

    Match m = run(r, Method::Get, "/items/abc");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 1);
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "item_id");
    CHECK(m.params[0].value == "abc");
    CHECK(m.param("item_id") == std::optional<std::string_view>("abc"));
    CHECK_FALSE(m.param("nope").has_value());

    m = run(r, Method::Get, "/users/42/items/x.y-z");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 2);
    REQUIRE(m.param_count == 2);
    CHECK(m.params[0].name == "user_id");
    CHECK(m.params[0].value == "42");
    CHECK(m.params[1].name == "item");
    CHECK(m.params[1].value == "x.y-z");

    CHECK(handler_of(r, Method::Get, "/s/hello world") == 3);
    CHECK(handler_of(r, Method::Get, "/items/") == -1); // empty segment never matches a param
    CHECK(handler_of(r, Method::Get, "/items") == -1);
    CHECK(handler_of(r, Method::Get, "/items/a/b") == -1);
    CHECK(handler_of(r, Method::Get, "/users//items/x") == -1);
}

TEST_CASE("parameter values view the caller's path", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/a/{x}/{rest:path}", 1);
    std::string path = "/a/one/two/three";
    Match m = run(r, Method::Get, path);
    REQUIRE(m.status == MatchStatus::Found);
    REQUIRE(m.param_count == 2);
    CHECK(m.params[0].value.data() == path.data() + 3);
    CHECK(m.params[1].value.data() == path.data() + 7);
    CHECK(m.params[1].value == "two/three");
}

TEST_CASE("typed parameters", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/i/{v:int}", 1);
    add_ok(r, Method::Get, "/f/{v:float}", 2);
    add_ok(r, Method::Get, "/u/{v:uuid}", 3);

    SECTION("int") {
        CHECK(handler_of(r, Method::Get, "/i/0") == 1);
        CHECK(handler_of(r, Method::Get, "/i/12345678901234567890") == 1);
        CHECK(handler_of(r, Method::Get, "/i/-1") == -1);
        CHECK(handler_of(r, Method::Get, "/i/1.5") == -1);
        CHECK(handler_of(r, Method::Get, "/i/12a") == -1);
        CHECK(handler_of(r, Method::Get, "/i/") == -1);
        CHECK(handler_of(r, Method::Get, "/i/ 1") == -1);
    }
    SECTION("float") {
        CHECK(handler_of(r, Method::Get, "/f/3") == 2);
        CHECK(handler_of(r, Method::Get, "/f/3.14") == 2);
        CHECK(handler_of(r, Method::Get, "/f/3.") == -1);
        CHECK(handler_of(r, Method::Get, "/f/.5") == -1);
        CHECK(handler_of(r, Method::Get, "/f/1.2.3") == -1);
        CHECK(handler_of(r, Method::Get, "/f/1e5") == -1);
        CHECK(handler_of(r, Method::Get, "/f/-1.0") == -1);
        CHECK(handler_of(r, Method::Get, "/f/") == -1);
    }
    SECTION("uuid") {
        CHECK(handler_of(r, Method::Get, "/u/123e4567-e89b-12d3-a456-426614174000") == 3);
        // Starlette's [0-9a-f] is case-sensitive.
        CHECK(handler_of(r, Method::Get, "/u/123E4567-E89B-12D3-A456-426614174000") == -1);
        CHECK(handler_of(r, Method::Get, "/u/123e4567-e89b-12d3-a456-42661417400A") == -1);
        CHECK(handler_of(r, Method::Get, "/u/123e4567e89b12d3a456426614174000") == -1);
        CHECK(handler_of(r, Method::Get, "/u/123e4567-e89b-12d3-a456-42661417400") == -1);
        CHECK(handler_of(r, Method::Get, "/u/123e4567-e89b-12d3-a456-4266141740000") == -1);
        CHECK(handler_of(r, Method::Get, "/u/g23e4567-e89b-12d3-a456-426614174000") == -1);
        CHECK(handler_of(r, Method::Get, "/u/123e4567-e89b-12d3-a456_426614174000") == -1);
    }
    Match m = run(r, Method::Get, "/f/2.5");
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "v");
    CHECK(m.params[0].value == "2.5");
}

TEST_CASE("path tail parameters", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/files/{file_path:path}", 1);
    add_ok(r, Method::Get, "/{everything:path}", 2);

    Match m = run(r, Method::Get, "/files/a/b/c.txt");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 1);
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "file_path");
    CHECK(m.params[0].value == "a/b/c.txt");

    m = run(r, Method::Get, "/files/");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 1);
    CHECK(m.params[0].value.empty());

    m = run(r, Method::Get, "/files/dir/");
    CHECK(m.handler == 1);
    CHECK(m.params[0].value == "dir/");

    m = run(r, Method::Get, "/files//x");
    CHECK(m.handler == 1);
    CHECK(m.params[0].value == "/x");

    // "/files" has no '/' before the tail, so only the catch-all matches it.
    m = run(r, Method::Get, "/files");
    CHECK(m.handler == 2);
    CHECK(m.params[0].value == "files");

    m = run(r, Method::Get, "/");
    CHECK(m.handler == 2);
    CHECK(m.params[0].value.empty());

    CHECK(handler_of(r, Method::Get, "") == -1);
    CHECK(handler_of(r, Method::Get, "files") == -1);
}

TEST_CASE("precedence: static, typed, plain, tail", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/p/{rest:path}", 5);
    add_ok(r, Method::Get, "/p/{name}", 4);
    add_ok(r, Method::Get, "/p/{u:uuid}", 6);
    add_ok(r, Method::Get, "/p/{f:float}", 3);
    add_ok(r, Method::Get, "/p/{i:int}", 2);
    add_ok(r, Method::Get, "/p/me", 1);

    CHECK(handler_of(r, Method::Get, "/p/me") == 1);
    CHECK(handler_of(r, Method::Get, "/p/12") == 2);
    CHECK(handler_of(r, Method::Get, "/p/1.5") == 3);
    CHECK(handler_of(r, Method::Get, "/p/123e4567-e89b-12d3-a456-426614174000") == 6);
    CHECK(handler_of(r, Method::Get, "/p/you") == 4);
    CHECK(handler_of(r, Method::Get, "/p/you/and/me") == 5);
    CHECK(handler_of(r, Method::Get, "/p/") == 5);

    Match m = run(r, Method::Get, "/p/12");
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "i");
}

TEST_CASE("backtracking into lower-precedence branches", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/users/me/profile", 1);
    add_ok(r, Method::Get, "/users/{id}/posts", 2);
    add_ok(r, Method::Get, "/users/{id:int}/friends", 3);
    add_ok(r, Method::Get, "/users/{rest:path}", 4);
    add_ok(r, Method::Get, "/users/{id}/{tab}/{sub:int}", 5);

    CHECK(handler_of(r, Method::Get, "/users/me/profile") == 1);
    // Static "me" fails deeper; the plain param branch matches.
    Match m = run(r, Method::Get, "/users/me/posts");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 2);
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "id");
    CHECK(m.params[0].value == "me");
    // int branch fails deeper ("posts" is not under {id:int}), plain param matches.
    CHECK(handler_of(r, Method::Get, "/users/7/posts") == 2);
    CHECK(handler_of(r, Method::Get, "/users/7/friends") == 3);
    // All segment branches fail: the tail takes it, and values pushed by failed branches are gone.
    m = run(r, Method::Get, "/users/7/unknown");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 4);
    REQUIRE(m.param_count == 1);
    CHECK(m.params[0].name == "rest");
    CHECK(m.params[0].value == "7/unknown");
    m = run(r, Method::Get, "/users/me/tab/9");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 5);
    REQUIRE(m.param_count == 3);
    CHECK(m.params[0].value == "me");
    CHECK(m.params[1].value == "tab");
    CHECK(m.params[2].value == "9");
}

TEST_CASE("404 and 405", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/items/{id}", 1);
    add_ok(r, Method::Delete, "/items/{id}", 2);
    add_ok(r, Method::Post, "/items", 3);

    Match m = run(r, Method::Put, "/items/5");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.allowed == (kGet | kDelete));
    CHECK(m.param_count == 0);
    CHECK(allow_header(m.allowed) == "GET, DELETE");

    m = run(r, Method::Get, "/items");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(allow_header(m.allowed) == "POST");

    m = run(r, Method::Delete, "/items/5");
    CHECK(m.status == MatchStatus::Found);
    CHECK(m.handler == 2);
    CHECK(m.allowed == (kGet | kDelete));

    m = run(r, Method::Get, "/nothing");
    CHECK(m.status == MatchStatus::NotFound);
    CHECK(m.allowed == 0);

    // No implicit HEAD -> GET.
    CHECK(run(r, Method::Head, "/items/5").status == MatchStatus::MethodNotAllowed);

    // A bad enum value routes like a method nobody registered.
    CHECK(run(r, static_cast<Method>(77), "/items/5").status == MatchStatus::MethodNotAllowed);
    CHECK(run(r, static_cast<Method>(77), "/zzz").status == MatchStatus::NotFound);
}

TEST_CASE("405 reports the handler registered first at the matched pattern", "[router]") {
    // Starlette answers 405 with the Allow of the first route (in registration order) whose path matched;
    // here several routes (handler ids) share one pattern, so the lowest registration index wins, not the
    // lowest id nor the lowest method bit.
    Router r;
    add_ok(r, Method::Post, "/items/{id}", 7);
    add_ok(r, Method::Get, "/items/{item_id}", 3);
    add_ok(r, Method::Delete, "/items/{id}", 1);
    add_ok(r, Method::Put, "/other", 9);
    add_ok(r, Method::Get, "/other", 2);

    Match m = run(r, Method::Patch, "/items/5");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 7);
    CHECK(m.allowed == (kGet | kPost | kDelete)); // still the union for callers that build Allow from it
    CHECK(m.param_count == 0);

    m = run(r, Method::Post, "/other");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 9);
    CHECK(m.allowed == (kGet | kPut));

    // A bad enum value gets the same 405.
    m = run(r, static_cast<Method>(77), "/items/5");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 7);

    // Found still reports the method's own handler, and NotFound resets the field.
    CHECK(handler_of(r, Method::Get, "/items/5") == 3);
    m = run(r, Method::Patch, "/items/5");
    r.match(Method::Get, "/nothing", m);
    CHECK(m.status == MatchStatus::NotFound);
    CHECK(m.handler == 0);

    // With precedence in play the handler belongs to the highest-precedence matching pattern, even though a
    // lower-precedence one was registered earlier.
    Router p;
    add_ok(p, Method::Get, "/t/{id}", 1);
    add_ok(p, Method::Post, "/t/latest", 2);
    m = run(p, Method::Delete, "/t/latest");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 2);
    CHECK(m.allowed == kPost);
}

TEST_CASE("a lower-precedence match with the method beats a 405 on a higher one", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/things/latest", 1);
    add_ok(r, Method::Post, "/things/{id}", 2);
    add_ok(r, Method::Put, "/things/{rest:path}", 3);

    CHECK(handler_of(r, Method::Get, "/things/latest") == 1);
    CHECK(handler_of(r, Method::Post, "/things/latest") == 2);
    CHECK(handler_of(r, Method::Put, "/things/latest") == 3);

    // Nothing has DELETE: 405 with the methods of the highest-precedence match (the static one).
    Match m = run(r, Method::Delete, "/things/latest");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.allowed == kGet);
    m = run(r, Method::Delete, "/things/other");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.allowed == kPost);
    m = run(r, Method::Delete, "/things/a/b");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.allowed == kPut);
}

TEST_CASE("routes sharing a parameter node report their own names", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/a/{x}", 1);
    add_ok(r, Method::Post, "/a/{y}", 2);
    add_ok(r, Method::Put, "/a/{z:str}/b/{w:path}", 3);
    add_ok(r, Method::Get, "/a/{q}/b/{p:path}", 4);

    Match m = run(r, Method::Get, "/a/v");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.params[0].name == "x");
    CHECK(m.allowed == (kGet | kPost));
    m = run(r, Method::Post, "/a/v");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.params[0].name == "y");
    CHECK(m.params[0].value == "v");

    m = run(r, Method::Put, "/a/v/b/c/d");
    REQUIRE(m.param_count == 2);
    CHECK(m.params[0].name == "z");
    CHECK(m.params[1].name == "w");
    CHECK(m.params[1].value == "c/d");
    m = run(r, Method::Get, "/a/v/b/c/d");
    REQUIRE(m.param_count == 2);
    CHECK(m.params[0].name == "q");
    CHECK(m.params[1].name == "p");

    // Same shape, same method: a conflict whatever the names.
    CHECK(r.add(Method::Get, "/a/{other}", 9) == AddError::Conflict);
    CHECK(r.add(Method::Get, "/a/{other:str}", 9) == AddError::Conflict);
    // A different convertor is a different node.
    CHECK(r.add(Method::Get, "/a/{n:int}", 9) == AddError::Ok);
}

TEST_CASE("parameter names outlive further adds", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/first/{a_rather_long_parameter_name_beyond_sso}/{s}", 1);
    Match m = run(r, Method::Get, "/first/1/2");
    REQUIRE(m.param_count == 2);
    for (int i = 0; i < 500; ++i)
        add_ok(r, Method::Get, "/filler" + std::to_string(i) + "/{p" + std::to_string(i) + "}", 100 + i);
    CHECK(m.params[0].name == "a_rather_long_parameter_name_beyond_sso");
    CHECK(m.params[1].name == "s");
}

TEST_CASE("add errors and their messages", "[router]") {
    struct Case {
        const char* pattern;
        AddError error;
    };
    const Case cases[] = {
        {"", AddError::MissingLeadingSlash},
        {"items", AddError::MissingLeadingSlash},
        {"{x}/a", AddError::MissingLeadingSlash},
        {"/a/{x", AddError::UnbalancedBrace},
        {"/a/x}", AddError::UnbalancedBrace},
        {"/a/{{x}}", AddError::UnbalancedBrace},
        {"/a/{x/y}", AddError::UnbalancedBrace},
        {"/a/}x{", AddError::UnbalancedBrace},
        {"/a/{}", AddError::EmptyParamName},
        {"/a/{:int}", AddError::EmptyParamName},
        {"/a/{1x}", AddError::InvalidParamName},
        {"/a/{ x }", AddError::InvalidParamName},
        {"/a/{x-y}", AddError::InvalidParamName},
        {"/files/{a}{b}", AddError::MixedSegment},
        {"/files/x{a}{b:int}.y", AddError::MixedSegment},
        {"/files/{a}.{b}{c}", AddError::MixedSegment},
        {"/files/v{p:path}", AddError::PathInMixedSegment},
        {"/files/{p:path}.txt", AddError::PathInMixedSegment},
        {"/files/{a}-{p:path}", AddError::PathInMixedSegment},
        {"/files/{name}.{x", AddError::UnbalancedBrace},
        {"/files/{name}.{}", AddError::EmptyParamName},
        {"/files/{name}.{9}", AddError::InvalidParamName},
        {"/files/{name}.{e:foo}", AddError::UnknownConvertor},
        {"/files/{n}.{n}", AddError::DuplicateParamName},
        {"/a/{n}/{n}.json", AddError::DuplicateParamName},
        {"/a/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h}-{i}", AddError::MixedSegmentTooComplex},
        {"/a/{a:uuid}.{b:uuid}.{c:uuid}.{d:uuid}", AddError::MixedSegmentTooComplex},
        {"/a/{p:path}/{x}.json", AddError::PathNotLast},
        {"/a/{x:foo}", AddError::UnknownConvertor},
        {"/a/{x:}", AddError::UnknownConvertor},
        {"/a/{x:INT}", AddError::UnknownConvertor},
        {"/a/{x:int:int}", AddError::UnknownConvertor},
        {"/a/{x}/b/{x}", AddError::DuplicateParamName},
        {"/a/{x}/{x:int}", AddError::DuplicateParamName},
        {"/a/{p:path}/b", AddError::PathNotLast},
        {"/a/{p:path}/", AddError::PathNotLast},
    };
    Router r;
    for (const Case& c : cases) {
        INFO(c.pattern);
        CHECK(r.add(Method::Get, c.pattern, 1) == c.error);
    }
    CHECK(r.route_count() == 0);
    // Failed adds left nothing behind.
    CHECK(run(r, Method::Get, "/a/x").status == MatchStatus::NotFound);
    CHECK(run(r, Method::Get, "/files/a.b").status == MatchStatus::NotFound);
    CHECK(r.add(static_cast<Method>(kMethodCount), "/a", 1) == AddError::InvalidMethod);

    CHECK(error_message(AddError::Ok) == "ok");
    CHECK(error_message(AddError::MissingLeadingSlash) == "route pattern must start with '/'");
    CHECK(error_message(AddError::MixedSegment).find("no text between") != std::string_view::npos);
    CHECK(error_message(AddError::PathInMixedSegment).find("{name:path}") != std::string_view::npos);
    CHECK(error_message(AddError::MixedSegmentTooComplex).find("at most 8 parameters") !=
          std::string_view::npos);
    CHECK(error_message(AddError::UnknownConvertor).find("convertor") != std::string_view::npos);
    CHECK(error_message(AddError::Conflict).find("already registered") != std::string_view::npos);
    // Every value has its own, non-default message.
    std::set<std::string_view> seen;
    for (int e = 0; e <= static_cast<int>(AddError::Conflict); ++e) {
        std::string_view msg = error_message(static_cast<AddError>(e));
        INFO(e);
        CHECK_FALSE(msg.empty());
        CHECK(msg != "unknown router error");
        CHECK(seen.insert(msg).second);
    }
}

TEST_CASE("conflicts", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/items/{id}", 1);
    CHECK(r.add(Method::Get, "/items/{id}", 2) == AddError::Conflict);
    CHECK(r.add(Method::Get, "/items/{other}", 2) == AddError::Conflict);
    add_ok(r, Method::Post, "/items/{id}", 3);
    add_ok(r, Method::Get, "/items/{id:int}", 4);
    add_ok(r, Method::Get, "/", 5);
    CHECK(r.add(Method::Get, "/", 6) == AddError::Conflict);
    CHECK(r.route_count() == 4);
    // The first registration stays in place.
    CHECK(handler_of(r, Method::Get, "/items/x") == 1);
    CHECK(handler_of(r, Method::Get, "/") == 5);
}

TEST_CASE("16 parameters are fine, 17 are rejected", "[router]") {
    std::string pattern, path;
    for (int i = 0; i < 16; ++i) {
        pattern += "/{p" + std::to_string(i) + "}";
        path += "/v" + std::to_string(i);
    }
    Router r;
    add_ok(r, Method::Get, pattern, 1);
    Match m = run(r, Method::Get, path);
    REQUIRE(m.status == MatchStatus::Found);
    REQUIRE(m.param_count == 16);
    CHECK(m.params[15].name == "p15");
    CHECK(m.params[15].value == "v15");

    CHECK(r.add(Method::Get, pattern + "/{p16}", 2) == AddError::TooManyParams);
    CHECK(r.add(Method::Get, pattern + "/{p16:path}", 2) == AddError::TooManyParams);
    // 16 params plus static segments is fine.
    add_ok(r, Method::Get, pattern + "/static", 3);
    CHECK(handler_of(r, Method::Get, path + "/static") == 3);
}

TEST_CASE("segment limit", "[router]") {
    std::string pattern;
    for (std::size_t i = 0; i < kMaxSegments; ++i)
        pattern += "/s";
    Router r;
    add_ok(r, Method::Get, pattern, 1);
    CHECK(handler_of(r, Method::Get, pattern) == 1);
    CHECK(r.add(Method::Get, pattern + "/s", 2) == AddError::TooManySegments);
}

TEST_CASE("odd paths", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/", 1);
    add_ok(r, Method::Get, "/items", 2);
    add_ok(r, Method::Get, "/a/{x}/b", 3);
    add_ok(r, Method::Get, "/a/b", 4);

    CHECK(handler_of(r, Method::Get, "") == -1);
    CHECK(handler_of(r, Method::Get, "/") == 1);
    CHECK(handler_of(r, Method::Get, "//") == -1);
    CHECK(handler_of(r, Method::Get, "///") == -1);
    CHECK(handler_of(r, Method::Get, "/a//b") == -1);
    CHECK(handler_of(r, Method::Get, "/a/b/") == -1);
    CHECK(handler_of(r, Method::Get, "items") == -1);
    CHECK(handler_of(r, Method::Get, "*") == -1);
    CHECK(handler_of(r, Method::Get, "/items/") == -1);
    CHECK(handler_of(r, Method::Get, "/items") == 2);
    CHECK(handler_of(r, Method::Get, std::string_view("/items\0", 7)) == -1);
    CHECK(handler_of(r, Method::Get, "/a/\xff\xfe/b") == 3);

    std::string long_path(1 << 20, 'x');
    long_path[0] = '/';
    CHECK(handler_of(r, Method::Get, long_path) == -1);
    std::string many_segments;
    for (int i = 0; i < 100000; ++i)
        many_segments += "/a";
    CHECK(handler_of(r, Method::Get, many_segments) == -1);
    std::string slashes(100000, '/');
    CHECK(handler_of(r, Method::Get, slashes) == -1);

    // An empty router.
    Router empty;
    CHECK(handler_of(empty, Method::Get, "/") == -1);
    CHECK(handler_of(empty, Method::Get, "") == -1);
    CHECK(empty.route_count() == 0);
}

TEST_CASE("copy and move", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/x/{name}", 1);
    Router copy = r;
    Router moved = std::move(r);
    for (const Router* p : {&copy, &moved}) {
        Match m = run(*p, Method::Get, "/x/y");
        REQUIRE(m.status == MatchStatus::Found);
        CHECK(m.params[0].name == "name");
    }
    // A moved-from router can be reused.
    r = Router();
    CHECK(handler_of(r, Method::Get, "/x/y") == -1);
    add_ok(r, Method::Get, "/z", 2);
    CHECK(handler_of(r, Method::Get, "/z") == 2);
}

TEST_CASE("match does not allocate", "[router]") {
    Router r;
    add_ok(r, Method::Get, "/", 1);
    add_ok(r, Method::Get, "/users/{id:int}/posts/{post}", 2);
    add_ok(r, Method::Post, "/users/{id}/posts", 3);
    add_ok(r, Method::Get, "/files/{p:path}", 4);
    add_ok(r, Method::Get, "/u/{u:uuid}/{f:float}", 5);
    for (int i = 0; i < 50; ++i)
        add_ok(r, Method::Get, "/static/route" + std::to_string(i), 100 + i);

    std::string long_path(10000, 'a');
    long_path[0] = '/';
    const std::string_view paths[] = {"/",
                                      "/users/1/posts/hello",
                                      "/users/x/posts",
                                      "/files/a/b/c/d/e/f/g",
                                      "/u/123e4567-e89b-12d3-a456-426614174000/1.5",
                                      "/static/route42",
                                      "/nope",
                                      "",
                                      "//",
                                      long_path};
    Match m;
    long found = 0;
    long before = g_allocations.load();
    for (int round = 0; round < 10; ++round)
        for (std::string_view p : paths)
            for (std::size_t mi = 0; mi < kMethodCount; ++mi) {
                r.match(static_cast<Method>(mi), p, m);
                found += m.status == MatchStatus::Found;
            }
    long after = g_allocations.load();
    CHECK(after == before);
    CHECK(found == 10 * 6);

    // The counter does see allocations (guards against a counter that never fires).
    before = g_allocations.load();
    std::string s = allow_header(0x1FF);
    CHECK(g_allocations.load() > before);
}

namespace {

// Checks that `path` is Found for `handler` with exactly these (name, value) params in order.
void check_params(const Router& r, std::string_view path, uint32_t handler,
                  std::vector<std::pair<std::string_view, std::string_view>> expected) {
    INFO(path);
    Match m = run(r, Method::Get, path);
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == handler);
    REQUIRE(m.param_count == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(m.params[i].name == expected[i].first);
        CHECK(m.params[i].value == expected[i].second);
    }
}

} // namespace

TEST_CASE("mixed segments: text and parameters in one segment", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/dotted/{name}.json", 1);
    add_ok(r, Method::Get, "/api/v{major}.{minor}/status", 2);
    add_ok(r, Method::Get, "/item-{item_id}", 3);
    add_ok(r, Method::Get, "/range/{start}-{end}", 4);
    add_ok(r, Method::Get, "/files/{name}.{ext:str}", 5);
    add_ok(r, Method::Get, "/v{version:int}/x", 6);

    check_params(r, "/dotted/report.json", 1, {{"name", "report"}});
    check_params(r, "/dotted/a.b.json", 1, {{"name", "a.b"}});
    check_params(r, "/dotted/.json.json", 1, {{"name", ".json"}});
    CHECK(handler_of(r, Method::Get, "/dotted/.json") == -1); // the name would be empty
    CHECK(handler_of(r, Method::Get, "/dotted/a.jso") == -1);
    CHECK(handler_of(r, Method::Get, "/dotted/a.json/") == -1);
    CHECK(handler_of(r, Method::Get, "/dotted/a/b.json") == -1);
    CHECK(handler_of(r, Method::Get, "/dotted/a.JSON") == -1);

    check_params(r, "/api/v1.2/status", 2, {{"major", "1"}, {"minor", "2"}});
    check_params(r, "/api/v1.2.3/status", 2, {{"major", "1.2"}, {"minor", "3"}}); // the first group is greedy
    check_params(r, "/api/vv..s/status", 2, {{"major", "v."}, {"minor", "s"}});
    CHECK(handler_of(r, Method::Get, "/api/v.2/status") == -1);
    CHECK(handler_of(r, Method::Get, "/api/v1./status") == -1);
    CHECK(handler_of(r, Method::Get, "/api/1.2/status") == -1);
    CHECK(handler_of(r, Method::Get, "/api/v12/status") == -1);
    CHECK(handler_of(r, Method::Get, "/api/v1.2") == -1);

    check_params(r, "/item-42", 3, {{"item_id", "42"}});
    check_params(r, "/item-a-b", 3, {{"item_id", "a-b"}});
    CHECK(handler_of(r, Method::Get, "/item-") == -1);
    CHECK(handler_of(r, Method::Get, "/item42") == -1);
    CHECK(handler_of(r, Method::Get, "/item-42/") == -1);

    check_params(r, "/range/1-2", 4, {{"start", "1"}, {"end", "2"}});
    check_params(r, "/range/1-2-3", 4, {{"start", "1-2"}, {"end", "3"}});
    check_params(r, "/range/1--2", 4, {{"start", "1-"}, {"end", "2"}});
    check_params(r, "/range/---", 4, {{"start", "-"}, {"end", "-"}});
    CHECK(handler_of(r, Method::Get, "/range/-1") == -1);
    CHECK(handler_of(r, Method::Get, "/range/1-") == -1);
    CHECK(handler_of(r, Method::Get, "/range/--") == -1);
    CHECK(handler_of(r, Method::Get, "/range/12") == -1);

    check_params(r, "/files/archive.tar.gz", 5, {{"name", "archive.tar"}, {"ext", "gz"}});
    check_params(r, "/files/a.b", 5, {{"name", "a"}, {"ext", "b"}});
    CHECK(handler_of(r, Method::Get, "/files/noext") == -1);
    CHECK(handler_of(r, Method::Get, "/files/a.") == -1);

    check_params(r, "/v2/x", 6, {{"version", "2"}});
    check_params(r, "/v0042/x", 6, {{"version", "0042"}});
    CHECK(handler_of(r, Method::Get, "/vabc/x") == -1); // the int convertor fails inside the segment
    CHECK(handler_of(r, Method::Get, "/v/x") == -1);
    CHECK(handler_of(r, Method::Get, "/v2.5/x") == -1);
    CHECK(handler_of(r, Method::Get, "/v-1/x") == -1);
    CHECK(handler_of(r, Method::Get, "/V2/x") == -1);
    CHECK(handler_of(r, Method::Get, "/v2/y") == -1);

    // Values view the caller's path.
    std::string path = "/range/10-20";
    Match m = run(r, Method::Get, path);
    REQUIRE(m.param_count == 2);
    CHECK(m.params[0].value.data() == path.data() + 7);
    CHECK(m.params[1].value.data() == path.data() + 10);
}

TEST_CASE("mixed segments backtrack like the regex within the segment", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/a/{x:int}-{y}", 1);
    add_ok(r, Method::Get, "/b/{x}-{y:int}", 2);
    add_ok(r, Method::Get, "/c/{x:float}.{y}", 3);
    add_ok(r, Method::Get, "/d/{x:float}.{y:float}", 4);
    add_ok(r, Method::Get, "/e/{x}.{y}", 5);
    add_ok(r, Method::Get, "/f/id-{x:uuid}.json", 6);
    add_ok(r, Method::Get, "/g/{x}-{y}-{z}", 7);
    add_ok(r, Method::Get, "/h/{x}ab{y}", 8);
    add_ok(r, Method::Get, "/i/{x:float}", 9); // whole segment, for contrast with /c and /d

    // The int stops at the first '-'; the str takes the rest.
    check_params(r, "/a/1-x-y", 1, {{"x", "1"}, {"y", "x-y"}});
    CHECK(handler_of(r, Method::Get, "/a/x-1") == -1);
    // The str gives back until the int can match the tail.
    check_params(r, "/b/x-1-2", 2, {{"x", "x-1"}, {"y", "2"}});
    check_params(r, "/b/1-2-3", 2, {{"x", "1-2"}, {"y", "3"}});
    CHECK(handler_of(r, Method::Get, "/b/x-1-y") == -1);
    CHECK(handler_of(r, Method::Get, "/b/x-") == -1);
    // Float: the optional fraction is greedy, and given back when the rest needs the '.'.
    check_params(r, "/c/1.5.json", 3, {{"x", "1.5"}, {"y", "json"}});
    check_params(r, "/c/1.json", 3, {{"x", "1"}, {"y", "json"}});
    check_params(r, "/c/1.5.6", 3, {{"x", "1.5"}, {"y", "6"}});
    check_params(r, "/c/1.5", 3, {{"x", "1"}, {"y", "5"}});
    CHECK(handler_of(r, Method::Get, "/c/.5.json") == -1);
    CHECK(handler_of(r, Method::Get, "/c/a.json") == -1);
    check_params(r, "/d/1.2.3", 4, {{"x", "1.2"}, {"y", "3"}});
    check_params(r, "/d/1.2.3.4", 4, {{"x", "1.2"}, {"y", "3.4"}});
    check_params(r, "/d/1.2", 4, {{"x", "1"}, {"y", "2"}});
    check_params(r, "/d/10.20", 4, {{"x", "10"}, {"y", "20"}});
    CHECK(handler_of(r, Method::Get, "/d/1.2.3.4.5") == -1);
    CHECK(handler_of(r, Method::Get, "/d/1..2") == -1);
    check_params(r, "/e/a.b.c.d", 5, {{"x", "a.b.c"}, {"y", "d"}});
    // Uuid: fixed length, lowercase.
    check_params(r, "/f/id-123e4567-e89b-12d3-a456-426614174000.json", 6,
                 {{"x", "123e4567-e89b-12d3-a456-426614174000"}});
    CHECK(handler_of(r, Method::Get, "/f/id-123E4567-E89B-12D3-A456-426614174000.json") == -1);
    CHECK(handler_of(r, Method::Get, "/f/id-123e4567-e89b-12d3-a456-42661417400.json") == -1);
    CHECK(handler_of(r, Method::Get, "/f/id-123e4567-e89b-12d3-a456-426614174000json") == -1);
    // Three groups: each as long as the ones after it allow.
    check_params(r, "/g/a-b-c-d-e", 7, {{"x", "a-b-c"}, {"y", "d"}, {"z", "e"}});
    check_params(r, "/g/a-b-c", 7, {{"x", "a"}, {"y", "b"}, {"z", "c"}});
    CHECK(handler_of(r, Method::Get, "/g/a-b") == -1);
    // Multi-byte separators, including overlapping occurrences.
    check_params(r, "/h/1ab2ab3", 8, {{"x", "1ab2"}, {"y", "3"}});
    check_params(r, "/h/aabab", 8, {{"x", "a"}, {"y", "ab"}});
    check_params(r, "/h/abababa", 8, {{"x", "abab"}, {"y", "a"}});
    CHECK(handler_of(r, Method::Get, "/h/ab") == -1);
    CHECK(handler_of(r, Method::Get, "/h/abab") == -1); // "ab" + "ab" leaves y empty
    check_params(r, "/i/1.5", 9, {{"x", "1.5"}});
}

TEST_CASE("mixed segments: precedence against statics and parameters", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/p/{rest:path}", 1);
    add_ok(r, Method::Get, "/p/{name}", 2);
    add_ok(r, Method::Get, "/p/{i:int}", 3);
    add_ok(r, Method::Get, "/p/{a}.{b}", 4); // registered before the next mixed one: tried first
    add_ok(r, Method::Get, "/p/{stem}.json", 5);
    add_ok(r, Method::Get, "/p/{n:int}0", 6);
    add_ok(r, Method::Get, "/p/me.json", 7);

    CHECK(handler_of(r, Method::Get, "/p/me.json") == 7); // static first
    check_params(r, "/p/you.json", 4, {{"a", "you"}, {"b", "json"}});
    check_params(r, "/p/10", 6, {{"n", "1"}}); // mixed before {i:int}
    check_params(r, "/p/11", 3, {{"i", "11"}});
    check_params(r, "/p/you", 2, {{"name", "you"}});
    check_params(r, "/p/a/b.json", 1, {{"rest", "a/b.json"}});

    // Among mixed segments, registration order decides, not specificity.
    Router q;
    add_ok(q, Method::Get, "/p/{stem}.json", 5);
    add_ok(q, Method::Get, "/p/{a}.{b}", 4);
    check_params(q, "/p/you.json", 5, {{"stem", "you"}});
    check_params(q, "/p/you.xml", 4, {{"a", "you"}, {"b", "xml"}});
}

TEST_CASE("mixed segments: backtracking across the trie", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/q/{a}.json/deep", 1);
    add_ok(r, Method::Get, "/q/{a}-{b}/other", 2);
    add_ok(r, Method::Get, "/q/{id}/other", 3);
    add_ok(r, Method::Get, "/q/{x}-{y:int}/{z}.{w}/end", 4);
    add_ok(r, Method::Get, "/q/{rest:path}", 5);

    check_params(r, "/q/x.json/deep", 1, {{"a", "x"}});
    // The first mixed segment matches but fails deeper, the second does not match, the plain one does; the
    // values pushed by the failed branch are gone.
    check_params(r, "/q/x.json/other", 3, {{"id", "x.json"}});
    check_params(r, "/q/x-y/other", 2, {{"a", "x"}, {"b", "y"}});
    check_params(r, "/q/a-b-7/c.d.e/end", 4, {{"x", "a-b"}, {"y", "7"}, {"z", "c.d"}, {"w", "e"}});
    check_params(r, "/q/a-b-7/c.d.e/nope", 5, {{"rest", "a-b-7/c.d.e/nope"}});
    check_params(r, "/q/a-b/c.d/end", 5, {{"rest", "a-b/c.d/end"}});
}

TEST_CASE("mixed segments that differ only in names share a node", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/s/{a}.json", 1);
    add_ok(r, Method::Post, "/s/{b:str}.json", 2);
    add_ok(r, Method::Put, "/s/{c}.{d}/x/{e}", 3);
    check_params(r, "/s/k.json", 1, {{"a", "k"}});
    Match m = run(r, Method::Post, "/s/k.json");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 2);
    CHECK(m.params[0].name == "b");
    CHECK(m.allowed == (kGet | kPost));
    m = run(r, Method::Put, "/s/k.json/x/z");
    REQUIRE(m.status == MatchStatus::Found);
    REQUIRE(m.param_count == 3);
    CHECK(m.params[0].name == "c");
    CHECK(m.params[1].value == "json");
    CHECK(m.params[2].name == "e");

    CHECK(r.add(Method::Get, "/s/{other}.json", 9) == AddError::Conflict);
    CHECK(r.add(Method::Get, "/s/{other:str}.json", 9) == AddError::Conflict);
    // A different convertor or different text is a different node.
    add_ok(r, Method::Get, "/s/{n:int}.json", 10);
    add_ok(r, Method::Get, "/s/{n}.jsonl", 11);
    CHECK(r.route_count() == 5);
    CHECK(handler_of(r, Method::Get, "/s/5.json") == 1); // registration order among mixed segments
    CHECK(handler_of(r, Method::Get, "/s/5.jsonl") == 11);
}

TEST_CASE("mixed segments and 405", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Put, "/d/{name}.json", 5);
    add_ok(r, Method::Get, "/d/{n}.json", 6);
    add_ok(r, Method::Post, "/d/{id}", 7);

    Match m = run(r, Method::Delete, "/d/x.json");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 5);
    CHECK(m.allowed == (kGet | kPut));
    CHECK(m.param_count == 0);
    // A lower-precedence match with the method beats the mixed segment's 405.
    CHECK(handler_of(r, Method::Post, "/d/x.json") == 7);
    m = run(r, Method::Delete, "/d/x");
    CHECK(m.status == MatchStatus::MethodNotAllowed);
    CHECK(m.handler == 7);
}

TEST_CASE("mixed segment limits", "[router][mixed]") {
    Router r;
    // 8 parameters and 128 states are fine.
    add_ok(r, Method::Get, "/a/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h}", 1);
    check_params(
        r, "/a/1-2-3-4-5-6-7-8-9", 1,
        {{"a", "1-2"}, {"b", "3"}, {"c", "4"}, {"d", "5"}, {"e", "6"}, {"f", "7"}, {"g", "8"}, {"h", "9"}});
    // 36 + 1 + 36 + 1 + 1 + text + 1 states.
    add_ok(r, Method::Get, "/u/{a:uuid}.{b:uuid}.{c:int}" + std::string(52, 'x') + "{d}", 2);
    CHECK(r.add(Method::Get, "/u/{a:uuid}.{b:uuid}.{c:int}" + std::string(53, 'x') + "{d}", 3) ==
          AddError::MixedSegmentTooComplex);
    const std::string uuid = "123e4567-e89b-12d3-a456-426614174000";
    check_params(r, "/u/" + uuid + "." + uuid + ".7" + std::string(52, 'x') + "z", 2,
                 {{"a", uuid}, {"b", uuid}, {"c", "7"}, {"d", "z"}});
    // Text before the first and after the last parameter does not count.
    std::string long_text(1000, 't');
    add_ok(r, Method::Get, "/l/" + long_text + "{x}" + long_text, 4);
    check_params(r, "/l/" + long_text + "v" + long_text, 4, {{"x", "v"}});
    // Parameters in mixed segments count towards kMaxParams.
    std::string pattern;
    for (int i = 0; i < 8; ++i)
        pattern += "/{p" + std::to_string(i) + "}";
    add_ok(r, Method::Get, pattern + "/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h}", 5);
    CHECK(r.add(Method::Get, pattern + "/{p8}/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h}", 6) ==
          AddError::TooManyParams);
    Match m = run(r, Method::Get, "/1/2/3/4/5/6/7/8/a-b-c-d-e-f-g-h");
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.handler == 5);
    REQUIRE(m.param_count == 16);
    CHECK(m.params[15].name == "h");
    CHECK(m.params[15].value == "h");
}

TEST_CASE("mixed segments match hostile paths in linear time", "[router][mixed]") {
    // A backtracking regex needs ~n^7 steps here; the matcher's work is linear in the segment.
    Router r;
    add_ok(r, Method::Get, "/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h:int}", 1);
    add_ok(r, Method::Get, "/{a:float}.{b:float}.{c:uuid}x", 2);
    std::string dashes = "/" + std::string(200000, '-') + "x";
    CHECK(handler_of(r, Method::Get, dashes) == -1);
    dashes.back() = '1';
    Match m = run(r, Method::Get, dashes);
    REQUIRE(m.status == MatchStatus::Found);
    CHECK(m.params[0].value.size() == 200000 - 13); // b to g take one '-' each, h the '1'
    std::string digits = "/" + std::string(200000, '1');
    for (std::size_t i = 2; i < digits.size(); i += 3)
        digits[i] = '.';
    digits.back() = 'x';
    CHECK(handler_of(r, Method::Get, digits) == -1);
}

TEST_CASE("matching mixed segments does not allocate", "[router][mixed]") {
    Router r;
    add_ok(r, Method::Get, "/dotted/{name}.json", 1);
    add_ok(r, Method::Get, "/api/v{major:int}.{minor:int}/status", 2);
    add_ok(r, Method::Get, "/range/{start}-{end}", 3);
    add_ok(r, Method::Get, "/f/{a:float}.{b:float}", 4);
    add_ok(r, Method::Get, "/u/id-{u:uuid}.{ext}", 5);
    add_ok(r, Method::Post, "/range/{id}", 6);
    add_ok(r, Method::Get, "/{a}-{b}-{c}-{d}-{e}-{f}-{g}-{h:int}", 7);

    std::string long_segment = "/" + std::string(10000, '-') + "1";
    const std::string_view paths[] = {"/dotted/a.b.json",
                                      "/api/v1.2/status",
                                      "/api/vx.2/status",
                                      "/range/1-2-3",
                                      "/range/123",
                                      "/f/1.2.3",
                                      "/u/id-123e4567-e89b-12d3-a456-426614174000.json",
                                      "/u/id-123e4567-e89b-12d3-a456-426614174000",
                                      long_segment};
    Match m;
    long found = 0;
    long before = g_allocations.load();
    for (int round = 0; round < 10; ++round)
        for (std::string_view p : paths)
            for (std::size_t mi = 0; mi < kMethodCount; ++mi) {
                r.match(static_cast<Method>(mi), p, m);
                found += m.status == MatchStatus::Found;
            }
    CHECK(g_allocations.load() == before);
    CHECK(found == 10 * 8);
}

namespace {

// Starlette's semantics spelled out as a naive backtracking matcher over the whole path, the reference the
// trie is compared against: text byte for byte; each parameter greedy (the longest value first, then
// shorter ones), with its convertor's regex; the whole path consumed. Exponential at worst, fine for the
// short random inputs below. A float's regex tries its lengths longest first too: digits, then the
// optional fraction (longest first), then fewer digits, which cannot be followed by '.'.
struct RefPiece {
    bool param = false;
    char kind = 's'; // s, i, f, u, p: str, int, float, uuid, path
    std::string text;
};

std::vector<RefPiece> ref_compile(std::string_view pattern) {
    std::vector<RefPiece> pieces;
    std::size_t pos = 0;
    while (pos < pattern.size()) {
        std::size_t open = std::min(pattern.find('{', pos), pattern.size());
        if (open > pos) pieces.push_back({false, 's', std::string(pattern.substr(pos, open - pos))});
        if (open == pattern.size()) break;
        std::size_t close = pattern.find('}', open);
        std::string_view inner = pattern.substr(open + 1, close - open - 1);
        std::size_t colon = inner.find(':');
        char kind = colon == std::string_view::npos ? 's' : inner[colon + 1];
        pieces.push_back({true, kind == 's' ? 's' : kind, std::string(inner.substr(0, colon))});
        pos = close + 1;
    }
    return pieces;
}

bool ref_value_ok(char kind, std::string_view v) {
    auto digits = [](std::string_view s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    };
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
            if (dash ? v[i] != '-'
                     : std::string_view("0123456789abcdef").find(v[i]) == std::string_view::npos)
                return false;
        }
        return true;
    default:
        return true; // path: .*
    }
}

bool ref_match(const std::vector<RefPiece>& pieces, std::size_t i, std::string_view path,
               std::vector<std::string_view>& values) {
    if (i == pieces.size()) return path.empty();
    const RefPiece& p = pieces[i];
    if (!p.param)
        return path.substr(0, p.text.size()) == p.text &&
               ref_match(pieces, i + 1, path.substr(p.text.size()), values);
    for (std::size_t len = path.size() + 1; len-- > 0;) {
        if (!ref_value_ok(p.kind, path.substr(0, len))) continue;
        values.push_back(path.substr(0, len));
        if (ref_match(pieces, i + 1, path.substr(len), values)) return true;
        values.pop_back();
    }
    return false;
}

} // namespace

TEST_CASE("randomised patterns match like Starlette's regex", "[router][mixed]") {
    std::mt19937 rng(20261129);
    auto pick = [&](std::string_view options) { return options[rng() % options.size()]; };
    const char* kinds[] = {"", ":str", ":int", ":float", ":uuid"};
    const std::string uuid = "123e4567-e89b-12d3-a456-426614174000";
    // A value for a parameter of `kind`, usually valid, drawn from few characters so that separators recur.
    auto value = [&](std::string_view kind) {
        std::string v;
        if (kind == ":uuid" && rng() % 4 != 0) return uuid;
        std::size_t len = 1 + rng() % 4;
        for (std::size_t i = 0; i < len; ++i)
            v += kind == ":int" || kind == ":float" ? pick("0123456789.") : pick("ab.-1");
        return v;
    };
    long found = 0;
    for (int round = 0; round < 3000; ++round) {
        // A pattern of 1-3 segments: text, a parameter, or text and parameters alternating.
        std::string pattern;
        std::string sample; // a path built from the pattern, likely to match
        int params = 0;
        std::size_t segments = 1 + rng() % 3;
        for (std::size_t s = 0; s < segments; ++s) {
            pattern += "/";
            sample += "/";
            bool param_next = rng() % 2 == 0;
            std::size_t pieces = 1 + rng() % 4;
            for (std::size_t p = 0; p < pieces; ++p, param_next = !param_next) {
                if (param_next) {
                    std::string_view kind = kinds[rng() % 5];
                    pattern += "{p" + std::to_string(params++) + std::string(kind) + "}";
                    sample += value(kind);
                } else {
                    std::string text(1 + rng() % 2, ' ');
                    for (char& c : text)
                        c = pick("ab.-x");
                    pattern += text;
                    sample += text;
                }
            }
        }
        if (rng() % 4 == 0) {
            pattern += "/{tail:path}";
            sample += "/" + value("");
        }
        INFO(pattern);
        Router r;
        add_ok(r, Method::Get, pattern, 1);
        std::vector<RefPiece> ref = ref_compile(pattern);
        for (int probe = 0; probe < 8; ++probe) {
            std::string path = sample;
            if (probe > 0) // mutate: flip, drop or insert a character
                for (int k = 0; k < probe % 3 + 1; ++k) {
                    std::size_t at = rng() % path.size();
                    switch (rng() % 3) {
                    case 0:
                        path[at] = pick("ab.-1/x0");
                        break;
                    case 1:
                        if (path.size() > 1) path.erase(at, 1);
                        break;
                    default:
                        path.insert(at, 1, pick("ab.-1/x0"));
                    }
                }
            INFO(path);
            std::vector<std::string_view> expected;
            bool matches = ref_match(ref, 0, path, expected);
            Match m = run(r, Method::Get, path);
            REQUIRE((m.status == MatchStatus::Found) == matches);
            if (!matches) continue;
            ++found;
            REQUIRE(m.param_count == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i)
                CHECK(m.params[i].value == expected[i]);
        }
    }
    CHECK(found > 3000); // the probes are not all misses
}

TEST_CASE("randomised static routes each match themselves", "[router]") {
    std::mt19937 rng(20240611);
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.~";
    auto segment = [&] {
        // Short segments from a small alphabet so that routes share prefixes and first bytes.
        std::size_t len = 1 + rng() % 4;
        std::string s;
        for (std::size_t i = 0; i < len; ++i)
            s += alphabet[rng() % 8 + (rng() % 4 == 0 ? 8 : 0)];
        return s;
    };
    Router r;
    std::vector<std::string> routes;
    std::set<std::string> seen;
    while (routes.size() < 400) {
        std::string pattern;
        std::size_t depth = 1 + rng() % 5;
        for (std::size_t d = 0; d < depth; ++d)
            pattern += "/" + segment();
        if (rng() % 8 == 0) pattern += "/";
        AddError e = r.add(Method::Get, pattern, static_cast<uint32_t>(routes.size()));
        if (!seen.insert(pattern).second) {
            CHECK(e == AddError::Conflict);
            continue;
        }
        REQUIRE(e == AddError::Ok);
        routes.push_back(pattern);
    }
    CHECK(r.route_count() == routes.size());
    for (std::size_t i = 0; i < routes.size(); ++i) {
        INFO(routes[i]);
        Match m = run(r, Method::Get, routes[i]);
        REQUIRE(m.status == MatchStatus::Found);
        CHECK(m.handler == i);
        CHECK(m.param_count == 0);
        CHECK(run(r, Method::Post, routes[i]).status == MatchStatus::MethodNotAllowed);
    }
    // Random probes: found exactly when registered.
    for (int i = 0; i < 2000; ++i) {
        std::string probe;
        std::size_t depth = 1 + rng() % 5;
        for (std::size_t d = 0; d < depth; ++d)
            probe += "/" + segment();
        INFO(probe);
        bool registered = seen.count(probe) != 0;
        CHECK((run(r, Method::Get, probe).status == MatchStatus::Found) == registered);
    }
}
