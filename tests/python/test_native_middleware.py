"""The native middleware pipeline in-process (the TestClient runs the worker's C++ pipeline): which
middleware is native, option checking at add_middleware, RequestId/Timing/RateLimit, early answers
without Python, and answers compared with FastAPI 0.92 where Starlette has the middleware.

Run: /usr/bin/python3 -m pytest tests/python/test_native_middleware.py
"""

import gzip
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

from test_middleware import call_fastapi, load, normalize  # noqa: E402

import turboapi  # noqa: E402
from turboapi.middleware import Middleware  # noqa: E402
from turboapi.middleware.base import BaseHTTPMiddleware  # noqa: E402
from turboapi.middleware.cors import CORSMiddleware  # noqa: E402
from turboapi.middleware.gzip import GZipMiddleware  # noqa: E402
from turboapi.middleware.httpsredirect import HTTPSRedirectMiddleware  # noqa: E402
from turboapi.middleware.ratelimit import RateLimitMiddleware  # noqa: E402
from turboapi.middleware.requestid import RequestIdMiddleware  # noqa: E402
from turboapi.middleware.timing import TimingMiddleware  # noqa: E402
from turboapi.middleware.trustedhost import TrustedHostMiddleware  # noqa: E402
from turboapi.responses import PlainTextResponse  # noqa: E402
from turboapi.testclient import TestClient  # noqa: E402


def make_app(*middleware):
    app = turboapi.TurboAPI()
    calls = []

    @app.get("/")
    def root():
        calls.append("/")
        return {"ok": True}

    @app.get("/items/{item_id}")
    def item(item_id: int):
        calls.append("/items")
        return {"item_id": item_id}

    for cls, options in middleware:
        app.add_middleware(cls, **options)
    return app, calls


# --- classification and options ------------------------------------------------------------------


def test_native_classes_keep_routes_native_and_python_ones_do_not():
    app, _ = make_app((CORSMiddleware, {"allow_origins": ["*"]}), (GZipMiddleware, {}))
    assert {s["mode"] for s in app._turbo_routes() if s["path"] in ("/", "/items/{item_id}")} == {"native"}
    assert not app._turbo_route_errors_in_python()

    class Mine(CORSMiddleware):  # a subclass may override dispatch: a Python middleware
        pass

    app, _ = make_app((Mine, {"allow_origins": ["*"]}))
    assert app._turbo_middleware() == []
    assert {s["mode"] for s in app._turbo_routes() if s["path"] == "/"} == {"python"}
    assert app._turbo_route_errors_in_python()


def test_starlette_classes_are_native_too():
    from fastapi.middleware.cors import CORSMiddleware as StarletteCORS
    from fastapi.middleware.gzip import GZipMiddleware as StarletteGZip

    app, _ = make_app((StarletteCORS, {"allow_origins": ["https://a.example"]}), (StarletteGZip, {"minimum_size": 10}))
    assert [m["name"] for m in app._turbo_middleware()] == ["GZipMiddleware", "CORSMiddleware"]
    assert {s["mode"] for s in app._turbo_routes() if s["path"] == "/"} == {"native"}


def test_options_are_complete_with_starlettes_defaults():
    app = turboapi.TurboAPI(middleware=[Middleware(CORSMiddleware), Middleware(GZipMiddleware),
                                        Middleware(TrustedHostMiddleware), Middleware(HTTPSRedirectMiddleware),
                                        Middleware(RequestIdMiddleware), Middleware(TimingMiddleware),
                                        Middleware(RateLimitMiddleware)])
    assert {m["name"]: m["options"] for m in app._turbo_middleware()} == {
        "CORSMiddleware": {"allow_origins": [], "allow_methods": ["GET"], "allow_headers": [],
                           "allow_credentials": False, "allow_origin_regex": "", "expose_headers": [],
                           "max_age": 600},
        "GZipMiddleware": {"minimum_size": 500, "compresslevel": 9},
        "TrustedHostMiddleware": {"allowed_hosts": ["*"], "www_redirect": True},
        "HTTPSRedirectMiddleware": {},
        "RequestIdMiddleware": {"header_name": "X-Request-ID", "max_length": 64},
        "TimingMiddleware": {"metric_name": "app"},
        "RateLimitMiddleware": {"rate_per_second": 10.0, "burst": 20, "trusted_proxies": []},
    }


