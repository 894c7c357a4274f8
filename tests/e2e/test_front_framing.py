"""Request framing on the wire: what must be refused (400, 501, 505, 417), what Expect and chunked
trailers do. Raw bytes in; status, close and a healthy server afterwards are checked."""

import socket
import time

import pytest

from turbo_server import FRONT_APP, TurboServer, assert_serves, close_wait_sockets, parse_responses, raw_exchange


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A short graceful timeout: a connection the server fails to release must not stall teardown.
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-framing"), workers=1, extra_args=[
        "--header-timeout", "3", "--body-timeout", "3", "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


def exchange(srv, data, timeout=5.0):
    return raw_exchange(srv.address, data, srv.family, timeout)


def post(headers: bytes, body: bytes = b"", version: bytes = b"HTTP/1.1") -> bytes:
    return b"POST /echo " + version + b"\r\nHost: x\r\n" + headers + b"\r\n" + body


CHUNKED_EMPTY_OBJECT = b"2\r\n{}\r\n0\r\n\r\n"

# name -> (raw request, expected status). Each is followed by a valid request in the same write,
# which must never be answered: nothing after a framing error is parsed.
REJECTED = {
    "content-length with transfer-encoding": (post(b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", CHUNKED_EMPTY_OBJECT), 400),
    "transfer-encoding with content-length": (post(b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", CHUNKED_EMPTY_OBJECT), 400),
    "duplicate differing content-length": (post(b"Content-Length: 2\r\nContent-Length: 3\r\n", b"{}x"), 400),
    "content-length list": (post(b"Content-Length: 2, 3\r\n", b"{}x"), 400),
    "content-length not a number": (post(b"Content-Length: 2x\r\n", b"{}"), 400),
    "content-length negative": (post(b"Content-Length: -1\r\n", b"{}"), 400),
    "content-length hex": (post(b"Content-Length: 0x2\r\n", b"{}"), 400),
    "content-length empty": (post(b"Content-Length: \r\n", b"{}"), 400),
    "content-length overflow": (post(b"Content-Length: 99999999999999999999999\r\n", b"{}"), 400),
    "chunked not last": (post(b"Transfer-Encoding: chunked, gzip\r\n", CHUNKED_EMPTY_OBJECT), 400),
    "chunked in HTTP/1.0": (post(b"Transfer-Encoding: chunked\r\n", CHUNKED_EMPTY_OBJECT, b"HTTP/1.0"), 400),
    "whitespace before the colon": (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    "tab before the colon": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n", 400),
    "empty header name": (b"GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400),
    "header line without a colon": (b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400),
    "missing host in HTTP/1.1": (b"GET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n", 400),
    "two host headers": (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
    "two identical host headers": (b"GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400),
    "invalid chunk size": (post(b"Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n"), 400),
    "negative chunk size": (post(b"Transfer-Encoding: chunked\r\n", b"-2\r\n{}\r\n0\r\n\r\n"), 400),
    "chunk data longer than its size": (post(b"Transfer-Encoding: chunked\r\n", b"1\r\n{}\r\n0\r\n\r\n"), 400),
    "bare garbage": (b"hello there\r\n\r\n", 400),
    "binary garbage": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)) + b"\r\n\r\n", 400),
    "lowercase method": (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "no version": (b"GET /\r\nHost: x\r\n\r\n", (400, 505)),
    "bare LF line endings": (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    "NUL in a header value": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    "CR inside a header value": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
    "space in the target": (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "unknown transfer coding last": (post(b"Transfer-Encoding: gzip, chunked\r\n", CHUNKED_EMPTY_OBJECT), 501),
    # "Transfer-Encoding: gzip" alone on a request: RFC 9112 6.3 says the length cannot be
    # determined -> 400; a server may also answer 501 for the unknown coding.
    "unknown transfer coding alone": (post(b"Transfer-Encoding: gzip\r\n", b"{}"), (400, 501)),
    "HTTP/1.2": (b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505),
    "HTTP/2.0": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    "HTTP/3.0": (b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    # An HTTP/0.9 simple request: malformed (400) or a version we do not speak (505).
    "HTTP/0.9 style": (b"GET /\r\n\r\n", (400, 505)),
}

FOLLOW_UP = b"GET /seq/99 HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("name", list(REJECTED))
def test_bad_framing_is_refused_and_closed(server, name):
    data, status = REJECTED[name]
    ex = exchange(server, data + FOLLOW_UP)
    rs = ex.responses()
    assert len(rs) == 1, f"{name}: expected exactly one response (the follow-up must not be parsed): {ex}"
    r = rs[0]
    allowed = status if isinstance(status, tuple) else (status,)
    assert r.status in allowed, f"{name}: expected {status}: {ex}"
    assert (r.header("connection") or "").lower() == "close", ex
    assert ex.closed, f"{name}: connection not closed after {r.status}: {ex}"
    assert b"seq" not in ex.raw, ex
    assert_serves(server)


def test_obs_fold_is_refused_or_folded(server):
    """obs-fold (a header line continued with leading whitespace): RFC 9112 5.2 lets a server
    either reject it with 400 or replace each fold by spaces; we reject, and close."""
    ex = exchange(server, b"GET /headers HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n  b\r\nConnection: close\r\n\r\n")
    assert ex.response().status == 400, ex
    assert ex.closed, ex
    assert_serves(server)


def test_obs_fold_cannot_smuggle_a_header(server):
    ex = exchange(server, b"GET /headers HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n X-User: evil\r\nConnection: close\r\n\r\n")
    r = ex.response()
    if r.status == 200:
        assert r.json()["x_user"] is None, ex
    else:
        assert r.status == 400 and ex.closed, ex


def test_content_length_with_surrounding_spaces_is_fine(server):
    ex = exchange(server, post(b"Content-Length:   2  \r\nConnection: close\r\n", b"{}"))
    r = ex.response()
    assert r.status == 200 and r.json()["body"] == {}, ex


def test_transfer_encoding_chunked_in_any_case_is_fine(server):
    ex = exchange(server, post(b"Transfer-Encoding: ChUnKeD\r\nConnection: close\r\n", CHUNKED_EMPTY_OBJECT))
    r = ex.response()
    assert r.status == 200 and r.json()["body"] == {}, ex


def test_http10_without_host_is_fine(server):
    ex = exchange(server, b"GET /seq/4 HTTP/1.0\r\n\r\n")
    r = ex.response()
    assert r.status == 200 and r.json()["i"] == 4, ex
    assert ex.closed, ex


# --- chunked trailers -----------------------------------------------------------------------------


def test_trailers_never_become_headers(server):
    body = b"2\r\n{}\r\n0\r\nX-User: evil\r\nX-Trailer: t\r\n\r\n"
    ex = exchange(server, post(b"Transfer-Encoding: chunked\r\nConnection: close\r\n", body))
    r = ex.response()
    assert r.status == 200, ex
    assert r.json() == {"body": {}, "x_user": None, "x_trailer": None}, ex


def test_trailer_does_not_override_a_header(server):
    body = b"2\r\n{}\r\n0\r\nX-User: evil\r\n\r\n"
    ex = exchange(server, post(b"X-User: alice\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n", body))
    r = ex.response()
    assert r.status == 200 and r.json()["x_user"] == "alice", ex


def test_trailers_then_pipelined_request(server):
    body = b"2\r\n{}\r\n0\r\nX-User: evil\r\n\r\n"
    first = post(b"Transfer-Encoding: chunked\r\n", body)
    second = b"GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ex = exchange(server, first + second)
    rs = ex.responses()
    assert [r.status for r in rs] == [200, 200], ex
    assert rs[0].json()["x_user"] is None and rs[1].json()["x_user"] is None, ex


def test_header_values_reach_the_app_trimmed(server):
    ex = exchange(server, b"GET /headers HTTP/1.1\r\nHost: x\r\nX-User:   bob \t \r\nConnection: close\r\n\r\n")
    r = ex.response()
    assert r.status == 200 and r.json()["x_user"] == "bob", ex


# --- Expect ---------------------------------------------------------------------------------------

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def test_expect_100_continue_small_body(server):
    """The client sends only the headers and waits, as curl does: the server must answer
    100 Continue before it has any of the body, then the final response once the body is in."""
    body = b'{"expect":"yes"}'
    head = post(b"Expect: 100-continue\r\nContent-Length: %d\r\n" % len(body))
    with server.connect(timeout=5) as c:
        c.send(head)
        c.sock.settimeout(2.0)
        got = b""
        try:
            while len(got) < len(CONTINUE):
                b = c.sock.recv(4096)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
        assert got.startswith(CONTINUE), (
            f"no '100 Continue' within 2 s of the headers (the client waits for it before sending the "
            f"body); received {got!r}")
        c.buf = got[len(CONTINUE):]
        c.sock.settimeout(5.0)
        c.send(body)
        r = c.read_response()
        assert r.status == 200 and r.json()["body"] == {"expect": "yes"}, r
        # The connection stays usable.
        r = c.request("GET", "/seq/5")
        assert r.status == 200 and r.json()["i"] == 5, r


def test_expect_100_continue_body_sent_without_waiting(server):
    """A client that sends the body straight away still gets 100 Continue first, then the answer,
    in that order, exactly once each."""
    body = b'{"expect":"eager"}'
    ex = exchange(server, post(b"Expect: 100-continue\r\nContent-Length: %d\r\nConnection: close\r\n" % len(body), body))
    assert ex.raw.startswith(CONTINUE), ex
    assert ex.raw.count(b"100 Continue") == 1, ex
    rs = parse_responses(ex.raw[len(CONTINUE):])
    assert len(rs) == 1 and rs[0].status == 200 and rs[0].json()["body"] == {"expect": "eager"}, ex


def test_expect_100_continue_over_the_limit_gets_413_without_100(server):
    head = post(b"Expect: 100-continue\r\nContent-Length: %d\r\n" % ((16 << 20) + 1))
    ex = exchange(server, head)
    assert b"100 Continue" not in ex.raw, ex
    r = ex.response()
    assert r.status == 413, ex
    assert ex.closed, ex
    assert ex.elapsed < 1.5, ex
    assert_serves(server)


def test_expect_100_continue_without_body_gets_no_100(server):
    ex = exchange(server, b"GET /seq/6 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
    assert b"100 Continue" not in ex.raw, ex
    r = ex.response()
    assert r.status == 200 and r.json()["i"] == 6, ex


@pytest.mark.parametrize("value", [b"foo", b"100-continue, foo", b"200-ok"])
def test_unknown_expectation_gets_417(server, value):
    ex = exchange(server, post(b"Expect: " + value + b"\r\nContent-Length: 2\r\n", b"{}"))
    r = ex.response()
    assert r.status == 417, ex
    assert ex.closed, ex
    assert_serves(server)


def test_expect_is_case_insensitive(server):
    body = b'{"a":1}'
    ex = exchange(server, post(b"Expect: 100-Continue\r\nContent-Length: %d\r\nConnection: close\r\n" % len(body), body))
    assert ex.raw.startswith(CONTINUE), ex
    rs = parse_responses(ex.raw[len(CONTINUE):])
    assert rs[0].status == 200 and rs[0].json()["body"] == {"a": 1}, ex


def test_expect_100_continue_then_silence_gets_100_then_408(make_server):
    """Headers with Expect: 100-continue, then nothing: 100 Continue at once, and the body timeout
    (1 s) still applies to the body that never comes -> 408 and close."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--body-timeout", "1", "--graceful-timeout", "3"])
    ex = raw_exchange(srv.address, post(b"Expect: 100-continue\r\nContent-Length: 2\r\n"), srv.family, timeout=4.0)
    assert ex.raw.startswith(CONTINUE), f"no 100 Continue: {ex}"
    rs = parse_responses(ex.raw[len(CONTINUE):])
    assert len(rs) == 1 and rs[0].status == 408, f"no 408 after the body timeout: {ex}"
    assert ex.closed, ex
    assert_serves(srv)


def test_expect_100_continue_client_gone_releases_the_connection(make_server):
    """A client that sends Expect headers and then closes: the master must drop the connection
    (not leave it in CLOSE-WAIT), and a graceful stop must not wait for it."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--body-timeout", "1", "--graceful-timeout", "3"])
    port = srv.address[1]
    with srv.connect(timeout=5) as c:
        c.send(post(b"Expect: 100-continue\r\nContent-Length: 2\r\n"))
        time.sleep(0.3)
    deadline = time.monotonic() + 2.5
    while close_wait_sockets(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    leaked = close_wait_sockets(port)
    assert_serves(srv)
    t0 = time.monotonic()
    srv.stop()
    stop_s = time.monotonic() - t0
    assert leaked == 0, f"{leaked} connection(s) in CLOSE-WAIT 2.5 s after the client closed (body timeout 1 s)"
    assert stop_s < 2.5, f"graceful stop took {stop_s:.1f} s with no request in flight"
