"""Python middleware against FastAPI 0.92: the same app source runs on both (imports swapped); requests go
through FastAPI's ASGI app and through turboapi's TestClient (the worker's C++ dispatch), and status,
headers and (decompressed) body must match, as must the order the middleware ran in.

Run: /usr/bin/python3 -m pytest tests/python/test_middleware.py
"""

import asyncio
import gzip
import inspect
import os
import sys
import types

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

fastapi = pytest.importorskip("fastapi")

import turboapi  # noqa: E402
import turboapi.middleware.cors  # noqa: E402
from turboapi._internal import worker_loop  # noqa: E402
from turboapi.testclient import TestClient  # noqa: E402

APP = '''
import asyncio
from turboapi import TurboAPI, HTTPException, Request
from turboapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from turboapi.middleware.base import BaseHTTPMiddleware
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware

ORDER = []
app = TurboAPI()


class Label(BaseHTTPMiddleware):
    def __init__(self, app, label="t"):
        super().__init__(app)
        self.label = label

    async def dispatch(self, request, call_next):
        ORDER.append(self.label + ":in")
        response = await call_next(request)
        ORDER.append(self.label + ":out")
        response.headers["x-" + self.label] = str(response.status_code)
        return response


@app.middleware("http")
async def inner(request: Request, call_next):
    ORDER.append("inner:in")
    if request.url.path == "/short" or request.query_params.get("short"):
        return PlainTextResponse("short", status_code=203)
    if request.url.path == "/mw-error" or request.query_params.get("boom"):
        raise RuntimeError("boom in middleware")
    request.state.user = "alice"
    response = await call_next(request)
    ORDER.append("inner:out")
    response.headers["x-inner"] = "1"
    if request.url.path == "/replace":
        return JSONResponse({"replaced": response.status_code}, status_code=202)
    return response


app.add_middleware(Label, label="outer")
app.add_middleware(GZipMiddleware, minimum_size=100)
app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"], allow_methods=["GET", "POST"],
                   allow_headers=["x-token"], allow_credentials=True, expose_headers=["x-inner"], max_age=60)


@app.get("/hello")
def hello():
    return {"hello": "world"}


@app.get("/big")
def big():
    return PlainTextResponse("x" * 1000)


@app.get("/json-big")
async def json_big():
    return {"items": list(range(200))}


@app.get("/stream")
def stream():
    def gen():
        for i in range(5):
            yield ("chunk %d " % i) * 10
    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/astream")
async def astream():
    async def gen():
        for i in range(3):
            await asyncio.sleep(0)
            yield b"abc" * i
    return StreamingResponse(gen(), media_type="application/octet-stream")


@app.get("/user")
def user(request: Request):
    return {"user": request.state.user}


@app.get("/teapot")
def teapot():
    raise HTTPException(status_code=418, detail="tea", headers={"x-tea": "yes"})


@app.get("/items/{item_id}")
def item(item_id: int):
    return {"item_id": item_id}


@app.get("/error")
def error():
    raise RuntimeError("boom in route")


@app.get("/replace")
def replace():
    return {"a": 1}


@app.post("/echo")
async def echo(request: Request):
    return {"got": (await request.body()).decode()}
'''

APP_HOSTS = '''
from turboapi import TurboAPI
from turboapi.middleware.trustedhost import TrustedHostMiddleware
ORDER = []
app = TurboAPI()
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "www.example.org", "*.good.test"])

@app.get("/p")
def p(q: str = ""):
    return {"q": q}
'''

APP_HTTPS = '''
from turboapi import TurboAPI
from turboapi.middleware.httpsredirect import HTTPSRedirectMiddleware
ORDER = []
app = TurboAPI()
app.add_middleware(HTTPSRedirectMiddleware)

@app.get("/p")
def p():
    return {}
'''

APP_CORS_ALL = '''
from turboapi import TurboAPI
from turboapi.middleware.cors import CORSMiddleware
ORDER = []
app = TurboAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])

@app.get("/p")
def p():
    return {}
'''

APP_CORS_REGEX = '''
from turboapi import TurboAPI
from turboapi.middleware import Middleware
from turboapi.middleware.cors import CORSMiddleware
ORDER = []
app = TurboAPI(middleware=[Middleware(CORSMiddleware, allow_origin_regex=r"https://.*\\\\.ok\\\\.test")])

@app.get("/p")
def p():
    return {}
'''