@pytest.mark.parametrize("cls, options, error, message", [
    (CORSMiddleware, {"allow_origins": "https://a.example"}, TypeError,
     "CORSMiddleware: allow_origins must be a list of strings, not 'https://a.example'"),
    (CORSMiddleware, {"allow_methods": ["GET", 1]}, TypeError, "CORSMiddleware: allow_methods item must be a str"),
    (CORSMiddleware, {"expose_headers": ["X-A\r\nX-B: 1"]}, ValueError, "must not contain CR, LF or NUL"),
    (CORSMiddleware, {"allow_credentials": "yes"}, TypeError, "allow_credentials must be True or False"),
    (CORSMiddleware, {"allow_origin_regex": "("}, ValueError, "CORSMiddleware: allow_origin_regex does not compile"),
    (CORSMiddleware, {"max_age": -1}, ValueError, "CORSMiddleware: max_age must be between 0 and"),
    (CORSMiddleware, {"allow_origin": ["*"]}, TypeError, "CORSMiddleware: unknown option 'allow_origin'"),
    (GZipMiddleware, {"minimum_size": "500"}, TypeError, "GZipMiddleware: minimum_size must be an int"),
    (GZipMiddleware, {"compresslevel": 0}, ValueError, "GZipMiddleware: compresslevel must be between 1 and 9, got 0"),
    (TrustedHostMiddleware, {"allowed_hosts": ["*.a.*"]}, ValueError, "Domain wildcard patterns must be like"),
    (TrustedHostMiddleware, {"allowed_hosts": ["a*b.com"]}, ValueError, "Domain wildcard patterns must be like"),
    (TrustedHostMiddleware, {"www_redirect": 1}, TypeError, "www_redirect must be True or False"),
    (HTTPSRedirectMiddleware, {"port": 443}, TypeError, "HTTPSRedirectMiddleware: unknown option 'port' (it takes none)"),
    (RequestIdMiddleware, {"header_name": "X Request"}, ValueError, "header_name must be a header name"),
    (RequestIdMiddleware, {"max_length": 16}, ValueError, "max_length must be between 32 and 128, got 16"),
    (TimingMiddleware, {"metric_name": "a;b"}, ValueError, "metric_name must be an HTTP token"),
    (RateLimitMiddleware, {"rate_per_second": 0}, ValueError, "rate_per_second must be above 0"),
    (RateLimitMiddleware, {"rate_per_second": True}, TypeError, "rate_per_second must be a number"),
    (RateLimitMiddleware, {"burst": 0}, ValueError, "RateLimitMiddleware: burst must be between 1 and 1000000, got 0"),
    (RateLimitMiddleware, {"burst": 2.5}, TypeError, "burst must be an int"),
    (RateLimitMiddleware, {"trusted_proxies": ["10.0.0.0/33"]}, ValueError, "'10.0.0.0/33' is not an IPv4/IPv6 network"),
    (RateLimitMiddleware, {"trusted_proxies": "10.0.0.1"}, TypeError, "trusted_proxies must be a list of strings"),
])
def test_bad_options_raise_at_add_middleware(cls, options, error, message):
    app = turboapi.TurboAPI()
    with pytest.raises(error) as info:
        app.add_middleware(cls, **options)
    assert message in str(info.value)
    assert app.user_middleware == []


def test_bad_options_in_the_constructor_raise_at_start_up():
    app = turboapi.TurboAPI(middleware=[Middleware(GZipMiddleware, compresslevel=10)])
    with pytest.raises(ValueError, match="GZipMiddleware: compresslevel must be between 1 and 9"):
        TestClient(app)


def test_a_regex_only_python_understands_is_refused_by_the_worker():
    app, _ = make_app((CORSMiddleware, {"allow_origin_regex": r"(?P<name>a+)"}))
    with pytest.raises(RuntimeError, match="CORSMiddleware: allow_origin_regex does not compile"):
        TestClient(app)


def test_native_only_middleware_cannot_be_subclassed_or_run_in_python():
    class MyLimit(RateLimitMiddleware):
        pass

    app = turboapi.TurboAPI()
    with pytest.raises(TypeError, match="MyLimit: RateLimitMiddleware runs natively only and cannot be subclassed"):
        app.add_middleware(MyLimit)
    with pytest.raises(RuntimeError, match="runs only in the worker's native pipeline"):
        import asyncio

        asyncio.new_event_loop().run_until_complete(RequestIdMiddleware(None)(None))


