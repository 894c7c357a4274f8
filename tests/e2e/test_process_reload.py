"""Process manager: graceful reload (HUP, --reload) under real keep-alive load.

Every response and every connection error of the load threads is counted (LoadGenerator); a
reload must not cost a single request, and must run the code as it is on disk at reload time.
"""

import os
import re
import signal
import time

import pytest

from turbo_server import LoadGenerator, child_pids, copy_proc_app, rewrite_app, set_app_version, wait_until

LOAD_PATH = "/work?ms=2"


def start_proc_app(make_server, tmp_path, workers: int, extra_args=()):
    app = copy_proc_app(tmp_path / "app")
    srv = make_server(f"{app}:app", workers=workers, extra_args=["--no-access-log", *extra_args])
    workers_now = wait_until(lambda: (lambda k: k if len(k) == workers else None)(child_pids(srv.pid)), 5.0)
    assert workers_now, f"expected {workers} worker processes under master {srv.pid}, got {child_pids(srv.pid)}"
    return app, srv, workers_now


def wait_for_new_generation(srv, old: set[int], workers: int, timeout: float):
    """Poll the master's children until there are exactly `workers` of them, none of them old."""

    def check():
        kids = child_pids(srv.pid)
        return kids if len(kids) == workers and not kids & old else None

    return wait_until(check, timeout, interval=0.01)


@pytest.mark.parametrize("workers", [1, 2])
def test_hup_reload_under_load_drops_nothing_and_runs_new_code(make_server, tmp_path, workers):
    app, srv, old = start_proc_app(make_server, tmp_path, workers)
    with LoadGenerator(srv.address, LOAD_PATH, threads=4) as load:
        load.wait_count(300, 10.0)
        assert not load.failures(), load.summary()
        set_app_version(app, "v2-after-hup")
        t_hup = time.monotonic()
        os.kill(srv.pid, signal.SIGHUP)
        new = wait_for_new_generation(srv, old, workers, 10.0)
        t_done = time.monotonic()
        assert new, (f"after HUP the workers are {child_pids(srv.pid)} (old {old}); stderr:\n{srv.stderr()[-3000:]}")
        load.wait_count(300, 10.0)
    records = load.snapshot()
    assert not load.failures(records), f"HUP reload lost requests: {load.summary(records)}"
    during = [r for r in records if t_hup <= r[0] <= t_done]
    after = [r for r in records if r[0] > t_done]
    assert len(after) >= 300, load.summary(records)
    assert {r[3]["version"] for r in after} == {"v2-after-hup"}, load.statuses(after)
    assert load.pids(after) <= new, f"pids after the reload {load.pids(after)}, new workers {new}"
    assert t_done - t_hup < 5.0, f"reloading {workers} worker(s) took {t_done - t_hup:.1f} s"
    log = srv.stderr()
    for pid in old:
        assert f"retiring worker {pid} (replaced)" in log, log[-3000:]
    for pid in new:
        assert f"Booting worker with pid: {pid}" in log, log[-3000:]
    # Each old worker is retired only after its replacement booted, and the next replacement is
    # started only after that retirement: Booting, retiring, Booting, retiring...
    tail = log[log.index("Handling signal: hup"):]
    events = re.findall(r"(Booting worker with pid|retiring worker \d+ \(replaced\))", tail)
    assert [e.split()[0] for e in events[: 2 * workers]] == ["Booting", "retiring"] * workers, \
        f"reload order in the log: {events}"
    print(f"HUP reload of {workers} worker(s): {t_done - t_hup:.2f} s, {len(during)} requests during it, "
          f"{load.summary(records)}")