APP_HANDLERS = '''
from turboapi import TurboAPI, HTTPException
from turboapi.responses import JSONResponse, PlainTextResponse
ORDER = []
app = TurboAPI()


@app.middleware("http")
async def mark(request, call_next):
    ORDER.append("mw")
    response = await call_next(request)
    response.headers["x-mw"] = "1"
    return response


class Handled(Exception):
    pass


@app.exception_handler(Handled)
def handled(request, exc):
    return JSONResponse({"handled": True}, status_code=409)


@app.exception_handler(Exception)
def server_error(request, exc):
    return PlainTextResponse("custom 500", status_code=500)


@app.exception_handler(404)
def not_found(request, exc):
    return JSONResponse({"nf": request.url.path}, status_code=404)


@app.get("/handled")
def r_handled():
    raise Handled()


@app.get("/unhandled")
def r_unhandled():
    raise ValueError("no handler but Exception's")


@app.get("/missing")
def r_missing():
    raise HTTPException(404)
'''


def load(src, flavor):
    if flavor == "fastapi":
        src = src.replace("turboapi.middleware.base", "starlette.middleware.base")
        src = src.replace("TurboAPI", "FastAPI").replace("turboapi", "fastapi")
    mod = types.ModuleType(f"mw_app_{flavor}_{abs(hash(src))}")
    exec(compile(src, mod.__name__, "exec"), mod.__dict__)
    return mod


def call_fastapi(app, method, path, query, headers, body):
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(), "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
             "client": ("testclient", 50000), "server": ("testserver", 80), "scheme": "http",
             "http_version": "1.1", "asgi": {"version": "3.0"}}
    sent = {"body": b"", "status": None}
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(m):
        if m["type"] == "http.response.start":
            sent["status"] = m["status"]
            sent["headers"] = [(k.decode().lower(), v.decode()) for k, v in m["headers"]]
        else:
            sent["body"] += m.get("body", b"")

    try:
        asyncio.new_event_loop().run_until_complete(app(scope, receive, send))
    except Exception:  # noqa: BLE001 - ServerErrorMiddleware re-raises after answering
        if sent["status"] is None:
            raise
    return sent["status"], sent["headers"], sent["body"]


def normalize(status, headers, body):
    headers = [(k.lower(), v) for k, v in headers if k.lower() not in ("content-length", "date", "server")]
    if ("content-encoding", "gzip") in headers and body[:2] == b"\x1f\x8b":  # the TestClient decodes
        body = gzip.decompress(body)
    return status, sorted(headers), body


@pytest.fixture(scope="module")
def pairs():
    return {}


def get_pair(pairs, src):
    if src not in pairs:
        t = load(src, "turbo")
        f = load(src, "fastapi")
        pairs[src] = (t, f, TestClient(t.app, raise_server_exceptions=False, follow_redirects=False))
    return pairs[src]


def both(pairs, src, method, path, query="", headers=(), body=b""):
    t, f, client = get_pair(pairs, src)
    headers = [("host", "testserver")] + list(headers)
    t.ORDER.clear()
    f.ORDER.clear()
    url = path + ("?" + query if query else "")
    r = client.request(method, url, headers=dict(headers), content=body)
    ours = normalize(r.status_code, list(r.headers.items()) if not hasattr(r, "_raw") else r._raw, r.content)
    theirs = normalize(*call_fastapi(f.app, method, path, query, headers, body))
    return ours, theirs, list(t.ORDER), list(f.ORDER)


GZ = [("accept-encoding", "gzip, deflate")]
ORIGIN = [("origin", "https://a.example")]
CASES = [
    (APP, "GET", "/hello", "", []),
    (APP, "GET", "/hello", "", GZ),
    (APP, "GET", "/big", "", []),
    (APP, "GET", "/big", "", GZ),
    (APP, "GET", "/big", "", [("accept-encoding", "br")]),
    (APP, "GET", "/json-big", "", GZ),
    (APP, "GET", "/stream", "", GZ),
    (APP, "GET", "/stream", "", []),
    (APP, "GET", "/astream", "", GZ),
    (APP, "GET", "/user", "", []),
    (APP, "GET", "/teapot", "", ORIGIN),
    (APP, "GET", "/items/x", "", GZ),
    (APP, "GET", "/items/3", "", ORIGIN + [("cookie", "a=b")]),
    (APP, "GET", "/hello", "short=1", ORIGIN),
    (APP, "GET", "/replace", "", []),
    (APP, "GET", "/hello", "boom=1", GZ),
    (APP, "GET", "/error", "", ORIGIN),
    (APP, "GET", "/hello", "", [("origin", "https://evil.example")]),
    (APP, "POST", "/echo", "", ORIGIN, ),
    (APP_HOSTS, "GET", "/p", "q=1", [("host", "example.com")]),
    (APP_HOSTS, "GET", "/p", "q=1", [("host", "example.com:8080")]),
    (APP_HOSTS, "GET", "/p", "q=1", [("host", "evil.com")]),
    (APP_HOSTS, "GET", "/p", "q=1", [("host", "example.org")]),
    (APP_HOSTS, "GET", "/p", "", [("host", "a.good.test")]),
    (APP_HTTPS, "GET", "/p", "x=1", [("host", "example.com")]),
    (APP_HTTPS, "GET", "/p", "", [("host", "example.com:80")]),
    (APP_HTTPS, "GET", "/p", "", [("host", "example.com:8443")]),
    (APP_CORS_ALL, "GET", "/p", "", ORIGIN),
    (APP_CORS_ALL, "GET", "/p", "", ORIGIN + [("cookie", "s=1")]),
    (APP_CORS_REGEX, "GET", "/p", "", [("origin", "https://x.ok.test")]),
    (APP_CORS_REGEX, "GET", "/p", "", [("origin", "https://x.ok.test.evil")]),
    (APP_HANDLERS, "GET", "/handled", "", []),
    (APP_HANDLERS, "GET", "/unhandled", "", []),
    (APP_HANDLERS, "GET", "/missing", "", []),
]