def test_the_same_native_middleware_twice_is_refused():
    app, _ = make_app((GZipMiddleware, {}), (GZipMiddleware, {"minimum_size": 10}))
    with pytest.raises(RuntimeError, match="GZipMiddleware is configured twice"):
        TestClient(app)


# --- request id, timing, rate limit through the TestClient -------------------------------------


def test_request_id_and_timing():
    app, _ = make_app((RequestIdMiddleware, {"header_name": "X-Trace", "max_length": 36}), (TimingMiddleware, {}))
    client = TestClient(app)
    r = client.get("/", headers={"x-trace": "0f8fad5b-d9cb-469f-a165-70867728950e"})
    assert r.headers["x-trace"] == "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert re.fullmatch(r"app;dur=\d+\.\d{3}", r.headers["server-timing"])
    r = client.get("/", headers={"x-trace": "0f8fad5b-d9cb-469f-a165-70867728950e!"})  # 37 characters
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-trace"])
    r = client.get("/items/x")  # the 422 too
    assert r.status_code == 422 and re.fullmatch(r"[0-9a-f]{32}", r.headers["x-trace"]) and r.headers["server-timing"]


def test_rate_limit_without_python():
    app, calls = make_app((RateLimitMiddleware, {"rate_per_second": 0.001, "burst": 3}))
    client = TestClient(app)
    assert [client.get("/").status_code for _ in range(5)] == [200, 200, 200, 429, 429]
    assert calls == ["/"] * 3
    r = client.get("/items/1")
    assert r.status_code == 429 and r.text == "Too Many Requests" and r.headers["retry-after"] == "1000"
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert calls == ["/"] * 3


def test_early_answers_skip_python_middleware():
    app, calls = make_app((TrustedHostMiddleware, {"allowed_hosts": ["good.test"]}),
                          (CORSMiddleware, {"allow_origins": ["https://a.example"]}))
    seen = []

    @app.middleware("http")
    async def python_layer(request, call_next):
        seen.append(request.url.path)
        return await call_next(request)

    client = TestClient(app, base_url="http://good.test")
    assert client.get("/").status_code == 200 and seen == ["/"]
    r = client.options("/", headers={"origin": "https://a.example", "access-control-request-method": "GET"})
    assert r.status_code == 200 and r.text == "OK"
    r = client.get("/", headers={"host": "evil.test"})
    assert r.status_code == 400 and r.text == "Invalid host header"
    assert seen == ["/"] and calls == ["/"]


