"""Routers, include_router prefixes, router/app/decorator dependencies, Depends in all its forms."""

from harness import Case, openapi_case

TOKEN = {"X-Token": "fake-super-secret-token"}
KEY = {"X-Key": "fake-super-secret-key"}


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("root", "/"),
    G("global-dep-blocks", "/", headers={"X-Block": "yes"}),
    G("global-dep-blocks-404-first", "/nope", headers={"X-Block": "yes"}),
    G("function-defaults", "/deps/function"),
    G("function-set", "/deps/function?q=x&skip=2&limit=3"),
    G("function-bad", "/deps/function?skip=x&limit=y"),
    G("function-constraint", "/deps/function?limit=1001"),
    G("class", "/deps/class?q=c&skip=1"),
    G("class-bad", "/deps/class?limit=x"),
    G("class-shortcut", "/deps/class-shortcut?limit=5"),
    G("class-shortcut-bad", "/deps/class-shortcut?skip=1.5"),
    G("sub-query", "/deps/sub?q=fromquery"),
    G("sub-cookie", "/deps/sub", headers={"Cookie": "last_query=fromcookie"}),
    G("sub-none", "/deps/sub"),
    G("cache", "/deps/cache"),
    G("no-cache", "/deps/no-cache"),
    G("events-reset", "/deps/events", body_mode="ignore"),
    G("yield", "/deps/yield"),
    G("yield-events", "/deps/events", note="clean-up of both yield dependencies ran after the response"),
    G("yield-raises", "/deps/yield-raises"),
    G("yield-raises-events", "/deps/events", note="the dependency saw the HTTPException, then closed"),
    G("request-dep", "/deps/request"),
    G("failing-ok", "/deps/failing?n=1"),
    G("failing-raises", "/deps/failing?n=-1"),
    G("failing-missing", "/deps/failing"),
    G("order-all-wrong", "/deps/order?own=x&skip=y&limit=z", note="dependency errors come before the endpoint's"),
    G("callable-instance-yes", "/deps/callable-instance?q=foobarbaz"),
    G("callable-instance-no", "/deps/callable-instance"),
    G("shared-param-ok", "/deps/shared-param?token=t"),
    G("shared-param-missing", "/deps/shared-param", note="two dependencies need the same query parameter"),
    G("shared-param-bad-extra", "/deps/shared-param?extra=x"),
    G("model-as-query", "/deps/model-as-query?q=x&page=2"),
    G("model-as-query-defaults", "/deps/model-as-query"),
    G("model-as-query-bad", "/deps/model-as-query?page=two"),
    G("decorator-ok", "/deps/decorator", headers={**TOKEN, **KEY}),
    G("decorator-missing-both", "/deps/decorator"),
    G("decorator-wrong-token", "/deps/decorator", headers={"X-Token": "bad", **KEY}),
    G("decorator-wrong-key", "/deps/decorator", headers={**TOKEN, "X-Key": "bad"}),
    G("items", "/items/", headers=TOKEN),
    G("items-no-slash-redirect", "/items", headers=TOKEN),
    G("items-missing-token", "/items/"),
    G("items-bad-token", "/items/", headers={"X-Token": "x"}),
    G("item-foo", "/items/foo", headers=TOKEN),
    G("item-other-404", "/items/bar", headers=TOKEN),
    G("item-put", "/items/foo?skip=4", "PUT", headers=TOKEN),
    G("item-put-missing-token-and-bad-query", "/items/foo?skip=x", "PUT"),
    G("users", "/users/"),
    G("users-me", "/users/me"),
    G("users-name", "/users/rick"),
    G("users-no-slash", "/users"),
    G("nested-parent", "/v1/parent/self", headers=KEY),
    G("nested-child", "/v1/parent/child/leaf", headers=KEY),
    G("nested-child-missing-key", "/v1/parent/child/leaf"),
    G("nested-without-prefix-404", "/parent/child/leaf", headers=KEY),
    G("admin", "/admin/", "POST", headers=TOKEN),
    G("admin-missing-token", "/admin/", "POST"),
    G("admin-get-405", "/admin/", headers=TOKEN),
]

CASES.append(openapi_case())
