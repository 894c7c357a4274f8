"""The front end's timeouts, with 1-second settings: --header-timeout (slowloris), --body-timeout,
--keep-alive and --write-timeout.

The master checks timeouts on a 250 ms tick, so a 1 s timeout fires between 1.0 and ~1.5 s; the
windows below allow for a loaded 2-core machine.
"""

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from turbo_server import FRONT_APP, TurboServer, assert_serves, parse_responses, raw_exchange

TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-timeouts"), workers=1, extra_args=[
        "--header-timeout", "1", "--body-timeout", "1", "--keep-alive", "1", "--write-timeout", "1",
        "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


def exchange(srv, data, timeout=6.0, **kw):
    return raw_exchange(srv.address, data, srv.family, timeout, **kw)


# --- header and body timeouts ---------------------------------------------------------------------
#
# Each case alone takes the whole timeout, so the cases of one kind run side by side (threads), and
# every case is then checked with its own label.

HEADER_STALLS = {
    "incomplete headers": [(b"GET / HTTP/1.1\r\nHost: x\r\n", 0.0)],
    # A header line every 200 ms keeps the connection busy but never finishes the headers: the
    # header timeout counts from the request's first byte, so progress does not extend it.
    "slowloris trickle": [(b"GET / HTTP/1.1\r\nHost: x\r\n", 0.2)] + [(b"X-Slow-%d: 1\r\n" % i, 0.2) for i in range(25)],
    "request line byte by byte": [(bytes([b]), 0.1) for b in b"GET /seq/1?padding=" + b"a" * 60 + b" HTTP/1.1\r\n"],
    "second request on a connection": [(b"GET /seq/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0.3), (b"GET /seq/2 HTTP/1.1\r\nHost", 0.0)],
}

BODY_STALLS = {
    "content-length body stalls": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"k\":", 0.0)],
    "chunked body stalls": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"k\":", 0.0)],
    "chunked body stalls in a chunk header": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5", 0.0)],
    "no body after the headers": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n", 0.0)],
}