def test_gzip_stream_through_the_testclient():
    from turboapi.responses import StreamingResponse

    app, _ = make_app((GZipMiddleware, {"minimum_size": 10_000}))

    @app.get("/s")
    def s():
        return StreamingResponse(iter([b"a" * 100, b"", b"b" * 100]), media_type="text/plain")

    @app.get("/empty")
    def empty():
        return StreamingResponse(iter(()), media_type="text/plain")

    @app.get("/fails")
    def fails():
        def gen():
            raise ValueError("no first chunk")
            yield b""

        return StreamingResponse(gen())

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/s", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and "content-length" not in r.headers
    assert r.content == b"a" * 100 + b"b" * 100  # decoded by the TestClient, as httpx does
    r = client.get("/s")
    assert r.content == b"a" * 100 + b"b" * 100 and "content-encoding" not in r.headers
    r = client.get("/empty", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.content == b"" and "content-encoding" not in r.headers
    # A generator that fails before its first chunk: nothing was sent, so it is the 500.
    r = client.get("/fails", headers={"accept-encoding": "gzip"})
    assert r.status_code == 500 and r.text == "Internal Server Error"
    with pytest.raises(ValueError, match="no first chunk"):
        TestClient(app).get("/fails", headers={"accept-encoding": "gzip"})


# --- compared with FastAPI 0.92 ------------------------------------------------------------------

APP_NATIVE = '''
import os
from turboapi import TurboAPI, HTTPException
from turboapi.responses import FileResponse, PlainTextResponse, StreamingResponse, Response
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware
from turboapi.middleware.trustedhost import TrustedHostMiddleware

ORDER = []
SMALL = os.environ["NATIVE_MW_SMALL_FILE"]
BIG = os.environ["NATIVE_MW_BIG_FILE"]
app = TurboAPI()
app.add_middleware(GZipMiddleware, minimum_size=50)
app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"], allow_methods=["GET", "POST"],
                   expose_headers=["x-e"], allow_credentials=True)
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "www.example.org"])


@app.exception_handler(Exception)
def server_error(request, exc):
    return PlainTextResponse("custom 500 " + "x" * 100, status_code=500)


@app.get("/p")
def p(q: int = 0):
    return {"q": q, "pad": "y" * 100}


@app.get("/teapot")
def teapot():
    raise HTTPException(418, "tea " * 30, headers={"x-tea": "1"})


@app.get("/error")
def error():
    raise RuntimeError("boom")


@app.get("/stream")
def stream():
    return StreamingResponse(iter([b"one ", b"two ", b"three"]), media_type="text/plain")


@app.get("/empty-stream")
def empty_stream():
    return StreamingResponse(iter([]), media_type="text/plain")


@app.get("/small-file")
def small_file():
    return FileResponse(SMALL)


@app.get("/big-file")
def big_file():
    return FileResponse(BIG)


@app.get("/tiny-file")
def tiny_file():
    return FileResponse(SMALL + ".tiny")


@app.get("/no-content", status_code=204)
def no_content():
    return Response(status_code=204)
'''

GZ = [("accept-encoding", "gzip")]
ORIGIN = [("origin", "https://a.example")]
NATIVE_CASES = [
    ("GET", "/p", "q=1", GZ + ORIGIN),
    ("GET", "/p", "q=x", GZ + ORIGIN),  # 422 through CORS and GZip
    ("GET", "/nowhere", "", GZ + ORIGIN),  # router 404
    ("POST", "/p", "", ORIGIN),  # router 405
    ("GET", "/p/", "", ORIGIN),  # router 307
    ("GET", "/teapot", "", GZ + ORIGIN),  # HTTPException, answered inside the middleware
    ("GET", "/error", "", GZ + ORIGIN),  # the app's Exception handler: outside every middleware
    ("GET", "/stream", "", GZ + ORIGIN),
    ("GET", "/empty-stream", "", GZ),
    ("GET", "/small-file", "", GZ),
    ("GET", "/tiny-file", "", GZ),
    ("GET", "/big-file", "", GZ),
    ("GET", "/no-content", "", GZ + ORIGIN),
    ("OPTIONS", "/p", "", ORIGIN + [("access-control-request-method", "POST")]),
    ("OPTIONS", "/p", "", [("origin", "https://b.example"), ("access-control-request-method", "PUT")]),
    ("GET", "/p", "", [("host", "evil.test")]),
    ("GET", "/a%20b/c", "x=1", [("host", "example.org")]),  # www redirect, the path quoted again
]


@pytest.fixture(scope="module")
def native_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    (d / "small.txt").write_bytes(b"small file " * 400)  # 4400 bytes: one body message in Starlette
    (d / "small.txt.tiny").write_bytes(b"tiny")
    (d / "big.txt").write_bytes(b"big file line\n" * 10000)  # 140 KB: streamed
    os.environ["NATIVE_MW_SMALL_FILE"] = str(d / "small.txt")
    os.environ["NATIVE_MW_BIG_FILE"] = str(d / "big.txt")
    t, f = load(APP_NATIVE, "turbo"), load(APP_NATIVE, "fastapi")
    return t, f, TestClient(t.app, raise_server_exceptions=False, follow_redirects=False)


def strip_volatile(normalized):
    status, headers, body = normalized
    # etag/last-modified come from the same file; both frameworks compute them the same way
    return status, [(k, v) for k, v in headers if k not in ("etag", "last-modified")], body


@pytest.mark.parametrize("case", range(len(NATIVE_CASES)))
def test_native_pipeline_same_as_fastapi(native_pair, case):
    method, path, query, headers = NATIVE_CASES[case]
    t, f, client = native_pair
    if not any(k == "host" for k, _ in headers):
        headers = [("host", "testserver")] + headers
    url = path + ("?" + query if query else "")
    r = client.request(method, url, headers=dict(headers))
    ours = strip_volatile(normalize(r.status_code, list(r.headers.items()), r.content))
    theirs = strip_volatile(normalize(*call_fastapi(f.app, method, path, query, headers, b"")))
    assert ours == theirs
    # Compressed or not as FastAPI decided. (The TestClient decodes gzip as httpx does; the exact
    # content-length of a compressed body is checked over sockets in tests/e2e/test_middleware_native.py.)
