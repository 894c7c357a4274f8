"""CORS, GZip and TrustedHost (native in TurboAPI): preflights, simple requests, compression of bodies,
streams and files, host checks, and what they do to router errors, 422s and the app's 500 handler."""

import gzip

from harness import Case


def gunzip(body: bytes) -> bytes:
    """The gzip header carries the time of compression: compare what it decompresses to."""
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def G(name, path, method="GET", headers=None, **kw):
    return Case(name=name, path=path, method=method, headers=headers or {}, **kw)


ORIGIN = {"Origin": "https://app.example"}
GZ = {"Accept-Encoding": "gzip, deflate"}
PRE = {**ORIGIN, "Access-Control-Request-Method": "POST"}

CASES = [
    G("cors-simple", "/small", headers=ORIGIN),
    G("cors-simple-refused-origin", "/small", headers={"Origin": "https://evil.example"}),
    G("cors-simple-with-cookie", "/small", headers={**ORIGIN, "Cookie": "s=1"}),
    G("cors-no-origin", "/small"),
    G("cors-preflight", "/both", method="OPTIONS", headers={**PRE, "Access-Control-Request-Headers": "x-token"}),
    G("cors-preflight-to-a-route-without-options", "/small", method="OPTIONS", headers=PRE),
    G("cors-preflight-bad-origin", "/both", method="OPTIONS",
      headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}),
    G("cors-preflight-bad-method", "/both", method="OPTIONS",
      headers={**ORIGIN, "Access-Control-Request-Method": "DELETE"}),
    G("cors-preflight-bad-headers", "/both", method="OPTIONS",
      headers={**PRE, "Access-Control-Request-Headers": "X-Token, X-Other"}),
    G("cors-preflight-all-bad", "/both", method="OPTIONS",
      headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT",
               "Access-Control-Request-Headers": "X-Other"}),
    G("cors-options-without-request-method", "/both", method="OPTIONS", headers=ORIGIN),
    G("cors-404", "/nowhere", headers=ORIGIN),
    G("cors-405", "/small", method="POST", headers=ORIGIN),
    G("cors-307", "/small/", headers=ORIGIN),
    G("cors-422", "/items/x", headers={**ORIGIN, **GZ}, body_mode=gunzip),
    G("cors-httpexception", "/teapot", headers={**ORIGIN, **GZ}, body_mode=gunzip),
    G("server-error-handler-outside-middleware", "/error", headers={**ORIGIN, **GZ}),
    G("gzip-small-json", "/small", headers=GZ),
    G("gzip-big-json", "/big", headers=GZ, body_mode=gunzip),
    G("gzip-big-json-not-accepted", "/big", headers={"Accept-Encoding": "br"}),
    G("gzip-text-with-cors", "/text", headers={**ORIGIN, **GZ}, body_mode=gunzip),
    G("gzip-stream", "/stream", headers=GZ, body_mode=gunzip),
    G("gzip-stream-not-accepted", "/stream"),
    G("gzip-stream-empty", "/stream-empty", headers=GZ),
    G("gzip-file-small", "/file-small", headers=GZ),
    G("gzip-file-big", "/file-big", headers=GZ, body_mode=gunzip),
    G("host-wildcard", "/small", headers={"Host": "a.good.test"}),
    G("host-wildcard-bare-domain", "/small", headers={"Host": "good.test"}),
    G("host-refused", "/small", headers={"Host": "evil.test"}),
    G("host-refused-no-route", "/nowhere", headers={"Host": "evil.test"}),
    G("host-www-redirect", "/items/1", headers={"Host": "example.org"}),
    G("host-www-redirect-port-and-query", "/small?x=1&y=2", headers={"Host": "example.org:8080"}),
    G("host-www-itself", "/small", headers={"Host": "www.example.org"}),
]
