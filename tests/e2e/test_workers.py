"""The prefork model: several worker processes under one master, idle when idle, access log."""

import re
import threading
import time

import pytest

from turbo_server import BASIC_APP, TurboServer, descendants, is_descendant, proc_cpu_seconds, proc_starttime

WORKERS = 4


@pytest.fixture(scope="module")
def server4(tmp_path_factory):
    srv = TurboServer(BASIC_APP, tmp_path_factory.mktemp("workers4"), workers=WORKERS).start()
    yield srv
    srv.stop()


def collect_pids(server, want: int, rounds: int = 15, batch: int = 8) -> set[int]:
    """Hit /pid over fresh connections, batches of concurrent ones, until `want` pids are seen.

    Each request sleeps 50 ms in the handler so that a batch cannot be served by one worker
    without the others being idle: any sane dispatch spreads it.
    """
    seen: set[int] = set()
    errors: list[str] = []

    def one():
        try:
            r = server.get("/pid?sleep=0.05")
            if r.status != 200:
                errors.append(repr(r))
            else:
                seen.add(r.json()["pid"])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    for _ in range(rounds):
        threads = [threading.Thread(target=one) for _ in range(batch)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        if len(seen) >= want:
            break
    return seen


def test_four_distinct_worker_pids(server4):
    # Plain sequential fresh connections first (what the brief's users do), then concurrency.
    seen = {server4.get("/pid").json()["pid"] for _ in range(20)}
    if len(seen) < WORKERS:
        seen |= collect_pids(server4, WORKERS)
    assert len(seen) == WORKERS, f"saw worker pids {seen}, expected {WORKERS} distinct"
    assert server4.pid not in seen, "the master itself answered a request"
    for pid in seen:
        assert is_descendant(pid, server4.pid), f"worker {pid} is not a child of master {server4.pid}"


def test_worker_processes_are_children_of_master(server4):
    seen = collect_pids(server4, WORKERS)
    kids = descendants(server4.pid)
    assert seen <= set(kids), f"pids {seen} vs descendants {kids}"
    # Besides the workers there may be one spawner (zygote) process, nothing more.
    assert WORKERS <= len(kids) <= WORKERS + 1, f"master {server4.pid} has descendants {kids}"


def test_idle_cpu_is_negligible(server4):
    for _ in range(20):
        assert server4.get("/").status == 200
    time.sleep(1.0)  # let start-up and the requests above settle
    procs = [server4.pid] + descendants(server4.pid)
    starts = {p: proc_starttime(p) for p in procs}
    before = {p: proc_cpu_seconds(p) for p in procs}
    time.sleep(10.0)
    assert {p: proc_starttime(p) for p in procs} == starts, "processes changed during the idle period"
    delta = {p: round(proc_cpu_seconds(p) - before[p], 3) for p in procs}
    used = sum(delta.values())
    assert used < 0.1, f"{used:.2f} s of CPU used in 10 s of idleness; per pid (master {server4.pid}): {delta}"


def test_access_log_line(server4):
    r = server4.get("/items/7?q=log", headers={"User-Agent": "e2e-test/1.0"})
    assert r.status == 200
    pattern = re.compile(
        r'^127\.0\.0\.1 - - \[[^\]]+\] "GET /items/7\?q=log HTTP/1\.1" 200 (\d+) "-" "e2e-test/1\.0"$', re.M)
    out = server4.wait_for_output("stdout", lambda t: pattern.search(t) is not None)
    m = pattern.search(out)
    assert m, f"no access log line for the request; stdout tail:\n{out[-1500:]}"
    assert int(m.group(1)) == len(r.body)


def test_access_log_counts_errors_and_referer(server4):
    server4.get("/nope", headers={"User-Agent": "e2e-404", "Referer": "http://ref.example/"})
    pattern = re.compile(r'"GET /nope HTTP/1\.1" 404 22 "http://ref\.example/" "e2e-404"$', re.M)
    out = server4.wait_for_output("stdout", lambda t: pattern.search(t) is not None)
    assert pattern.search(out), f"stdout tail:\n{out[-1500:]}"


def test_no_access_log_flag(make_server):
    srv = make_server(extra_args=["--no-access-log"])
    for _ in range(3):
        assert srv.get("/").status == 200
    time.sleep(0.5)
    assert "GET / HTTP/1.1" not in srv.stdout(), srv.stdout()[-1000:]


def test_web_concurrency_sets_default_workers(make_server):
    srv = make_server(workers=None, env={"WEB_CONCURRENCY": "3"})
    seen = collect_pids(srv, 3)
    assert len(seen) == 3, seen
    more = collect_pids(srv, 4, rounds=3)
    assert len(more | seen) == 3, f"more than 3 workers answered: {more | seen}"


def test_default_is_one_worker(make_server):
    srv = make_server(workers=None)
    seen = collect_pids(srv, 2, rounds=3)
    assert len(seen) == 1, seen


def test_sigterm_stops_master_and_workers(make_server):
    srv = make_server(workers=2)
    workers = collect_pids(srv, 2)
    assert len(workers) == 2
    t0 = time.monotonic()
    rc = srv.stop()  # asserts no worker survives and no /dev/shm segment remains
    assert rc == 0, f"exit status {rc} after SIGTERM; stderr:\n{srv.stderr()[-2000:]}"
    assert time.monotonic() - t0 < 5.0, "graceful stop of an idle server took more than 5 s"
    for pid in workers:
        assert proc_starttime(pid) is None or proc_starttime(pid) != srv.known_workers.get(pid), pid