def test_hup_with_app_that_no_longer_imports_keeps_old_workers(make_server, tmp_path):
    app, srv, old = start_proc_app(make_server, tmp_path, 2)
    good_source = app.read_text()
    with LoadGenerator(srv.address, LOAD_PATH, threads=4) as load:
        load.wait_count(200, 10.0)
        rewrite_app(app, good_source + '\nraise RuntimeError("proc_app v2 is broken at import")\n')
        t_hup = time.monotonic()
        os.kill(srv.pid, signal.SIGHUP)
        log = srv.wait_for_output("stderr", lambda t: "reload failed" in t, timeout=10.0)
        assert "reload failed" in log, f"no 'reload failed' in the log after HUP:\n{log[-3000:]}"
        load.wait_count(300, 10.0)
        time.sleep(1.0)  # no retry storm, no retirement of the old workers afterwards
        t_check = time.monotonic()
        load.wait_count(200, 10.0)
        still = child_pids(srv.pid)
        assert still == old, f"workers after the failed reload: {still}, before: {old}"

        # The fixed code reloads fine afterwards: a failed reload does not wedge the next one.
        rewrite_app(app, good_source.replace('VERSION = "v1"', 'VERSION = "v3-fixed"'))
        t_hup2 = time.monotonic()
        os.kill(srv.pid, signal.SIGHUP)
        new = wait_for_new_generation(srv, old, 2, 10.0)
        t_done2 = time.monotonic()
        assert new, f"the HUP after a failed reload did not replace the workers; stderr:\n{srv.stderr()[-3000:]}"
        load.wait_count(200, 10.0)
    records = load.snapshot()
    assert not load.failures(records), f"requests failed around the failed reload: {load.summary(records)}"
    between = [r for r in records if t_hup <= r[0] < t_hup2]
    assert {r[3]["version"] for r in between} == {"v1"}, load.statuses(between)
    assert load.pids([r for r in records if t_check <= r[0] < t_hup2]) <= old
    after = [r for r in records if r[0] > t_done2]
    assert after and {r[3]["version"] for r in after} == {"v3-fixed"}, load.statuses(after)

    log = srv.stderr()
    failed_part = log[log.index("Handling signal: hup"):log.index("reload failed")]
    assert "Traceback (most recent call last)" in failed_part, failed_part[-3000:]
    assert "proc_app v2 is broken at import" in failed_part, failed_part[-3000:]
    first_hup = log[log.index("Handling signal: hup"):]
    first_hup = first_hup[:first_hup.index("Handling signal: hup", 10)]
    boots = first_hup.count("Booting worker with pid")
    assert boots == 1, f"the broken code was started {boots} times after one HUP:\n{first_hup}"
    for pid in old:
        assert f"retiring worker {pid}" not in first_hup, first_hup


def test_reload_flag_picks_up_an_edited_file(make_server, tmp_path):
    app, srv, old = start_proc_app(make_server, tmp_path, 2, extra_args=["--reload"])
    srv.wait_for_output("stderr", lambda t: "--reload: watching" in t, timeout=5.0)
    with LoadGenerator(srv.address, LOAD_PATH, threads=3) as load:
        load.wait_count(200, 10.0)
        set_app_version(app, "v2-edited")
        t_edit = time.monotonic()
        first_v2 = wait_until(lambda: next((r for r in load.snapshot() if r[2] == 200 and r[3]["version"] == "v2-edited"),
                                           None), 10.0)
        assert first_v2, f"no response from the edited code within 10 s; stderr:\n{srv.stderr()[-3000:]}"
        new = wait_for_new_generation(srv, old, 2, 10.0)
        t_done = time.monotonic()
        assert new, f"old workers still there after the edit: {child_pids(srv.pid)}; stderr:\n{srv.stderr()[-3000:]}"
        load.wait_count(200, 10.0)
    records = load.snapshot()
    assert not load.failures(records), f"--reload lost requests: {load.summary(records)}"
    latency = first_v2[1] - t_edit
    assert latency < 3.0, f"the edited code answered {latency:.1f} s after the edit"
    after = [r for r in records if r[0] > t_done]
    assert after and {r[3]["version"] for r in after} == {"v2-edited"}, load.statuses(after)
    assert "proc_app.py changed" in srv.stderr(), srv.stderr()[-2000:]


def test_reload_flag_ignores_non_python_files(make_server, tmp_path):
    app, srv, old = start_proc_app(make_server, tmp_path, 1, extra_args=["--reload"])
    srv.wait_for_output("stderr", lambda t: "--reload: watching" in t, timeout=5.0)
    (app.parent / "notes.txt").write_text("not python\n")
    (app.parent / "data.json").write_text("{}\n")
    time.sleep(1.5)
    assert child_pids(srv.pid) == old, srv.stderr()[-2000:]
    assert "reloading" not in srv.stderr(), srv.stderr()[-2000:]
