"""GET /openapi.json compared whole (and byte for byte); docs_url=None gives 404; redoc on another URL.

The default /docs and /redoc pages are compared in the routing feature (that app keeps the defaults).
"""

from harness import Case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("openapi-json", "/openapi.json"),
    G("openapi-json-twice", "/openapi.json", note="cached or regenerated, the same document"),
    G("openapi-head", "/openapi.json", "HEAD"),
    G("openapi-post-405", "/openapi.json", "POST"),
    G("docs-disabled-404", "/docs"),
    G("docs-oauth2-redirect-404", "/docs/oauth2-redirect"),
    G("redoc-default-404", "/redoc"),
    G("redoc-moved", "/altredoc", body_mode="ignore"),
    G("redoc-moved-bytes", "/altredoc", body_mode="bytes"),
    G("item-route-works", "/items/3?q=abc"),
    G("item-route-422", "/items/0?q=abcdefghijkl"),
]