# Answers that need the router's 404 / 405 / 307 (CORS preflights to routes without OPTIONS, a
# middleware answering for a path with no route...): through app._turbo_http_error, which the worker
# calls for every router error when app._turbo_route_errors_in_python() is true.
ROUTER_CASES = [
    (APP, "OPTIONS", "/hello", "", ORIGIN + [("access-control-request-method", "POST")]),
    (APP, "OPTIONS", "/hello", "", ORIGIN + [("access-control-request-method", "PUT"),
                                             ("access-control-request-headers", "X-Token, x-other")]),
    (APP, "OPTIONS", "/hello", "", [("origin", "https://evil.example"), ("access-control-request-method", "GET"),
                                    ("access-control-request-headers", "x-token")]),
    (APP_CORS_ALL, "OPTIONS", "/p", "", ORIGIN + [("access-control-request-method", "DELETE"),
                                                  ("access-control-request-headers", "X-Anything")]),
    (APP_CORS_REGEX, "OPTIONS", "/p", "", [("origin", "https://x.ok.test"), ("access-control-request-method", "GET")]),
    (APP, "GET", "/short", "", ORIGIN),
    (APP, "GET", "/nowhere", "", GZ),
    (APP, "DELETE", "/hello", "", ORIGIN),
    (APP, "GET", "/hello/", "a=1", []),
    (APP_HANDLERS, "GET", "/nowhere", "", []),
    (APP_HANDLERS, "PUT", "/handled", "", []),
    (APP_HTTPS, "GET", "/nowhere", "", [("host", "example.com")]),
]

ROUTER_ERROR = {"/short": 404, "/nowhere": 404, "/hello/": 307}


