"""The HTTP front end's size limits and --max-connections, with raw bytes over sockets.

Every over-limit request must get its own status, then the connection must close, and a fresh
connection must still be served afterwards.

Counting, as implemented (master/http.cpp), which the boundary tests pin down:
- --limit-request-fields counts every header field, Host included;
- --limit-request-field-size bounds one field's name + value (the tests keep a margin of a few
  bytes on each side, so counting ": " or the CRLF too would pass as well);
- all header names and values together may not exceed 64 KiB.
"""

import time

import pytest

from turbo_server import FRONT_APP, TurboServer, assert_serves, raw_exchange

SMALL = dict(line=200, fields=10, field_size=300, body=1000)


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    """Default limits; short timeouts so nothing in this module waits long."""
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-default"), workers=1,
                      extra_args=["--header-timeout", "2", "--body-timeout", "2", "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-small"), workers=1, extra_args=[
        "--limit-request-line", str(SMALL["line"]), "--limit-request-fields", str(SMALL["fields"]),
        "--limit-request-field-size", str(SMALL["field_size"]), "--limit-request-body", str(SMALL["body"]),
        "--header-timeout", "2", "--body-timeout", "2", "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


def exchange(srv, data, timeout=5.0):
    return raw_exchange(srv.address, data, srv.family, timeout)


def request(path="/", extra=b"", method=b"GET", body=b"", close=False) -> bytes:
    conn = b"Connection: close\r\n" if close else b""
    return method + b" " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + conn + extra + b"\r\n" + body


def assert_rejected(ex, status: int):
    """Exactly one response with `status`, then the server closed the connection."""
    r = ex.response()
    assert r.status == status, ex
    assert (r.header("connection") or "").lower() == "close", ex
    assert len(r.header_all("content-length")) == 1 and int(r.header("content-length")) == len(r.body), ex
    assert ex.closed, f"connection not closed after {status}: {ex}"
    return r


def assert_ok(ex, status: int = 200):
    r = ex.response()
    assert r.status == status, ex
    return r


# --- request line ---------------------------------------------------------------------------------


def test_request_line_within_limit_is_served(small_server):
    # "GET /seq/1?p=aaa... HTTP/1.1" well under 200 bytes: a normal answer (path found, query ignored).
    path = "/seq/1?p=" + "a" * (SMALL["line"] - 60)
    assert_ok(exchange(small_server, request(path, close=True)))


def test_request_line_over_limit_gets_414(small_server):
    path = "/seq/1?p=" + "a" * (SMALL["line"] + 10)
    assert_rejected(exchange(small_server, request(path)), 414)
    assert_serves(small_server)


def test_huge_request_line_gets_414_before_it_ends(small_server):
    # 1 MiB of target with no end of line in sight: answered without waiting for the rest.
    ex = exchange(small_server, [(b"GET /" + b"a" * (1 << 20), 0.0)], timeout=5.0)
    assert_rejected(ex, 414)
    assert_serves(small_server)


def test_default_request_line_limit_is_4094(default_server):
    ok = "/seq/2?p=" + "b" * (4094 - 40)
    assert_ok(exchange(default_server, request(ok, close=True)))
    assert_rejected(exchange(default_server, request("/seq/2?p=" + "b" * 4200)), 414)
    assert_serves(default_server)


# --- header fields --------------------------------------------------------------------------------


def fields(n: int) -> bytes:
    """n header fields besides Host."""
    return b"".join(b"X-F%d: v\r\n" % i for i in range(n))


def test_field_count_at_limit_is_served(small_server):
    # Host + Connection + 8 = 10 fields.
    assert_ok(exchange(small_server, request(extra=fields(SMALL["fields"] - 2), close=True)))


def test_field_count_over_limit_gets_431(small_server):
    assert_rejected(exchange(small_server, request(extra=fields(SMALL["fields"]))), 431)
    assert_serves(small_server)


def test_default_field_count_limit_is_100(default_server):
    # Host + 98 + Connection = 100 fields: served. Host + 100 = 101: 431.
    assert_ok(exchange(default_server, request(extra=fields(98), close=True)))
    assert_rejected(exchange(default_server, request(extra=fields(100))), 431)
    assert_serves(default_server)


def test_field_size_within_limit_is_served(small_server):
    value = b"v" * (SMALL["field_size"] - 20)
    assert_ok(exchange(small_server, request(extra=b"X-Big: " + value + b"\r\n", close=True)))


def test_field_size_over_limit_gets_431(small_server):
    value = b"v" * (SMALL["field_size"] + 10)
    assert_rejected(exchange(small_server, request(extra=b"X-Big: " + value + b"\r\n")), 431)
    assert_serves(small_server)


def test_long_field_name_counts_too(small_server):
    name = b"X-" + b"n" * (SMALL["field_size"] + 10)
    assert_rejected(exchange(small_server, request(extra=name + b": v\r\n")), 431)
    assert_serves(small_server)


def test_default_field_size_limit_is_8190(default_server):
    assert_ok(exchange(default_server, request(extra=b"X-Big: " + b"v" * 8170 + b"\r\n", close=True)))
    assert_rejected(exchange(default_server, request(extra=b"X-Big: " + b"v" * 8200 + b"\r\n")), 431)
    assert_serves(default_server)


def test_total_header_bytes_over_64k_get_431(default_server):
    # Each field is under 8190 bytes and there are only 11 of them, but together they pass 64 KiB.
    big = b"".join(b"X-Big%d: " % i + b"v" * 7000 + b"\r\n" for i in range(10))
    assert_rejected(exchange(default_server, request(extra=big)), 431)
    assert_serves(default_server)


def test_total_header_bytes_under_64k_are_served(default_server):
    big = b"".join(b"X-Big%d: " % i + b"v" * 7000 + b"\r\n" for i in range(8))
    assert_ok(exchange(default_server, request(extra=big, close=True)))


# --- bodies ---------------------------------------------------------------------------------------


def test_body_at_limit_is_served(small_server):
    body = b'{"k":"' + b"z" * (SMALL["body"] - 8) + b'"}'
    assert len(body) == SMALL["body"]
    extra = b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    r = assert_ok(exchange(small_server, request("/echo", extra, b"POST", body, close=True)))
    assert r.json()["body"] == {"k": "z" * (SMALL["body"] - 8)}, r


def test_content_length_over_limit_gets_413_before_the_body(small_server):
    # Only the headers are sent: the 413 must come without the server waiting for the body.
    extra = b"Content-Length: %d\r\n" % (SMALL["body"] + 1)
    ex = exchange(small_server, request("/echo", extra, b"POST"), timeout=5.0)
    assert_rejected(ex, 413)
    assert ex.elapsed < 1.5, f"413 took {ex.elapsed:.2f} s: was the server waiting for the body? {ex}"
    assert_serves(small_server)


def test_default_body_limit_is_16mib(default_server):
    extra = b"Content-Length: %d\r\n" % ((16 << 20) + 1)
    ex = exchange(default_server, request("/echo", extra, b"POST"), timeout=5.0)
    assert_rejected(ex, 413)
    assert ex.elapsed < 1.5, ex
    assert_serves(default_server)


def test_body_of_exactly_16mib_is_served(default_server):
    body = b'{"k":"' + b"z" * ((16 << 20) - 8) + b'"}'
    assert len(body) == 16 << 20
    with default_server.connect(timeout=30) as c:
        r = c.request("POST", "/echo", {"Content-Type": "application/json"}, body)
    assert r.status == 200, r
    assert len(r.json()["body"]["k"]) == (16 << 20) - 8


def test_chunked_body_over_limit_gets_413(small_server):
    # Each chunk is small; their de-chunked sum passes the limit.
    chunks = b"".join(b"190\r\n" + b"x" * 400 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    ex = exchange(small_server, request("/echo", b"Transfer-Encoding: chunked\r\n", b"POST", chunks))
    assert_rejected(ex, 413)
    assert_serves(small_server)


def test_chunked_body_over_limit_sent_slowly_gets_413(small_server):
    head = request("/echo", b"Transfer-Encoding: chunked\r\n", b"POST")
    chunk = b"c8\r\n" + b"y" * 200 + b"\r\n"
    parts = [(head, 0.05)] + [(chunk, 0.05)] * 8 + [(b"0\r\n\r\n", 0.0)]
    ex = exchange(small_server, parts)
    r = ex.response()
    assert r.status == 413, ex
    assert ex.closed, ex
    assert_serves(small_server)


def test_one_big_chunk_over_limit_gets_413(small_server):
    # One chunk of 1 MiB announced; 2000 of its bytes sent: over the limit of 1000.
    ex = exchange(small_server, request("/echo", b"Transfer-Encoding: chunked\r\n", b"POST", b"100000\r\n" + b"a" * 2000))
    r = ex.response()
    assert r.status == 413, ex
    assert ex.closed, ex
    assert_serves(small_server)


def test_chunked_body_within_limit_is_served(small_server):
    body = b'{"k":"' + b"q" * 500 + b'"}'
    chunks = b"%x\r\n" % len(body[:100]) + body[:100] + b"\r\n" + b"%x\r\n" % len(body[100:]) + body[100:] + b"\r\n0\r\n\r\n"
    r = assert_ok(exchange(small_server, request("/echo", b"Transfer-Encoding: chunked\r\n", b"POST", chunks, close=True)))
    assert r.json()["body"] == {"k": "q" * 500}, r


# --- --max-connections ----------------------------------------------------------------------------


def test_max_connections(make_server):
    srv = make_server(FRONT_APP, workers=1, extra_args=["--max-connections", "4", "--keep-alive", "30"])
    time.sleep(0.3)  # the readiness probe's connection is gone by now
    held = [srv.connect(timeout=10) for _ in range(4)]
    try:
        for i, c in enumerate(held):
            r = c.request("GET", f"/seq/{i}")
            assert r.status == 200 and r.json()["i"] == i, r
        # A fifth connection: 503 with Retry-After, then closed (we send nothing, so no reset).
        for _ in range(2):
            ex = raw_exchange(srv.address, b"", srv.family, timeout=5.0)
            r = ex.response()
            assert r.status == 503, ex
            assert r.header("retry-after"), ex
            assert ex.closed, ex
        # The connections already open keep being served, several times each.
        for round_ in range(2):
            for i, c in enumerate(held):
                r = c.request("GET", f"/seq/{10 * round_ + i}")
                assert r.status == 200 and r.json()["i"] == 10 * round_ + i, r
        # Free one slot: a new connection is served again.
        held.pop().close()
        deadline = time.monotonic() + 5
        while True:
            ex = raw_exchange(srv.address, request("/", close=True), srv.family, timeout=5.0)
            rs = ex.responses()
            if rs and rs[0].status == 200:
                break
            assert time.monotonic() < deadline, f"no slot freed after a close: {ex}"
            time.sleep(0.1)
    finally:
        for c in held:
            c.close()
    assert srv.wait_for_output("stderr", lambda t: "max-connections" in t), srv.stderr()[-2000:]
