"""async def handlers and dependencies run as tasks on each worker's event loop: one worker serves
other requests while one awaits, and every response goes to the right client."""

import threading
import time

import pytest

from turbo_server import APPS_DIR, TurboServer


@pytest.fixture(scope="module")
def async_server(tmp_path_factory):
    srv = TurboServer(str(APPS_DIR / "async_app.py") + ":app", tmp_path_factory.mktemp("async"), workers=1).start()
    yield srv
    srv.stop()


def parallel(server, paths):
    results = [None] * len(paths)

    def run(i, path):
        results[i] = server.get(path)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(paths)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_one_worker_overlaps_awaiting_handlers(async_server):
    async_server.get("/sleep?ms=1")  # warm
    start = time.monotonic()
    results = parallel(async_server, [f"/sleep?ms={300 + i}" for i in range(10)])
    elapsed = time.monotonic() - start
    assert [r.json() for r in results] == [{"slept_ms": 300 + i} for i in range(10)]
    assert elapsed < 1.5, f"10 x 300 ms awaits on one worker took {elapsed:.2f} s: they did not overlap"


def test_sync_route_answers_while_an_async_one_awaits(async_server):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", async_server.get("/sleep?ms=800")))
    t.start()
    time.sleep(0.15)
    start = time.monotonic()
    r = async_server.get("/sync")
    took = time.monotonic() - start
    t.join(10)
    assert r.json() == {"sync": True} and took < 0.4, f"/sync waited {took:.2f} s behind an await"
    assert box["r"].json() == {"slept_ms": 800}


def test_async_dependencies_overlap_too(async_server):
    start = time.monotonic()
    results = parallel(async_server, ["/dep"] * 6)
    assert all(r.status == 200 and r.json() == {"value": "dep"} for r in results)
    assert time.monotonic() - start < 1.2


def test_async_exception_is_a_500_and_the_worker_keeps_serving(async_server):
    results = parallel(async_server, ["/fail", "/sleep?ms=100", "/fail?after_ms=10", "/sync"])
    assert results[0].status == 500 and results[0].body == b"Internal Server Error"
    assert results[2].status == 500
    assert results[1].json() == {"slept_ms": 100} and results[3].json() == {"sync": True}
    async_server.wait_for_output("stderr", lambda s: "async handler failed on purpose" in s)


def test_http_exception_from_an_async_handler(async_server):
    r = async_server.get("/http-error")
    assert r.status == 418 and r.json() == {"detail": "teapot"} and r.header("x-why") == "test"


def test_pipelined_async_requests_come_back_in_order(async_server):
    with async_server.connect() as c:
        # the first sleeps longest: responses must still be in request order on the connection
        c.send(b"".join(f"GET /sleep?ms={ms} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for ms in (300, 10, 100)))
        assert [c.read_response().json()["slept_ms"] for _ in range(3)] == [300, 10, 100]