class RequestData:
    """The pure-Python stand-in for turboapi._native.RequestData."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.raw_path = path.encode()
        self.query_string = query.encode()
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        self.body = body
        self.client = ("testclient", 50000)
        self.http_version = "1.1"
        self.path_params = {}


def call_hook(app, method, path, query, headers):
    status = ROUTER_ERROR.get(path, 405)
    hdrs = {"allow": "GET"} if status == 405 else None
    if status == 307:
        hdrs = {"location": "http://testserver" + path.rstrip("/") + ("?" + query if query else "")}
    assert app._turbo_route_errors_in_python()
    r = app._turbo_http_error(RequestData(method, path, query, headers, b""), status, hdrs)
    if inspect.isawaitable(r):  # a Response at once when nothing in the stack awaits
        r = worker_loop().run_until_complete(r)
    return r.status_code, list(r.raw_headers), r.body


# The hook runs the Python middleware only: native middleware (CORS, GZip, ...) wraps it in C++, which
# the TestClient variant below goes through. So the hook alone matches FastAPI for the apps whose
# middleware is all Python.
NATIVE_NAMES = ("CORSMiddleware", "GZipMiddleware", "TrustedHostMiddleware", "HTTPSRedirectMiddleware")
HOOK_CASES = [c for c in ROUTER_CASES if not any(n in c[0] for n in NATIVE_NAMES)]


@pytest.mark.parametrize("case", range(len(HOOK_CASES)))
def test_router_errors_through_middleware_hook(pairs, case):
    src, method, path, query, headers = HOOK_CASES[case]
    t, f, _ = get_pair(pairs, src)
    headers = ([] if any(k == "host" for k, _ in headers) else [("host", "testserver")]) + list(headers)
    t.ORDER.clear()
    f.ORDER.clear()
    ours = normalize(*call_hook(t.app, method, path, query, headers))
    order = list(t.ORDER)
    theirs = normalize(*call_fastapi(f.app, method, path, query, headers, b""))
    assert ours == theirs
    assert order == f.ORDER


@pytest.mark.parametrize("case", range(len(ROUTER_CASES)))
def test_router_errors_through_middleware_testclient(pairs, case):
    src, method, path, query, headers = ROUTER_CASES[case]
    t, f, client = get_pair(pairs, src)
    headers = ([] if any(k == "host" for k, _ in headers) else [("host", "testserver")]) + list(headers)
    url = path + ("?" + query if query else "")
    r = client.request(method, url, headers=dict(headers))
    ours = normalize(r.status_code, list(r.headers.items()), r.content)
    theirs = normalize(*call_fastapi(f.app, method, path, query, headers, b""))
    assert ours == theirs


@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_as_fastapi(pairs, case):
    src, method, path, query, headers = CASES[case]
    if any(k == "host" for k, _ in headers):
        t, f, client = get_pair(pairs, src)
        t.ORDER.clear()
        f.ORDER.clear()
        url = path + ("?" + query if query else "")
        r = client.request(method, url, headers=dict(headers))
        ours = normalize(r.status_code, list(r.headers.items()), r.content)
        theirs = normalize(*call_fastapi(f.app, method, path, query, list(headers), b""))
        order = (list(t.ORDER), list(f.ORDER))
    else:
        ours, theirs, *order = both(pairs, src, method, path, query, headers,
                                    b"payload" if method == "POST" else b"")
    assert ours == theirs
    assert order[0] == order[1]


def test_every_route_is_python_mode_with_middleware(pairs):
    t, _, _ = get_pair(pairs, APP)
    assert {spec["mode"] for spec in t.app._turbo_routes()} == {"python"}
    plain = turboapi.TurboAPI()

    @plain.get("/a")
    def a(i: int):
        return i

    assert [s["mode"] for s in plain._turbo_routes() if s["path"] == "/a"] == ["native"]
    assert not plain._turbo_route_errors_in_python()
    assert plain._turbo_http_error(RequestData("GET", "/x", "", [], b""), 307, {"location": "http://h/x/"}) is None


def test_stack_is_built_once_and_add_after_start_fails():
    app = turboapi.TurboAPI()
    built = []

    from turboapi.middleware.base import BaseHTTPMiddleware

    class Counting(BaseHTTPMiddleware):
        def __init__(self, app):
            super().__init__(app)
            built.append(1)

        async def dispatch(self, request, call_next):
            return await call_next(request)

    app.add_middleware(Counting)
    for p in ("/a", "/b", "/c"):
        app.get(p)(lambda: {})
    client = TestClient(app)
    assert client.get("/a").json() == {} and client.get("/b").json() == {}
    assert built == [1]
    with pytest.raises(RuntimeError):
        app.add_middleware(Counting)


def test_exception_in_middleware_is_raised_by_the_testclient(pairs):
    t, _, _ = get_pair(pairs, APP)
    with pytest.raises(RuntimeError, match="boom in middleware"):
        TestClient(t.app).get("/hello?boom=1")
    with pytest.raises(RuntimeError, match="boom in route"):
        TestClient(t.app).get("/error")


def test_gzip_streams_chunk_by_chunk():
    from turboapi.middleware.gzip import GZipMiddleware
    from turboapi.responses import StreamingResponse

    pieces = [b"a" * 1000, b"b" * 1000, b"c" * 1000]
    seen = []

    def gen():
        for p in pieces:
            seen.append(p)
            yield p

    async def inner(request):
        return StreamingResponse(gen(), media_type="text/plain", headers={"content-length": "3000"})

    mw = GZipMiddleware(inner, minimum_size=10_000)
    from turboapi.requests import Request

    req = Request(RequestData("GET", "/", "", [("accept-encoding", "gzip")], b""))
    response = worker_loop().run_until_complete(mw(req))
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in response.headers
    it = iter(response.body_iterator)
    out = [next(it)]
    assert len(seen) == 1  # compressed as it comes, not collected first
    out.extend(it)
    assert gzip.decompress(b"".join(out)) == b"".join(pieces)


def test_starlette_imports_map_to_ours():
    """A FastAPI app's `from fastapi.middleware.cors import CORSMiddleware` runs on turboapi too."""
    from fastapi.middleware.cors import CORSMiddleware as StarletteCORS

    app = turboapi.TurboAPI()
    app.add_middleware(StarletteCORS, allow_origins=["*"])

    @app.get("/p")
    def p():
        return {}

    r = TestClient(app).get("/p", headers={"origin": "https://x"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_unsupported_middleware_fails_at_start_up():
    class PureASGI:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            await self.app(scope, receive, send)

    app = turboapi.TurboAPI()
    app.add_middleware(PureASGI)
    app.get("/")(lambda: {})
    with pytest.raises(TypeError, match="pure ASGI"):
        app._turbo_routes()
    with pytest.raises(AssertionError):
        app.middleware("websocket")


def test_request_body_read_in_middleware_is_still_the_routes():
    app = turboapi.TurboAPI()
    seen = []

    @app.middleware("http")
    async def peek(request, call_next):
        seen.append(await request.body())
        return await call_next(request)

    @app.post("/e")
    def e(body: dict):
        return body

    r = TestClient(app).post("/e", json={"a": 1})
    assert r.json() == {"a": 1} and seen == [b'{"a": 1}']


def test_background_and_response_parameter_survive_middleware():
    from turboapi import BackgroundTasks
    from turboapi.responses import Response as TResponse

    app = turboapi.TurboAPI()
    ran = []

    @app.middleware("http")
    async def mark(request, call_next):
        response = await call_next(request)
        response.headers["x-mw"] = "1"
        return response

    @app.get("/b")
    def b(response: TResponse, tasks: BackgroundTasks):
        response.headers["x-route"] = "1"
        tasks.add_task(ran.append, "bg")
        return {"ok": True}

    r = TestClient(app).get("/b")
    assert r.json() == {"ok": True}
    assert r.headers["x-route"] == "1" and r.headers["x-mw"] == "1"
    assert ran == ["bg"]


APP_BODY_LOG = '''
from turboapi import TurboAPI
from turboapi.responses import Response, PlainTextResponse, StreamingResponse
ORDER = []
app = TurboAPI()


@app.middleware("http")
async def log_body(request, call_next):
    response = await call_next(request)
    if request.query_params.get("keep"):
        return response
    body = b""
    async for chunk in response.body_iterator:
        body += chunk if isinstance(chunk, bytes) else chunk.encode()
    ORDER.append(body.decode())
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    return Response(content=body + b"!", status_code=response.status_code, headers=headers,
                    media_type=response.media_type)


@app.get("/j")
def j():
    return {"a": 1}


@app.get("/s")
def s():
    return StreamingResponse(iter(["x", "y"]), media_type="text/plain")
'''


@pytest.mark.parametrize("path", ["/j", "/s", "/j?keep=1", "/s?keep=1"])
def test_body_iterator_of_call_next_responses(pairs, path):
    """The FastAPI idiom of reading the body in middleware: every call_next response has body_iterator."""
    p, _, q = path.partition("?")
    ours, theirs, *order = both(pairs, APP_BODY_LOG, "GET", p, q)
    assert ours == theirs
    assert order[0] == order[1]


def test_unread_body_iterators_leave_the_stack_as_they_came():
    from turboapi.middleware.base import AsyncBody, BufferedBody, as_call_next_response, drop_unread_body_iterator
    from turboapi.responses import JSONResponse as TJSON, StreamingResponse as TStream

    plain = as_call_next_response(TJSON({"a": 1}))
    assert type(plain.body_iterator) is BufferedBody
    drop_unread_body_iterator(plain)
    assert getattr(plain, "body_iterator", None) is None and plain.body == b'{"a":1}'
    gen = iter([b"x"])
    streamed = as_call_next_response(TStream(gen))
    assert type(streamed.body_iterator) is AsyncBody
    drop_unread_body_iterator(streamed)
    assert streamed.body_iterator is gen


def test_http_error_hook_passes_starlettes_allow_header_to_handlers():
    from turboapi.responses import JSONResponse as TJSON

    for with_mw in (False, True):
        app = turboapi.TurboAPI()
        seen = []

        @app.exception_handler(405)
        def h(request, exc):
            seen.append(exc.headers)
            return TJSON({"allow": exc.headers["Allow"]}, status_code=405)

        if with_mw:
            app.add_middleware(turboapi.middleware.cors.CORSMiddleware, allow_origins=["*"])
        r = app._turbo_http_error(RequestData("POST", "/x", "", [], b""), 405, {"allow": "GET"})
        if inspect.isawaitable(r):
            r = worker_loop().run_until_complete(r)
        assert r.status_code == 405 and r.body == b'{"allow":"GET"}' and seen == [{"Allow": "GET"}]
