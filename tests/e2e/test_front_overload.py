"""Overload: one worker stuck in a slow handler, --max-queue 2 --queue-timeout 1.

How the master queues (master/pool.cpp): a request goes straight into a worker's ring while that
worker has fewer than 128 requests in flight; only when every worker is at that cap do requests
wait in the master's backlog, which --max-queue bounds (over it: 503 at once) and --queue-timeout
ages (waited too long: 503). So to reach the backlog with one busy worker the test sends the slow
request plus 200 fast ones: ~127 ride in the worker's ring and are answered 200 once the slow
handler returns, 2 wait in the backlog until the queue timeout, the rest get 503 at once. Every
request must get an answer; none may be dropped.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from turbo_server import FRONT_APP, assert_serves


def test_overload_answers_503_with_retry_after_and_drops_nothing(make_server):
    srv = make_server(FRONT_APP, workers=1, extra_args=["--max-queue", "2", "--queue-timeout", "1",
                                                       "--keep-alive", "30", "--timeout", "30"])
    slow = srv.connect(timeout=20)
    slow.send(b"GET /sleep?s=3&i=-1 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.4)  # the worker is inside the handler now

    conns, per_conn = 8, 25  # 25 < 32: each connection's pipeline fits in flight at once

    def run(k: int):
        with srv.connect(timeout=20) as c:
            c.send(b"".join(b"GET /seq/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (k * 1000 + j) for j in range(per_conn)))
            out = []
            for j in range(per_conn):
                r = c.read_response()
                out.append((k * 1000 + j, r, time.monotonic()))
            return out

    t0 = time.monotonic()
    with ThreadPoolExecutor(conns) as pool:
        results = [x for f in [pool.submit(run, k) for k in range(conns)] for x in f.result()]
    first = slow.read_response()
    slow.close()

    assert first.status == 200 and first.json()["i"] == -1, first
    assert len(results) == conns * per_conn  # every request answered (read_response raises otherwise)
    statuses = {}
    for i, r, _ in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
        assert r.status in (200, 503), r
        if r.status == 200:
            assert r.json()["i"] == i, r
        else:
            assert r.header("retry-after"), r
            assert int(r.header("content-length")) == len(r.body), r
    assert statuses.get(503, 0) >= 1, f"no 503 under overload: {statuses}"
    assert statuses.get(200, 0) >= 1, f"nothing was served: {statuses}"
    # ~127 fit in the worker's ring behind the slow request; they must all have been served.
    assert statuses.get(200, 0) >= 100, f"too few served: {statuses}"
    assert srv.wait_for_output("stderr", lambda t: "overloaded" in t), srv.stderr()[-2000:]
    assert time.monotonic() - t0 < 15

    # Once the worker is free, everything is normal again.
    assert_serves(srv)
    for _ in range(5):
        r = assert_serves(srv, "/seq/5")
        assert r.json()["i"] == 5


def test_queue_timeout_503_for_requests_waiting_in_the_backlog(make_server):
    """With --max-queue large, requests beyond the worker's 128 in flight wait in the backlog and
    get 503 (with retry-after) after --queue-timeout (1 s), long before the 3 s handler ends."""
    srv = make_server(FRONT_APP, workers=1, extra_args=["--max-queue", "1000", "--queue-timeout", "1",
                                                       "--keep-alive", "30"])
    slow = srv.connect(timeout=20)
    slow.send(b"GET /sleep?s=3&i=-1 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.4)
    filler = [srv.connect(timeout=20) for _ in range(5)]
    try:
        # 5 x 26 = 130 fast requests: 127 fill the worker's in-flight cap with the slow one.
        for k, c in enumerate(filler):
            c.send(b"".join(b"GET /seq/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (k * 100 + j) for j in range(26)))
        time.sleep(0.2)
        t0 = time.monotonic()
        with srv.connect(timeout=20) as late:
            r = late.request("GET", "/seq/77777")
            waited = time.monotonic() - t0
        assert r.status == 503 and r.header("retry-after"), r
        assert 0.5 <= waited <= 2.5, f"503 after {waited:.2f} s; --queue-timeout is 1 s"
        for c in filler:
            for _ in range(26):
                r = c.read_response()
                assert r.status in (200, 503), r
    finally:
        slow.close()
        for c in filler:
            c.close()
    assert_serves(srv)