# Bodies large enough (>= 256 KiB) for the master to stream them to a worker as they arrive.
LARGE_BODY_STALLS = {
    "large body stalls": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n{\"k\":\"" + b"a" * 65536, 0.0)],
    "large body, nothing after the headers": [(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n", 0.0)],
}


def run_side_by_side(srv, cases: dict, timeout: float = 6.0) -> dict:
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {name: pool.submit(exchange, srv, parts, timeout) for name, parts in cases.items()}
        return {name: f.result() for name, f in futures.items()}


def check_408s(results: dict, min_elapsed: float) -> list[str]:
    problems = []
    for name, ex in results.items():
        rs = ex.responses()
        statuses = [r.status for r in rs]
        if not statuses or statuses[-1] != 408 or any(s != 200 for s in statuses[:-1]):
            problems.append(f"{name}: expected a final 408, got {statuses}: {ex}")
        elif (rs[-1].header("connection") or "").lower() != "close":
            problems.append(f"{name}: 408 without connection: close: {ex}")
        elif not ex.closed:
            problems.append(f"{name}: connection left open after the 408: {ex}")
        elif not min_elapsed <= ex.elapsed <= TIMEOUT + 2.0:
            problems.append(f"{name}: 408 after {ex.elapsed:.2f} s (timeout {TIMEOUT} s): {ex}")
    return problems


def test_header_timeout_408(server):
    results = run_side_by_side(server, HEADER_STALLS)
    problems = check_408s(results, TIMEOUT * 0.9)
    assert not problems, "\n".join(problems)
    assert_serves(server)


def test_body_timeout_408(server):
    results = run_side_by_side(server, BODY_STALLS)
    problems = check_408s(results, TIMEOUT * 0.9)
    assert not problems, "\n".join(problems)
    assert_serves(server)


def test_body_timeout_408_for_a_streamed_body(make_server):
    """The same for large bodies, which take the streaming path; and the worker the request went to
    is free again afterwards (own server: a stuck worker must not take the module's down)."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--body-timeout", "1", "--graceful-timeout", "3"])
    results = run_side_by_side(srv, LARGE_BODY_STALLS, timeout=4.0)
    problems = check_408s(results, TIMEOUT * 0.9)
    with srv.connect(timeout=3) as c:
        try:
            r = c.request("GET", "/seq/1")
            free = f"answered {r.status}"
        except OSError as e:
            free = f"no answer in 3 s ({type(e).__name__})"
    assert not problems, "\n".join(problems) + f"\nGET /seq/1 afterwards (1 worker): {free}"
    assert free == "answered 200", free


def test_headers_arriving_in_time_in_pieces_are_served(server):
    parts = [(b"GET /seq/7 HTTP/1.1\r\n", 0.2), (b"Host: x\r\n", 0.2), (b"Connection: close\r\n\r\n", 0.0)]
    ex = exchange(server, parts)
    rs = ex.responses()
    assert len(rs) == 1 and rs[0].status == 200 and rs[0].json()["i"] == 7, ex


def test_slow_but_steady_body_is_served(server):
    """--body-timeout bounds the wait for more body bytes, not the whole body: a body trickled
    every 300 ms for ~1.8 s (longer than the timeout) still completes."""
    body = b'{"k":"abcdefgh"}'
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    parts = [(head, 0.3)] + [(body[i:i + 3], 0.3) for i in range(0, len(body), 3)]
    ex = exchange(server, parts, timeout=8.0)
    rs = ex.responses()
    assert len(rs) == 1 and rs[0].status == 200, ex
    assert rs[0].json()["body"] == {"k": "abcdefgh"}, ex


# --- keep-alive -----------------------------------------------------------------------------------


def test_idle_keep_alive_connection_is_closed_silently(server):
    with server.connect(timeout=5) as c:
        r = c.request("GET", "/seq/3")
        assert r.status == 200 and (r.header("connection") or "").lower() != "close", r
        t0 = time.monotonic()
        data = b""
        try:
            while True:
                b = c.sock.recv(65536)
                if not b:
                    break
                data += b
        except ConnectionResetError:
            pass
        waited = time.monotonic() - t0
    assert data == b"", f"bytes sent on an idle keep-alive connection: {data!r}"
    assert TIMEOUT * 0.9 <= waited <= TIMEOUT + 2.0, f"idle connection closed after {waited:.2f} s"


def test_connection_that_never_sends_is_closed_silently(server):
    ex = exchange(server, [(b"", 0.0)], timeout=5.0)
    assert ex.closed and ex.raw == b"", ex
    assert ex.elapsed <= TIMEOUT + 2.0, ex


def test_keep_alive_connection_used_within_timeout_stays_open(server):
    with server.connect(timeout=5) as c:
        for i in range(3):
            r = c.request("GET", f"/seq/{i}")
            assert r.status == 200 and r.json()["i"] == i, r
            time.sleep(0.6)  # less than the keep-alive each time, more than it in total


def test_slow_handler_is_not_cut_by_keep_alive_or_header_timeout(server):
    """A request waiting for its worker is not idle: a 1.8 s handler outlives both 1 s timeouts."""
    with server.connect(timeout=10) as c:
        r = c.request("GET", "/sleep?s=1.8&i=1")
        assert r.status == 200 and r.json()["i"] == 1, r
        r = c.request("GET", "/seq/2")
        assert r.status == 200, r


# --- write timeout --------------------------------------------------------------------------------


def test_client_that_reads_nothing_is_dropped(server):
    """A 64 MiB response to a client that reads nothing for 2.5 s: after --write-timeout (1 s) of no
    progress the server drops the connection, so reading afterwards ends early (EOF or reset)."""
    size = 64 << 20
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(10)
    s.connect(server.address)
    try:
        s.sendall(b"GET /bytes?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % size)
        time.sleep(2.5)
        got, ended = 0, False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                b = s.recv(1 << 20)
            except ConnectionResetError:
                ended = True
                break
            except socket.timeout:
                break
            if not b:
                ended = True
                break
            got += len(b)
    finally:
        s.close()
    assert ended, f"connection still open after reading {got} bytes"
    assert got < size, f"the whole {size}-byte response arrived ({got} bytes incl. headers)"
    assert server.wait_for_output("stderr", lambda t: "read nothing" in t), server.stderr()[-2000:]
    assert_serves(server)


def test_reader_that_keeps_up_gets_the_whole_big_response(server):
    """The write timeout is about no progress: a client reading steadily gets all 8 MiB."""
    size = 8 << 20
    with server.connect(timeout=20) as c:
        c.send(b"GET /bytes?n=%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % size)
        r = c.read_response()
    assert r.status == 200 and len(r.body) == size, r
    assert parse_responses(r.raw)[0].body == r.body
