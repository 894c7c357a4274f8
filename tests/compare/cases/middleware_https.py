"""HTTPSRedirectMiddleware (native in TurboAPI): 307 to https, default ports dropped."""

from harness import Case

CASES = [
    Case(name="https-redirect", path="/p?x=1"),
    Case(name="https-redirect-no-route", path="/nowhere"),
    Case(name="https-redirect-port-80", path="/p", headers={"Host": "testserver:80"}),
    Case(name="https-redirect-port-443", path="/p", headers={"Host": "Testserver:443"}),
    Case(name="https-redirect-other-port", path="/p", headers={"Host": "testserver:8443"}),
    Case(name="https-redirect-forwarded-proto-ignored", path="/p", headers={"X-Forwarded-Proto": "https"},
         deliberate=(307, b""), deliberate_fastapi_status=200,
         note="uvicorn (--proxy-headers, on by default) takes the scheme from X-Forwarded-Proto when the peer is "
              "127.0.0.1; turbo serve has no proxy-headers setting, its scheme is always http, as Starlette's "
              "middleware sees it without such a server"),
    Case(name="https-redirect-post", path="/p", method="POST", body=b"x"),
]
