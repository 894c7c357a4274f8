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
