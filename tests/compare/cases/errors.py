"""HTTPException (detail str/dict/list, headers), exception handlers for classes and for status codes,
the RequestValidationError override (400 with the errors and the body), unhandled exceptions (500)."""

from harness import Case, openapi_case

JSON = {"Content-Type": "application/json"}


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("ok", "/ok"),
    *[G(f"http-{v}", f"/http/{v}") for v in
      ["404", "400-str", "400-dict", "400-list", "400-int", "400-none", "403-default-detail", "headers",
       "401-www-authenticate", "500", "503-retry", "unicode", "async", "409-status-handler", "204", "304-headers", "999"]],
    G("custom-unicorn", "/custom/unicorn/yolo"),
    G("custom-unicorn-encoded", "/custom/unicorn/a%20b"),
    G("custom-special-unicorn-subclass", "/custom/special-unicorn"),
    G("custom-text", "/custom/text"),
    G("custom-broken-handler", "/custom/broken-handler"),
    G("unhandled-value-error", "/unhandled/value-error"),
    G("unhandled-async", "/unhandled/async"),
    G("unhandled-key-error", "/unhandled/key-error"),
    G("unhandled-bad-return", "/unhandled/bad-return"),
    G("unhandled-then-ok", "/ok", note="the worker still serves after the 500s"),
    G("status-handler-unknown-route", "/no/such/route"),
    G("status-handler-unknown-route-post", "/nothing", method="POST"),
    G("method-not-allowed", "/ok", method="DELETE"),
    G("validation-query-ok", "/validation/query?n=1"),
    G("validation-query-missing", "/validation/query"),
    G("validation-query-two", "/validation/query?n=x&m=y"),
    G("validation-path", "/validation/path/abc"),
    G("validation-body-ok", "/validation/body", method="POST", json={"name": "n", "price": 1}),
    G("validation-body-bad", "/validation/body", method="POST", json={"name": "n", "price": "p", "x": [1]}),
    G("validation-body-missing", "/validation/body", method="POST"),
    G("validation-body-bad-json", "/validation/body", method="POST", body=b'{"name":', headers=JSON),
    G("validation-body-list", "/validation/body", method="POST", json=[1, 2]),
]

CASES.append(openapi_case())
