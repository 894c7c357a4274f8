"""Python middleware on the real server: @app.middleware("http") and add_middleware in FastAPI's order,
headers added on the way out, short-circuits, exceptions (500, the worker keeps serving), CORS, GZip,
TrustedHost, HTTPSRedirect."""

import gzip

import pytest

from turbo_server import APPS_DIR, TurboServer


@pytest.fixture(scope="module")
def mw_server(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("middleware")
    srv = TurboServer(str(APPS_DIR / "middleware_app.py") + ":app", logdir, workers=1).start()
    yield srv
    srv.stop()


def test_two_http_middlewares_run_in_fastapi_order(mw_server):
    r = mw_server.get("/")
    assert r.status == 200
    # Second was added last: outermost, so it enters first and sees the response last
    assert r.json() == {"trace": ["second", "first"]}
    assert r.header("x-order") == "first,second"
    assert r.header("x-status-seen") == "200"


def test_http_exception_is_a_response_before_middleware_sees_it(mw_server):
    r = mw_server.get("/teapot")
    assert r.status == 418 and r.json() == {"detail": "tea"}
    assert r.header("x-tea") == "1" and r.header("x-status-seen") == "418" and r.header("x-order") == "first,second"


def test_validation_error_passes_through_middleware(mw_server):
    r = mw_server.get("/items/x")
    assert r.status == 422 and r.header("x-status-seen") == "422"


def test_short_circuit_without_calling_the_route(mw_server):
    r = mw_server.request("GET", "/", headers={"X-Block": "1"})
    assert r.status == 403 and r.json() == {"blocked": True}
    assert r.header("x-order") == ",second"  # the outer middleware still sees the answer


def test_exception_in_middleware_is_a_500_and_the_worker_keeps_serving(mw_server):
    with mw_server.connect() as c:
        r = c.request("GET", "/?boom=1")
        assert r.status == 500 and r.body == b"Internal Server Error"
        assert r.header("x-order") is None  # nothing of the middleware's answer: it raised
        r = c.request("GET", "/")
        assert r.status == 200 and r.json() == {"trace": ["second", "first"]}
    r = mw_server.get("/error")
    assert r.status == 500 and r.body == b"Internal Server Error"
    assert mw_server.get("/").status == 200
    out = mw_server.wait_for_output("stderr", lambda s: "boom in route" in s and "boom in middleware" in s)
    assert "Traceback" in out


def test_cors_preflight_is_answered_without_the_route(mw_server):
    r = mw_server.request("OPTIONS", "/both", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-Token"})
    assert r.status == 200 and r.body == b"OK"
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert r.header("access-control-allow-methods") == "GET, POST"
    assert r.header("access-control-allow-headers") == "Accept, Accept-Language, Content-Language, Content-Type, x-token"
    assert r.header("access-control-max-age") == "120"
    assert r.header("vary") == "Origin"
    r = mw_server.request("OPTIONS", "/both", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
    assert r.status == 400 and r.body == b"Disallowed CORS origin, method"
    assert r.header("access-control-allow-origin") is None


def test_cors_simple_request(mw_server):
    r = mw_server.request("GET", "/", headers={"Origin": "https://app.example"})
    assert r.status == 200
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert r.header("access-control-expose-headers") == "x-order"
    assert r.header("vary") == "Origin"
    r = mw_server.request("GET", "/", headers={"Origin": "https://evil.example"})
    assert r.status == 200 and r.header("access-control-allow-origin") is None
    assert r.header("access-control-expose-headers") == "x-order"
    r = mw_server.get("/")
    assert r.header("access-control-expose-headers") is None
    r = mw_server.request("OPTIONS", "/both")  # no Origin: the route answers
    assert r.status == 200 and r.json() == {"route": True}


def test_gzip_above_minimum_size(mw_server):
    r = mw_server.request("GET", "/big", headers={"Accept-Encoding": "gzip, br"})
    assert r.status == 200
    assert r.header("content-encoding") == "gzip" and "Accept-Encoding" in r.header("vary")
    assert int(r.header("content-length")) == len(r.body) < 1000
    assert gzip.decompress(r.body) == b"0123456789" * 100


def test_gzip_without_accept_encoding(mw_server):
    r = mw_server.get("/big")
    assert r.status == 200 and r.header("content-encoding") is None and r.body == b"0123456789" * 100


def test_gzip_below_minimum_size_after_an_http_middleware(mw_server):
    # As in Starlette: a response that went through a BaseHTTPMiddleware's call_next is streamed, so an
    # outer GZipMiddleware compresses it whatever its size.
    r = mw_server.request("GET", "/small", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.header("content-encoding") == "gzip"
    assert gzip.decompress(r.body) == b"tiny"


def test_gzip_of_a_short_circuit_below_minimum_size(mw_server):
    r = mw_server.request("OPTIONS", "/both", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET", "Accept-Encoding": "gzip"})
    assert r.status == 200 and r.body == b"OK"  # CORS is outside GZip: answered before it


def test_gzip_streaming_response(mw_server):
    r = mw_server.request("GET", "/stream", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.header("content-encoding") == "gzip"
    assert r.header("transfer-encoding") == "chunked" and r.header("content-length") is None
    assert gzip.decompress(r.body) == b"".join((f"line {i}\n" * 20).encode() for i in range(50))


def test_trusted_host(mw_server):
    r = mw_server.request("GET", "/", headers={"Host": "evil.test"})
    assert r.status == 400 and r.body == b"Invalid host header"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert mw_server.request("GET", "/", headers={"Host": "api.example.com"}).status == 200
    assert mw_server.request("GET", "/", headers={"Host": "localhost:8000"}).status == 200


def test_https_redirect(mw_server):
    r = mw_server.request("GET", "/secure/page?x=1", headers={"Host": "api.example.com"})
    assert r.status == 307 and r.header("location") == "https://api.example.com/secure/page?x=1"
    r = mw_server.request("GET", "/secure/page", headers={"Host": "api.example.com:80"})
    assert r.status == 307 and r.header("location") == "https://api.example.com/secure/page"


def test_router_404_goes_through_middleware(mw_server):
    r = mw_server.get("/nowhere")
    assert r.status == 404 and r.json() == {"detail": "Not Found"}
    assert r.header("x-order") == "first,second"


def test_cors_preflight_to_a_route_without_options(mw_server):
    r = mw_server.request("OPTIONS", "/", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert r.status == 200 and r.body == b"OK"


def test_trusted_host_before_the_router(mw_server):
    r = mw_server.request("GET", "/nowhere", headers={"Host": "evil.test"})
    assert r.status == 400 and r.body == b"Invalid host header"


def test_router_redirect_goes_through_middleware(mw_server):
    r = mw_server.get("/items/1/")
    assert r.status == 307 and r.header("location") == "http://localhost/items/1"
    assert r.header("x-order") == "first,second"
