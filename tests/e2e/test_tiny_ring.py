"""The whole pipeline with tiny shared-memory rings (--ring-size), so every request and response is
cut into many fragments and every wrap-around and full-ring wait is exercised end to end."""

import json

import pytest

from turbo_server import BASIC_APP, build_request


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    from turbo_server import TurboServer

    srv = TurboServer(BASIC_APP, tmp_path_factory.mktemp("tiny"), workers=2,
                      extra_args=["--ring-size", "4096", "--no-access-log"]).start()
    yield srv
    srv.stop()


def test_large_json_body_round_trips_through_4k_rings(tiny_server):
    doc = {"items": [{"id": i, "name": f"item-{i}", "tags": ["a", "b"]} for i in range(40000)]}
    body = json.dumps(doc, separators=(",", ":")).encode()
    assert len(body) > 1 << 20  # many times the ring: fragmented both ways, streamed both ways
    r = tiny_server.request("POST", "/echo", {"content-type": "application/json"}, body)
    assert r.status == 200
    assert r.body == body


def test_pipelined_requests_keep_their_order_through_4k_rings(tiny_server):
    with tiny_server.connect() as c:
        c.send(b"".join(build_request("GET", f"/items/{i}?q={'x' * (i % 300)}", {"Host": "t"})
                        for i in range(60)))
        for i in range(60):
            r = c.read_response()
            assert r.status == 200
            assert r.json() == {"item_id": i, "q": "x" * (i % 300)}


def test_ring_size_must_be_a_power_of_two(make_server):
    srv = make_server(extra_args=["--ring-size", "5000"], start=False)
    srv.start(wait=False)
    assert srv.proc.wait(10) == 1
    assert "power of two" in srv.stderr()


def _bytes_request(body: bytes) -> bytes:
    return (b"POST /echo-bytes HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def test_binary_bodies_echo_byte_for_byte_to_a_slow_reader(tiny_server):
    """Uploads go from the socket straight into the ring when it keeps up, and responses straight from
    the ring to the socket when nothing is queued before them: two 3 MiB bodies (random bytes, then
    every byte value), pipelined to a client with a 16 KiB receive buffer that starts reading late
    (the master's writes hit a full socket, so the rest waits in the master), come back whole and in
    order."""
    import os
    import threading
    import time

    first, second = os.urandom(3 << 20), bytes(range(256)) * (12 << 10)
    with tiny_server.connect(timeout=30, rcvbuf=16384) as c:
        sender = threading.Thread(target=c.send, args=(_bytes_request(first) + _bytes_request(second),))
        sender.start()
        time.sleep(0.5)
        a, b = c.read_response(), c.read_response()
        sender.join()
    assert a.status == 200 and a.header("content-length") == str(len(first))
    assert a.body == first
    assert b.status == 200 and b.body == second
    assert tiny_server.request("GET", "/").status == 200


def test_request_half_written_into_a_dead_workers_ring_is_sent_again_whole(make_server):
    """A 20 KB request waits half-written in the 4 KiB ring of a worker stuck in a slow handler; the
    worker is killed (--timeout 1) and the request goes to its replacement from the first byte. It
    used to resume mid-message in the fresh ring: "corrupt frame", and every replacement died."""
    import threading

    srv = make_server(workers=1, extra_args=["--ring-size", "4096", "--timeout", "1", "--no-access-log"])
    doc = {"items": ["x" * 100] * 200}
    body = json.dumps(doc).encode()
    assert 16 * 1024 < len(body) < 64 * 1024
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=srv.request("GET", "/pid?sleep=3")))
    t.start()
    import time
    time.sleep(0.3)  # the worker is in its handler now
    r = srv.request("POST", "/echo", {"content-type": "application/json"}, body)
    t.join()
    assert slow["r"].status == 504
    assert r.status == 200 and r.json() == doc
    assert "corrupt frame" not in srv.stderr()
    assert srv.request("GET", "/").status == 200
