"""Pipelining, bodiless responses (HEAD, 204, 304) and client disconnects, with 2 workers."""

import json
import socket
import time

import pytest

from turbo_server import (FRONT_APP, TurboServer, assert_serves, close_wait_sockets, descendants, parse_responses,
                          raw_exchange)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-pipelining"), workers=2,
                      extra_args=["--header-timeout", "3", "--body-timeout", "3", "--keep-alive", "2",
                                  "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


def get(path: str, extra: bytes = b"") -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n"


# --- pipelining -----------------------------------------------------------------------------------


def test_pipelined_slow_and_fast_requests_answer_in_order(server):
    """Slow requests (sleep) and fast ones in one write: with 2 workers the fast ones finish first,
    yet every response must come back in request order."""
    plan = []
    for i in range(16):
        plan.append(("slow", i) if i % 5 == 0 else ("fast", i))
    data = b"".join(get(f"/sleep?s=0.15&i={i}") if kind == "slow" else get(f"/seq/{i}") for kind, i in plan)
    with server.connect(timeout=15) as c:
        c.send(data)
        got = [c.read_response() for _ in plan]
        assert not c.is_closed(0.2)
    pids = set()
    for (kind, i), r in zip(plan, got):
        assert r.status == 200, r
        body = r.json()
        assert body["i"] == i, f"response {i} out of order: {[x.json().get('i') for x in got]}"
        if kind == "slow":
            assert body["slept"] == 0.15, r
        pids.add(body["pid"])
    # Both workers took part, so responses really were produced out of order.
    assert len(pids) == 2, f"only worker(s) {pids} answered: the order was never put to the test"


def test_100_pipelined_requests_in_one_write(server):
    """More than the 32 requests a connection may have in flight: reading pauses, then resumes,
    and all 100 are answered in order."""
    data = b"".join(get(f"/seq/{i}") for i in range(100))
    with server.connect(timeout=20) as c:
        c.send(data)
        for i in range(100):
            r = c.read_response()
            assert r.status == 200 and r.json()["i"] == i, r
        r = c.request("GET", "/seq/1000")
        assert r.json()["i"] == 1000, r


def test_pipelined_requests_with_bodies_and_a_slow_head(server):
    reqs = [get("/sleep?s=0.3&i=0")]
    expected = [0]
    for i in range(1, 40):
        if i % 2:
            body = json.dumps({"i": i, "pad": "p" * (i * 50)}).encode()
            reqs.append(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        else:
            reqs.append(get(f"/seq/{i}"))
        expected.append(i)
    with server.connect(timeout=20) as c:
        c.send(b"".join(reqs))
        for i in expected:
            r = c.read_response()
            assert r.status == 200, r
            j = r.json()
            got = j["body"]["i"] if "body" in j else j["i"]
            assert got == i, r


def test_pipeline_ending_with_connection_close(server):
    data = get("/seq/1") + get("/sleep?s=0.1&i=2") + get("/seq/3", b"Connection: close\r\n") + get("/seq/4")
    ex = raw_exchange(server.address, data, server.family, timeout=10)
    rs = ex.responses()
    assert [r.json()["i"] for r in rs] == [1, 2, 3], ex
    assert (rs[-1].header("connection") or "").lower() == "close", ex
    assert ex.closed, ex


def test_pipeline_with_an_error_in_the_middle(server):
    """Good, good, malformed, good: the two first are answered in order, then 400 and close; the
    request after the malformed one is never answered."""
    data = get("/sleep?s=0.2&i=1") + get("/seq/2") + b"GARBAGE\r\n\r\n" + get("/seq/4")
    ex = raw_exchange(server.address, data, server.family, timeout=10)
    rs = ex.responses()
    assert [r.status for r in rs] == [200, 200, 400], ex
    assert [r.json()["i"] for r in rs[:2]] == [1, 2], ex
    assert ex.closed, ex
    assert_serves(server)


# --- bodiless responses ---------------------------------------------------------------------------


def test_head_has_headers_but_no_body(server):
    with server.connect(timeout=10) as c:
        get_r = c.request("GET", "/page")
        assert get_r.status == 200 and len(get_r.body) == 1007, get_r
        # HEAD then GET in one write: if HEAD carried body bytes, the GET's status line would not
        # come right after the HEAD's headers.
        c.send(b"HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n" + get("/seq/8"))
        head = c.read_response(head_request=True)
        after = c.read_response()
    assert head.status == 200, head
    assert head.header("content-length") == "1007", head
    assert head.header("content-type") == get_r.header("content-type"), head
    assert head.body == b"" and head.raw.endswith(b"\r\n\r\n"), head
    assert after.status == 200 and after.json()["i"] == 8, after


def test_head_with_connection_close_sends_nothing_after_headers(server):
    ex = raw_exchange(server.address, b"HEAD /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      server.family, timeout=5)
    assert ex.closed, ex
    head, sep, rest = ex.raw.partition(b"\r\n\r\n")
    assert sep and rest == b"", ex
    assert b"content-length: 1007" in head.lower(), ex


def test_head_of_an_error_has_no_body(server):
    ex = raw_exchange(server.address, b"HEAD /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      server.family, timeout=5)
    head, sep, rest = ex.raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 "), ex
    assert sep and rest == b"", ex


@pytest.mark.parametrize("path,status", [("/no-content", 204), ("/not-modified", 304)])
def test_204_and_304_have_no_body_and_no_content_length(server, path, status):
    # Followed by a GET on the same connection: the next status line must come right after.
    with server.connect(timeout=10) as c:
        c.send(get(path) + get("/seq/9"))
        r = c.read_response()
        after = c.read_response()
    assert r.status == status, r
    assert r.header("content-length") is None, r
    assert r.header("transfer-encoding") is None, r
    assert r.raw.endswith(b"\r\n\r\n") and r.body == b"", r
    assert r.header("date"), r
    assert after.status == 200 and after.json()["i"] == 9, after
    if status == 304:
        assert r.header("etag") == '"v1"', r


def test_204_with_connection_close_sends_nothing_after_headers(server):
    ex = raw_exchange(server.address, get("/no-content", b"Connection: close\r\n"), server.family, timeout=5)
    assert ex.closed, ex
    head, sep, rest = ex.raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 204 ") and sep and rest == b"", ex


# --- disconnects ----------------------------------------------------------------------------------


def worker_pids(srv) -> set[int]:
    return set(descendants(srv.pid))


def test_client_closes_right_after_a_slow_request(server):
    before = worker_pids(server)
    for i in range(3):
        s = socket.create_connection(server.address)
        s.sendall(get(f"/sleep?s=0.3&i={i}"))
        s.close()
    # And one that resets instead of closing (SO_LINGER 0).
    s = socket.create_connection(server.address)
    s.sendall(get("/sleep?s=0.3&i=9"))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    time.sleep(1.0)  # the abandoned requests run to completion; their answers go nowhere
    assert_serves(server)
    with server.connect(timeout=10) as c:
        r = c.request("GET", "/sleep?s=0.1&i=5")
        assert r.status == 200 and r.json()["i"] == 5, r
    assert worker_pids(server) == before, "a worker was replaced after a client disconnect"


def test_client_closes_mid_body(server):
    before = worker_pids(server)
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    s = socket.create_connection(server.address)
    s.sendall(head + b'{"k":"' + b"a" * 5000)
    s.close()
    s = socket.create_connection(server.address)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123")
    s.close()
    time.sleep(0.3)
    assert_serves(server)
    with server.connect(timeout=10) as c:
        r = c.request("POST", "/echo", body=b'{"after":1}')
        assert r.status == 200 and r.json()["body"] == {"after": 1}, r
        big = b'{"k":"' + b"c" * (1 << 20) + b'"}'
        r = c.request("POST", "/echo", body=big)
        assert r.status == 200 and r.json()["body"] == {"k": "c" * (1 << 20)}, r
    for _ in range(4):  # both workers are free again
        r = assert_serves(server, "/sleep?s=0.01")
    assert worker_pids(server) == before, "a worker was replaced after a client disconnect"


def test_client_closes_mid_large_body(make_server):
    """A large body (>= 256 KiB, streamed to a worker as it arrives): 300 KiB of 4 MiB, then the
    client is gone. The worker must not stay stuck waiting for the rest (own server, 1 worker)."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--body-timeout", "2", "--graceful-timeout", "3"])
    before = worker_pids(srv)
    s = socket.create_connection(srv.address)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (4 << 20) + b'{"k":"' + b"b" * (300 << 10))
    s.close()
    time.sleep(0.3)
    with srv.connect(timeout=5) as c:
        try:
            r = c.request("GET", "/seq/1")
        except OSError as e:
            pytest.fail(f"GET /seq/1 after an abandoned 4 MiB upload: no answer in 5 s ({type(e).__name__}); "
                        "the only worker is stuck")
        assert r.status == 200, r
        big = b'{"k":"' + b"c" * (1 << 20) + b'"}'
        r = c.request("POST", "/echo", body=big)
        assert r.status == 200 and r.json()["body"] == {"k": "c" * (1 << 20)}, r
    assert worker_pids(srv) == before, "the worker was replaced after a client disconnect"


def test_client_half_closes_after_a_request_still_gets_the_answer(server):
    """shutdown(SHUT_WR) after the request: the client can still read, so it gets the answer."""
    s = socket.create_connection(server.address)
    s.settimeout(10)
    try:
        s.sendall(get("/sleep?s=0.2&i=3") + get("/seq/4"))
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    finally:
        s.close()
    rs = parse_responses(data)
    assert [r.json()["i"] for r in rs] == [3, 4], data


@pytest.mark.parametrize("cork", [False, True], ids=["plain", "fin-with-data"])
def test_half_closed_client_gets_eof_right_after_the_answer(server, cork):
    """GET then shutdown(SHUT_WR): the server answers and then closes at once (it has seen the
    EOF: no more requests can come), instead of idling until the 2 s keep-alive timeout."""
    s = socket.create_connection(server.address)
    s.settimeout(10)
    try:
        time.sleep(0.05)
        if cork:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(get("/seq/11"))
        s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        data, answered_at = b"", None
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            if answered_at is None and b"}" in data:
                answered_at = time.monotonic()
        eof_after = time.monotonic() - (answered_at or t0)
    finally:
        s.close()
    rs = parse_responses(data)
    assert len(rs) == 1 and rs[0].json()["i"] == 11, data
    assert eof_after < 1.5, f"EOF came {eof_after:.2f} s after the answer to a half-closed client"


def test_many_abandoned_connections_do_not_break_the_server(server):
    for i in range(50):
        s = socket.create_connection(server.address)
        if i % 3 == 0:
            s.sendall(get(f"/seq/{i}"))
        elif i % 3 == 1:
            s.sendall(b"GET /seq/1 HTTP/1.1\r\nHo")
        s.close()
    for i in range(5):
        r = assert_serves(server, f"/seq/{i}")
        assert r.json()["i"] == i, r


PARTIAL_REQUESTS = {
    "mid-headers": b"GET /seq/1 HTTP/1.1\r\nHo",
    "mid-body": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
    "mid-chunk": b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{",
}


def test_client_closing_mid_request_is_released_promptly(make_server):
    """A client that sends part of a request and closes: the master must see the EOF and drop the
    connection at once, not hold it in CLOSE-WAIT until the 30 s header/body timeout. With
    TCP_CORK the bytes and the FIN leave in one segment, so the server sees data and EOF in the
    same readiness event (the case an edge-triggered reader must not miss); half the connections
    send at once after connecting, half 50 ms later (accepted and registered by then)."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--graceful-timeout", "2"])
    port = srv.address[1]
    leaks = {}
    for name, partial in PARTIAL_REQUESTS.items():
        baseline = close_wait_sockets(port)
        for k in range(6):
            s = socket.create_connection(srv.address)
            if k % 2:
                time.sleep(0.05)  # accepted and registered by now
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            s.sendall(partial)
            s.close()  # the FIN rides on the corked data segment
        deadline = time.monotonic() + 1.0
        while close_wait_sockets(port) > baseline and time.monotonic() < deadline:
            time.sleep(0.05)
        leaks[name] = close_wait_sockets(port) - baseline
    assert_serves(srv)
    assert all(n <= 0 for n in leaks.values()), (
        f"connections left in CLOSE-WAIT by the master 1 s after the client closed (of 6 each): {leaks}")


def test_upload_finished_while_queued_behind_another_keeps_its_connection_reading(make_server):
    """Regression: an upload whose last bytes arrived while it waited behind another upload (1 worker)
    left its connection's reading paused, and since it was complete nothing resumed it: the
    connection's next request was never read (wrk -c8 of 1 MiB POSTs stalled the server)."""
    srv = make_server(FRONT_APP, workers=1)
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    first = b'{"k":"' + b"a" * ((2 << 20) - 8) + b'"}'
    second = b'{"k":"' + b"c" * ((1 << 20) - 8) + b'"}'  # 1 MiB: crosses the 1 MiB high-water mark at its very end
    with srv.connect(timeout=10) as a, srv.connect(timeout=10) as b:
        a.sock.sendall(head % len(first) + first[: 300 << 10])  # waits for the rest at the head of the queue
        time.sleep(0.3)
        b.sock.sendall(head % len(second) + second)  # whole, but queued behind the first upload
        time.sleep(0.3)
        a.sock.sendall(first[300 << 10:])
        r = a.read_response()
        assert r.status == 200 and len(r.json()["body"]["k"]) == (2 << 20) - 8, r
        r = b.read_response()
        assert r.status == 200 and len(r.json()["body"]["k"]) == (1 << 20) - 8, r
        try:
            r = b.request("GET", "/seq/1")
        except OSError as e:
            pytest.fail(f"the connection whose upload completed while queued read nothing more ({type(e).__name__})")
        assert r.status == 200, r
