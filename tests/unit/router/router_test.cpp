// Unit tests for router/router.h.
#include "router/router.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <set>
#include <string>
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
        {"/files/{name}.txt", AddError::MixedSegment},
        {"/files/v{n}", AddError::MixedSegment},
        {"/files/{a}{b}", AddError::MixedSegment},
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
    CHECK(run(r, Method::Get, "/files/v1").status == MatchStatus::NotFound);
    CHECK(r.add(static_cast<Method>(kMethodCount), "/a", 1) == AddError::InvalidMethod);

    CHECK(error_message(AddError::Ok) == "ok");
    CHECK(error_message(AddError::MissingLeadingSlash) == "route pattern must start with '/'");
    CHECK(error_message(AddError::MixedSegment).find("mixes text") != std::string_view::npos);
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
