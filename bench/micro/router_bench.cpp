// Router lookup: a static route and a parameter route in a typical small app, then tries of 10 to
// 10,000 routes (the last registered route looked up, so the trie's width is crossed).
#include "router/router.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using turbo::router::Match;
using turbo::router::Method;
using turbo::router::Router;

// The routes of a typical small API (bench/apps plus a few CRUD routes).
Router typical_app() {
    Router r;
    const char* patterns[] = {"/",
                              "/json",
                              "/items",
                              "/items/{item_id:int}",
                              "/users/{user_id}",
                              "/users/{user_id}/orders/{order_id:int}",
                              "/files/{path:path}",
                              "/health",
                              "/mw",
                              "/big"};
    uint32_t id = 0;
    for (const char* p : patterns)
        (void)r.add(Method::Get, p, id++);
    (void)r.add(Method::Post, "/items", id++);
    return r;
}

void run(benchmark::State& state, const Router& router, Method method, std::string_view path) {
    Match m;
    router.match(method, path, m);
    if (m.status != turbo::router::MatchStatus::Found) state.SkipWithError("no match");
    for (auto _ : state) {
        router.match(method, path, m);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_RouterStatic(benchmark::State& state) {
    run(state, typical_app(), Method::Get, "/json");
}
void BM_RouterParam(benchmark::State& state) {
    run(state, typical_app(), Method::Get, "/items/42");
}
void BM_RouterTwoParams(benchmark::State& state) {
    run(state, typical_app(), Method::Get, "/users/ada/orders/7");
}

void BM_RouterNotFound(benchmark::State& state) {
    Router r = typical_app();
    Match m;
    for (auto _ : state) {
        r.match(Method::Get, "/nothing/here", m);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
}

// N routes "/api/resource<i>" and "/api/resource<i>/{id:int}"; the last of them looked up.
Router many(int n) {
    Router r;
    for (int i = 0; i < n; ++i) {
        (void)r.add(Method::Get, "/api/resource" + std::to_string(i), 2 * i);
        (void)r.add(Method::Get, "/api/resource" + std::to_string(i) + "/{id:int}", 2 * i + 1);
    }
    return r;
}

void BM_RouterManyStatic(benchmark::State& state) {
    const int n = int(state.range(0));
    run(state, many(n), Method::Get, "/api/resource" + std::to_string(n - 1));
}
void BM_RouterManyParam(benchmark::State& state) {
    const int n = int(state.range(0));
    const std::string path = "/api/resource" + std::to_string(n - 1) + "/42";
    run(state, many(n), Method::Get, path);
}

} // namespace

BENCHMARK(BM_RouterStatic);
BENCHMARK(BM_RouterParam);
BENCHMARK(BM_RouterTwoParams);
BENCHMARK(BM_RouterNotFound);
BENCHMARK(BM_RouterManyStatic)->RangeMultiplier(10)->Range(10, 10000);
BENCHMARK(BM_RouterManyParam)->RangeMultiplier(10)->Range(10, 10000);
