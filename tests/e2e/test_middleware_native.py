"""The native middleware pipeline on the real server (tests/e2e/apps/native_mw_app.py): every option of
CORS, GZip, TrustedHost, HTTPSRedirect, RequestId, Timing and RateLimit over sockets, the rate limit
shared by all workers, early answers given without Python, and bad options refused at start-up."""

import gzip
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from turbo_server import APPS_DIR, TurboServer, require_turbo_bin

APP = str(APPS_DIR / "native_mw_app.py") + ":app"
ORIGIN = {"Origin": "https://app.example"}
PREFLIGHT = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}


def start(tmp_path_factory, config: str, workers: int = 1) -> TurboServer:
    logdir = tmp_path_factory.mktemp(config)
    log = logdir / "python-calls.log"
    srv = TurboServer(APP, logdir, workers=workers, env={"NATIVE_MW": config, "MW_LOG": str(log)})
    srv.python_log = log  # type: ignore[attr-defined]
    return srv.start()


def python_calls(srv: TurboServer) -> list[str]:
    path: Path = srv.python_log  # type: ignore[attr-defined]
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def main(tmp_path_factory):
    srv = start(tmp_path_factory, "main")
    yield srv
    srv.stop()


# --- CORS ----------------------------------------------------------------------------------------


def test_cors_preflight_allowed_without_python(main):
    before = python_calls(main)
    r = main.request("OPTIONS", "/both", headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-token, Accept"})
    assert r.status == 200 and r.body == b"OK"
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert r.header("access-control-allow-methods") == "GET, POST"
    assert r.header("access-control-allow-headers") == "Accept, Accept-Language, Content-Language, Content-Type, X-Token"
    assert r.header("access-control-allow-credentials") == "true"
    assert r.header("access-control-max-age") == "321"
    assert r.header("vary") == "Origin"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    # RequestId and Timing sit inside CORS (priority order): they never saw the preflight. Nor did Python.
    assert r.header("x-request-id") is None and r.header("server-timing") is None
    assert python_calls(main) == before


@pytest.mark.parametrize("headers, text", [
    ({"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, b"Disallowed CORS origin"),
    ({**ORIGIN, "Access-Control-Request-Method": "DELETE"}, b"Disallowed CORS method"),
    ({**PREFLIGHT, "Access-Control-Request-Headers": "X-Token, X-Secret"}, b"Disallowed CORS headers"),
    ({"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT",
      "Access-Control-Request-Headers": "X-Secret"}, b"Disallowed CORS origin, method, headers"),
])
def test_cors_preflight_refused(main, headers, text):
    before = python_calls(main)
    r = main.request("OPTIONS", "/both", headers=headers)
    assert r.status == 400 and r.body == text
    if b"origin" in text:
        assert r.header("access-control-allow-origin") is None
    assert python_calls(main) == before


def test_cors_options_without_preflight_headers_reaches_the_route(main):
    r = main.request("OPTIONS", "/both", headers=ORIGIN)  # no Access-Control-Request-Method
    assert r.status == 200 and r.json() == {"route": True}
    assert r.header("access-control-allow-origin") == "https://app.example"


def test_cors_simple_request_allowed_and_refused(main):
    r = main.request("GET", "/", headers=ORIGIN)
    assert r.status == 200
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert r.header("access-control-allow-credentials") == "true"
    assert r.header("access-control-expose-headers") == "X-Total, X-Other"
    assert r.header("vary") == "Origin"
    r = main.request("GET", "/", headers={"Origin": "https://evil.example"})
    assert r.status == 200 and r.header("access-control-allow-origin") is None
    assert r.header("access-control-expose-headers") == "X-Total, X-Other"  # Starlette sends these anyway
    r = main.get("/")
    assert r.header("access-control-expose-headers") is None and r.header("vary") is None


def test_cors_headers_on_router_and_validation_errors(main):
    for path, status in (("/nowhere", 404), ("/items/x", 422), ("/items/1/", 307)):
        r = main.request("GET", path, headers=ORIGIN)
        assert r.status == status
        assert r.header("access-control-allow-origin") == "https://app.example", path
        assert re.fullmatch(r"[0-9a-f]{32}", r.header("x-request-id")), path
    r = main.request("DELETE", "/", headers=ORIGIN)
    assert r.status == 405 and r.header("allow") == "GET"
    assert r.header("access-control-allow-origin") == "https://app.example"


def test_unhandled_exception_is_answered_outside_every_middleware(main):
    r = main.request("GET", "/error", headers={**ORIGIN, "Accept-Encoding": "gzip"})
    assert r.status == 500 and r.body == b"Internal Server Error"
    assert r.header("access-control-allow-origin") is None
    assert r.header("x-request-id") is None and r.header("server-timing") is None
    assert main.get("/").status == 200


def test_cors_async_route(main):
    r = main.request("GET", "/async-items/3", headers=ORIGIN)
    assert r.status == 200 and r.json() == {"item_id": 3}
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert r.header("server-timing")


@pytest.fixture(scope="module")
def cors_all(tmp_path_factory):
    srv = start(tmp_path_factory, "cors-all")
    yield srv
    srv.stop()


def test_cors_wildcards(cors_all):
    r = cors_all.request("OPTIONS", "/", headers={
        "Origin": "https://any.example", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "X-Anything, X-Else"})
    assert r.status == 200
    assert r.header("access-control-allow-origin") == "*"
    assert r.header("access-control-allow-methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert r.header("access-control-allow-headers") == "X-Anything, X-Else"  # mirrored
    assert r.header("vary") is None
    r = cors_all.request("GET", "/", headers={"Origin": "https://any.example"})
    assert r.header("access-control-allow-origin") == "*" and r.header("vary") is None
    # With a cookie, '*' is not enough: the very origin, and Vary.
    r = cors_all.request("GET", "/", headers={"Origin": "https://any.example", "Cookie": "s=1"})
    assert r.header("access-control-allow-origin") == "https://any.example" and r.header("vary") == "Origin"


@pytest.fixture(scope="module")
def cors_regex(tmp_path_factory):
    srv = start(tmp_path_factory, "cors-regex")
    yield srv
    srv.stop()


def test_cors_origin_regex(cors_regex):
    ok = cors_regex.request("GET", "/", headers={"Origin": "https://abc.ok.test"})
    assert ok.header("access-control-allow-origin") == "https://abc.ok.test"
    listed = cors_regex.request("GET", "/", headers={"Origin": "https://x.example"})
    assert listed.header("access-control-allow-origin") == "https://x.example"
    for origin in ("https://abc.ok.test.evil", "https://ABC.ok.test", "http://abc.ok.test"):
        r = cors_regex.request("GET", "/", headers={"Origin": origin})
        assert r.header("access-control-allow-origin") is None, origin  # full match only
    r = cors_regex.request("OPTIONS", "/", headers={"Origin": "https://q.ok.test", "Access-Control-Request-Method": "GET"})
    assert r.status == 200 and r.header("access-control-allow-origin") == "https://q.ok.test"
    r = cors_regex.request("OPTIONS", "/", headers={"Origin": "https://q.ok.test", "Access-Control-Request-Method": "POST"})
    assert r.status == 400 and r.body == b"Disallowed CORS method"  # allow_methods defaults to GET


# --- GZip ----------------------------------------------------------------------------------------


def test_gzip_at_and_below_minimum_size(main):
    r = main.request("GET", "/exact/100", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip" and r.header("vary") == "Accept-Encoding"
    assert int(r.header("content-length")) == len(r.body)
    assert gzip.decompress(r.body) == b"a" * 100
    r = main.request("GET", "/exact/99", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None and r.header("vary") is None and r.body == b"a" * 99


def test_gzip_needs_accept_encoding(main):
    r = main.get("/big")
    assert r.header("content-encoding") is None and r.body == b"0123456789" * 100
    r = main.request("GET", "/big", headers={"Accept-Encoding": "br, deflate"})
    assert r.header("content-encoding") is None and r.body == b"0123456789" * 100
    r = main.request("GET", "/big", headers={"Accept-Encoding": "br;q=1, gzip;q=0.5", **ORIGIN})
    assert r.header("content-encoding") == "gzip" and gzip.decompress(r.body) == b"0123456789" * 100
    assert r.header("vary") == "Accept-Encoding, Origin"
    assert r.header("x-total") == "1000"


def test_gzip_streaming_goes_chunked(main):
    r = main.request("GET", "/stream", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.header("content-encoding") == "gzip"
    assert r.header("transfer-encoding") == "chunked" and r.header("content-length") is None
    assert gzip.decompress(r.body) == "".join(f"line {i}\n" for i in range(20)).encode()
    r = main.request("GET", "/astream", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip"
    assert gzip.decompress(r.body) == b"".join(b"x" * (i * 10) for i in range(5))
    r = main.get("/stream")
    assert r.header("content-encoding") is None and r.body.startswith(b"line 0\n")


def test_gzip_of_a_small_file_is_one_body(main):
    # Starlette sends a file under 64 KiB as one final body message: GZip compresses it whole.
    source = (APPS_DIR / "native_mw_app.py").read_bytes()
    r = main.request("GET", "/file", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip" and int(r.header("content-length")) == len(r.body)
    assert r.header("transfer-encoding") is None
    assert gzip.decompress(r.body) == source
    r = main.get("/file")
    assert r.header("content-encoding") is None and int(r.header("content-length")) == len(source) and r.body == source


def test_gzip_of_a_large_file_drops_its_content_length(main):
    r = main.get("/bigfile")
    original = r.body
    assert int(r.header("content-length")) == len(original) > 64 * 1024
    r = main.request("GET", "/bigfile", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip" and r.header("content-length") is None
    assert r.header("transfer-encoding") == "chunked"
    assert gzip.decompress(r.body) == original


def test_gzip_leaves_an_empty_stream_alone(main):
    with main.connect() as c:
        r = c.request("GET", "/empty-stream", headers={"Accept-Encoding": "gzip"})
        assert r.status == 200 and r.body == b"" and r.header("content-encoding") is None
        r = c.request("GET", "/stream", headers={"Accept-Encoding": "gzip"})  # the connection is fine
        assert gzip.decompress(r.body).startswith(b"line 0\n")


def test_gzip_keep_alive_mixes_compressed_and_plain(main):
    with main.connect() as c:
        for _ in range(3):
            r = c.request("GET", "/stream", headers={"Accept-Encoding": "gzip"})
            assert gzip.decompress(r.body).endswith(b"line 19\n")
            r = c.request("GET", "/big", headers={"Accept-Encoding": "gzip"})
            assert gzip.decompress(r.body) == b"0123456789" * 100
            assert c.request("GET", "/big").body == b"0123456789" * 100


# --- request id and timing -----------------------------------------------------------------------


def test_request_id_propagated_generated_replaced(main):
    r = main.request("GET", "/", headers={"X-Request-ID": "abc-123"})
    assert r.header_all("x-request-id") == ["abc-123"]
    r = main.get("/")
    generated = r.header("x-request-id")
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert main.get("/").header("x-request-id") != generated
    assert main.request("GET", "/", headers={"X-Request-ID": "a" * 40}).header("x-request-id") == "a" * 40
    too_long = main.request("GET", "/", headers={"X-Request-ID": "a" * 41}).header("x-request-id")
    assert too_long != "a" * 41 and re.fullmatch(r"[0-9a-f]{32}", too_long)
    spaced = main.request("GET", "/", headers={"X-Request-ID": "a b"}).header("x-request-id")
    assert re.fullmatch(r"[0-9a-f]{32}", spaced)


def test_timing_header(main):
    r = main.get("/slow")
    value = r.header("server-timing")
    m = re.fullmatch(r"total;dur=(\d+)\.(\d{3})", value)
    assert m, value
    assert float(f"{m[1]}.{m[2]}") >= 50  # the handler sleeps 50 ms


def test_native_routes_stay_native_with_native_middleware():
    import importlib.util
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    os.environ["NATIVE_MW"] = "main"
    try:
        spec = importlib.util.spec_from_file_location("native_mw_app_check", APPS_DIR / "native_mw_app.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        os.environ.pop("NATIVE_MW", None)
    modes = {s["path"]: s["mode"] for s in module.app._turbo_routes()}
    assert modes["/"] == modes["/items/{item_id}"] == "native"
    assert not module.app._turbo_route_errors_in_python()
    assert [m["name"] for m in module.app._turbo_middleware()] == [
        "TimingMiddleware", "RequestIdMiddleware", "GZipMiddleware", "CORSMiddleware"]


# --- Python middleware inside the native pipeline ------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    srv = start(tmp_path_factory, "mixed")
    yield srv
    srv.stop()


def test_python_middleware_runs_inside_the_native_pipeline(mixed):
    r = mixed.request("GET", "/big", headers={**ORIGIN, "Accept-Encoding": "gzip"})
    assert r.status == 200 and r.header("x-python") == "1"
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert re.fullmatch(r"[0-9a-f]{32}", r.header("x-correlation-id"))
    # Through a Python middleware's call_next the body is streamed in Starlette: GZip compresses it
    # even below minimum_size (1000 here), as FastAPI's GZipMiddleware does.
    assert r.header("content-encoding") == "gzip" and gzip.decompress(r.body) == b"0123456789" * 100
    # The Python middleware's own answer also goes out through the native ones.
    r = mixed.request("GET", "/short", headers=ORIGIN)
    assert r.status == 203 and r.body == b"short" and r.header("x-correlation-id")
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert any("python middleware GET /short" in line for line in python_calls(mixed))


def test_early_answers_never_reach_the_python_middleware(mixed):
    before = python_calls(mixed)
    r = mixed.request("OPTIONS", "/", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert r.status == 200 and r.body == b"OK" and r.header("x-python") is None
    r = mixed.request("GET", "/", headers={"Host": "evil.example"})
    assert r.status == 400 and r.body == b"Invalid host header" and r.header("x-python") is None
    assert python_calls(mixed) == before


def test_rate_limit_429_never_reaches_python(mixed):
    # burst 5 for this client, refilled at 0.01/s: the earlier tests of this module used some.
    statuses = [mixed.get("/").status for _ in range(8)]
    assert statuses.count(429) >= 3 and statuses[-1] == 429
    before = python_calls(mixed)
    r = mixed.get("/")
    assert r.status == 429 and r.body == b"Too Many Requests"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert 99 <= int(r.header("retry-after")) <= 100
    assert r.header("x-python") is None
    assert r.header("x-correlation-id") is None  # RequestId is inside RateLimit (priority order)
    assert python_calls(mixed) == before


# --- TrustedHost and HTTPSRedirect ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    srv = start(tmp_path_factory, "hosts")
    yield srv
    srv.stop()


def test_trusted_host(hosts):
    for host in ("example.com", "example.com:8080", "a.good.test", "deep.a.good.test", "www.example.org"):
        r = hosts.request("GET", "/", headers={"Host": host})
        assert r.status == 200, host
    before = python_calls(hosts)
    for host in ("evil.com", "good.test", "example.com.evil", "xexample.com"):
        r = hosts.request("GET", "/", headers={"Host": host})
        assert r.status == 400 and r.body == b"Invalid host header", host
        assert r.header("content-type") == "text/plain; charset=utf-8"
    r = hosts.request("GET", "/nowhere", headers={"Host": "evil.com"})  # before the router
    assert r.status == 400
    assert python_calls(hosts) == before


def test_trusted_host_www_redirect(hosts):
    before = python_calls(hosts)
    # The decoded path (ASGI's scope["path"]) quoted again, as Starlette's URL and RedirectResponse do.
    r = hosts.request("GET", "/a%20b/%C3%A9?q=1", headers={"Host": "example.org"})
    assert r.status == 307 and r.body == b""
    assert r.header("location") == "http://www.example.org/a%20b/%C3%A9?q=1"
    r = hosts.request("GET", "/", headers={"Host": "example.org:8000"})
    assert r.status == 307 and r.header("location") == "http://www.example.org:8000/"
    assert python_calls(hosts) == before


@pytest.fixture(scope="module")
def hosts_no_www(tmp_path_factory):
    srv = start(tmp_path_factory, "hosts-no-www")
    yield srv
    srv.stop()


def test_trusted_host_without_www_redirect(hosts_no_www):
    r = hosts_no_www.request("GET", "/", headers={"Host": "example.org"})
    assert r.status == 400 and r.body == b"Invalid host header"
    assert hosts_no_www.request("GET", "/", headers={"Host": "www.example.org"}).status == 200


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    srv = start(tmp_path_factory, "https")
    yield srv
    srv.stop()


def test_https_redirect(https):
    cases = [
        ("example.com", "/items/1?x=1", "https://example.com/items/1?x=1"),
        ("example.com:80", "/", "https://example.com/"),
        ("Example.COM:443", "/a", "https://example.com/a"),  # default ports dropped, hostname lowercased
        ("example.com:8443", "/p", "https://example.com:8443/p"),
        ("[::1]:8000", "/p", "https://[::1]:8000/p"),
    ]
    for host, path, location in cases:
        r = https.request("GET", path, headers={"Host": host})
        assert r.status == 307 and r.header("location") == location, host
        assert r.header("content-length") == "0"
    # Starlette looks at the scope's scheme only: a proxy's X-Forwarded-Proto does not stop it.
    r = https.request("GET", "/", headers={"Host": "example.com", "X-Forwarded-Proto": "https"})
    assert r.status == 307
    assert python_calls(https) == []


# --- rate limit: one budget for the whole server -------------------------------------------------


def hammer(srv: TurboServer, path: str, total: int, threads: int, headers: dict | None = None):
    results: list[tuple[int, dict | None, str | None]] = []
    lock = threading.Lock()
    per_thread = total // threads

    def run():
        for _ in range(per_thread):
            r = srv.request("GET", path, headers=headers)  # a connection per request
            with lock:
                results.append((r.status, r.json() if r.status == 200 else None, r.header("retry-after")))

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def test_rate_limit_is_one_budget_across_three_workers(tmp_path_factory):
    srv = start(tmp_path_factory, "ratelimit", workers=3)
    try:
        # The handler sleeps 50 ms, so concurrent requests spread over the workers.
        results = hammer(srv, "/slow", total=40, threads=8)
        ok = [body for status, body, _ in results if status == 200]
        refused = [ra for status, _, ra in results if status == 429]
        assert len(ok) == 10 and len(refused) == 30  # burst 10, whatever worker answered
        assert len({body["pid"] for body in ok}) >= 2, "the successes should come from several workers"
        assert all(ra is not None and 99 <= int(ra) <= 100 for ra in refused)
        # Every worker refuses now, also on new connections.
        assert [srv.get("/").status for _ in range(6)] == [429] * 6
    finally:
        srv.stop()


def test_rate_limit_refills(tmp_path_factory):
    srv = start(tmp_path_factory, "ratelimit-refill", workers=2)
    try:
        statuses = [srv.get("/").status for _ in range(4)]
        assert statuses[:2] == [200, 200] and 429 in statuses[2:]
        r = srv.get("/")
        if r.status == 429:
            assert r.header("retry-after") == "1"  # 50 ms to a token, rounded up to a second
        time.sleep(0.2)  # 20 tokens/s: 4 back, capped at burst 2
        statuses = [srv.get("/").status for _ in range(3)]
        assert statuses[:2] == [200, 200]
    finally:
        srv.stop()


def test_rate_limit_trusted_proxy_uses_forwarded_for(tmp_path_factory):
    srv = start(tmp_path_factory, "ratelimit-proxy")
    try:
        a = {"X-Forwarded-For": "203.0.113.5"}
        b = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}  # rightmost that is not a trusted proxy
        assert [srv.get("/", headers=a).status for _ in range(3)] == [200, 200, 429]
        assert [srv.get("/", headers=b).status for _ in range(3)] == [200, 200, 429]
        c = {"X-Forwarded-For": "198.51.100.7"}  # the same client as b
        assert srv.get("/", headers=c).status == 429
        assert [srv.get("/").status for _ in range(3)] == [200, 200, 429]  # the proxy itself
    finally:
        srv.stop()


def test_rate_limit_ignores_forwarded_for_of_untrusted_peers(tmp_path_factory):
    srv = start(tmp_path_factory, "ratelimit-untrusted")
    try:
        statuses = [srv.get("/", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status for i in range(4)]
        assert statuses == [200, 200, 429, 429]  # one budget: the peer's, whatever it claims
    finally:
        srv.stop()


# --- bad options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("config, message", [
    ("bad-option", "RateLimitMiddleware: burst must be between 1 and 1000000, got 0"),
    ("bad-at-start", "GZipMiddleware: compresslevel must be between 1 and 9, got 12"),
    ("bad-regex", "CORSMiddleware: allow_origin_regex does not compile"),
])
def test_bad_options_fail_at_start_up(tmp_path, config, message):
    import subprocess

    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    bind = f"127.0.0.1:{port.getsockname()[1]}"
    port.close()
    proc = subprocess.run([str(require_turbo_bin()), "serve", APP, "--bind", bind],
                          env={"NATIVE_MW": config, "PATH": "/usr/bin:/bin"}, capture_output=True, timeout=30)
    assert proc.returncode == 3, proc.stderr.decode()
    assert message in proc.stderr.decode()
