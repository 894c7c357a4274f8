"""Process manager: stop signals (TERM, INT, QUIT), TTIN/TTOU, --pid, log files and USR1."""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from turbo_server import PROC_APP, LoadGenerator, child_pids, proc_state, wait_until

APP = f"{PROC_APP}:app"
LOAD_PATH = "/work?ms=2"


def wait_workers(srv, n: int, timeout: float = 5.0) -> set[int] | None:
    return wait_until(lambda: (lambda k: k if len(k) == n else None)(child_pids(srv.pid)), timeout)


def wait_exit(srv, timeout: float) -> tuple[int | None, float]:
    """Wait for the master to exit; (returncode or None, seconds waited)."""
    t0 = time.monotonic()
    try:
        rc = srv.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        rc = None
    return rc, time.monotonic() - t0


def refuses_connections(srv) -> bool:
    try:
        with socket.create_connection(srv.address, timeout=1.0):
            return False
    except OSError:
        return True


# --- TERM: graceful stop -----------------------------------------------------------------------------


def test_term_lets_in_flight_slow_requests_finish(make_server):
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    assert wait_workers(srv, 2)
    # 4 slow requests on 2 workers: two run, two wait in the workers' queues; all were accepted.
    slow = LoadGenerator(srv.address, "/sleep?s=1.5", threads=4, per_thread=1).start()
    time.sleep(0.5)
    t_term = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    refused = wait_until(lambda: refuses_connections(srv), 1.0, interval=0.05)
    rc, waited = wait_exit(srv, 15.0)
    slow.join(5.0)
    records = slow.snapshot()
    assert rc == 0, f"exit status {rc} after SIGTERM (waited {waited:.1f} s); stderr:\n{srv.stderr()[-3000:]}"
    assert len(records) == 4 and not slow.failures(records), \
        f"in-flight requests did not all complete: {slow.summary(records)}"
    assert all(r[3]["slept"] == 1.5 for r in records), records
    assert refused, "the server still accepted new connections after SIGTERM"
    # Two rounds of 1.5 s: the stop waited for the work, and not much longer.
    assert 2.0 < time.monotonic() - t_term < 6.0, f"graceful stop took {time.monotonic() - t_term:.1f} s"
    log = srv.stderr()
    assert "Handling signal: term" in log and "Shutting down: Master" in log, log[-2000:]


def test_term_under_keep_alive_load_then_exit_0(make_server):
    """Clients hammering keep-alive connections: TERM ends the server quickly, status 0, and every
    request either got a complete 200 or a clean connection error (no 5xx, no garbage)."""
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    load = LoadGenerator(srv.address, LOAD_PATH, threads=4, timeout=5.0).start()
    load.wait_count(300, 10.0)
    srv.proc.send_signal(signal.SIGTERM)
    rc, waited = wait_exit(srv, 10.0)
    load.stop()
    assert rc == 0, f"exit status {rc}; stderr:\n{srv.stderr()[-3000:]}"
    assert waited < 3.0, f"graceful stop of a server with only fast requests took {waited:.1f} s"
    statuses = load.statuses()
    assert set(statuses) <= {200, "error"}, load.summary()


def test_graceful_timeout_bounds_the_stop(make_server):
    srv = make_server(APP, workers=1, extra_args=["--no-access-log", "--graceful-timeout", "1"])
    stuck = LoadGenerator(srv.address, "/sleep?s=15", threads=1, per_thread=1, timeout=20.0).start()
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGTERM)
    rc, waited = wait_exit(srv, 15.0)
    stuck.join(20.0)
    assert rc is not None, "the master did not exit within 15 s of SIGTERM with --graceful-timeout 1"
    assert waited < 3.0, (f"--graceful-timeout 1: the master exited {waited:.1f} s after SIGTERM; "
                          f"stderr:\n{srv.stderr()[-2000:]}")
    assert "graceful timeout" in srv.stderr(), srv.stderr()[-2000:]


# --- INT / QUIT: quick stop --------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGQUIT, signal.SIGINT], ids=["QUIT", "INT"])
def test_quick_stop_idle(make_server, tmp_path, sig):
    pidfile = tmp_path / "turbo.pid"
    srv = make_server(APP, workers=2, extra_args=["--pid", str(pidfile)])
    workers = wait_workers(srv, 2)
    assert workers
    srv.proc.send_signal(sig)
    rc, waited = wait_exit(srv, 10.0)
    assert rc is not None and waited < 2.0, f"{sig.name}: rc {rc} after {waited:.1f} s"
    assert wait_until(lambda: all(proc_state(p) in (None, "Z") for p in workers), 2.0), \
        f"workers {[p for p in workers if proc_state(p) not in (None, 'Z')]} outlived the master"
    assert not pidfile.exists(), f"{pidfile} left behind after {sig.name}"


@pytest.mark.parametrize("sig", [signal.SIGQUIT, signal.SIGINT], ids=["QUIT", "INT"])
def test_quick_stop_does_not_wait_for_busy_workers(make_server, sig):
    """INT/QUIT are the quick stop: a worker busy in a 15 s handler must not hold the exit up."""
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    busy = LoadGenerator(srv.address, "/sleep?s=15", threads=2, per_thread=1, timeout=20.0).start()
    time.sleep(0.7)
    srv.proc.send_signal(sig)
    rc, waited = wait_exit(srv, 15.0)
    busy.join(20.0)
    assert rc is not None, f"no exit within 15 s of {sig.name}"
    assert waited < 2.0, (f"{sig.name} with busy workers: the master needed {waited:.1f} s to exit; "
                          f"stderr:\n{srv.stderr()[-2000:]}")
    assert not [r for r in busy.snapshot() if r[2] == 200], "a 15 s request completed despite the quick stop"


# --- TTIN / TTOU -------------------------------------------------------------------------------------


def test_ttin_then_ttou_under_load(make_server):
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    start = wait_workers(srv, 2)
    assert start
    with LoadGenerator(srv.address, "/work?ms=5", threads=4) as load:
        load.wait_count(100, 10.0)
        os.kill(srv.pid, signal.SIGTTIN)
        three = wait_workers(srv, 3, 5.0)
        assert three, f"TTIN: workers {child_pids(srv.pid)} (was {start}); stderr:\n{srv.stderr()[-2000:]}"
        added = three - start
        assert len(added) == 1 and start < three, (start, three)
        t_added = time.monotonic()
        served = wait_until(lambda: load.pids(since=t_added) & added, 5.0)
        assert served, f"the TTIN worker {added} answered nothing within 5 s"
        os.kill(srv.pid, signal.SIGTTOU)
        two = wait_workers(srv, 2, 5.0)
        assert two, f"TTOU: workers {child_pids(srv.pid)}; stderr:\n{srv.stderr()[-2000:]}"
        t_removed = time.monotonic()
        load.wait_count(200, 10.0)
        # Stable afterwards: TTOU is not undone by a respawn.
        time.sleep(0.5)
        assert child_pids(srv.pid) == two
    records = load.snapshot()
    assert not load.failures(records), f"TTIN/TTOU lost requests: {load.summary(records)}"
    assert load.pids([r for r in records if r[0] > t_removed + 0.2]) <= two
    log = srv.stderr()
    assert "TTIN: one more worker (3 wanted)" in log and "TTOU: one fewer worker (2 wanted)" in log, log[-2000:]


def test_ttin_ttou_back_to_back(make_server):
    """TTOU arriving while the TTIN worker still boots: back to 2 workers, no request lost."""
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    assert wait_workers(srv, 2)
    with LoadGenerator(srv.address, LOAD_PATH, threads=4) as load:
        load.wait_count(100, 10.0)
        os.kill(srv.pid, signal.SIGTTIN)
        os.kill(srv.pid, signal.SIGTTOU)
        time.sleep(1.0)
        assert wait_workers(srv, 2, 5.0), f"workers {child_pids(srv.pid)}; stderr:\n{srv.stderr()[-2000:]}"
        load.wait_count(200, 10.0)
    assert not load.failures(), load.summary()
    assert srv.get("/").status == 200


def test_ttou_never_below_one_worker(make_server):
    srv = make_server(APP, workers=2, extra_args=["--no-access-log"])
    assert wait_workers(srv, 2)
    for _ in range(3):
        os.kill(srv.pid, signal.SIGTTOU)
        time.sleep(0.2)
    one = wait_workers(srv, 1, 5.0)
    assert one, f"workers after 3 x TTOU: {child_pids(srv.pid)}"
    time.sleep(1.0)
    assert child_pids(srv.pid) == one, f"workers changed: {child_pids(srv.pid)} (was {one})"
    for _ in range(5):
        r = srv.get("/")
        assert r.status == 200 and r.json()["pid"] in one, r
    log = srv.stderr()
    assert log.count("TTOU: already at one worker") == 2, log[-2000:]
    # And it can grow again from one.
    os.kill(srv.pid, signal.SIGTTIN)
    assert wait_workers(srv, 2, 5.0)


# --- --pid, log files, USR1 ---------------------------------------------------------------------------


def test_pid_file_written_and_removed(make_server, tmp_path):
    pidfile = tmp_path / "run" / "turbo.pid"
    pidfile.parent.mkdir()
    srv = make_server(APP, workers=1, extra_args=["--pid", str(pidfile)])
    text = pidfile.read_text()
    assert text.strip() == str(srv.pid), f"{pidfile} holds {text!r}, master pid {srv.pid}"
    assert int(text) == srv.pid
    assert srv.stop() == 0
    assert not pidfile.exists(), f"{pidfile} left behind after SIGTERM"
    assert not list(pidfile.parent.iterdir()), list(pidfile.parent.iterdir())


def test_log_files_and_usr1_reopen(make_server, tmp_path):
    access = tmp_path / "logs" / "access.log"
    error = tmp_path / "logs" / "error.log"
    access.parent.mkdir()
    srv = make_server(APP, workers=2, extra_args=["--access-logfile", str(access), "--error-logfile", str(error)])
    assert wait_workers(srv, 2)
    line_re = lambda agent: re.compile(rf'"GET /work\?ms=0 HTTP/1\.1" 200 \d+ "-" "{agent}"$', re.M)  # noqa: E731

    assert srv.get("/work?ms=0", headers={"User-Agent": "before-rotate"}).status == 200
    for _ in range(4):  # both workers log a traceback
        assert srv.get("/error").status == 500
    assert wait_until(lambda: access.exists() and line_re("before-rotate").search(access.read_text()), 5.0), \
        f"access log: {access.read_text() if access.exists() else 'missing'}"
    assert wait_until(lambda: error.read_text().count("Exception in handler GET /error") >= 4, 5.0), error.read_text()
    elog = error.read_text()
    assert "Booting worker with pid" in elog and "Traceback" in elog, elog[-2000:]
    assert "GET /work" not in srv.stdout(), "access lines went to stdout despite --access-logfile"
    assert "Booting worker" not in srv.stderr(), "master log went to stderr despite --error-logfile"

    # logrotate: rename, USR1, and the next lines land in fresh files with the old names.
    os.rename(access, access.with_suffix(".log.1"))
    os.rename(error, error.with_suffix(".log.1"))
    os.kill(srv.pid, signal.SIGUSR1)
    assert wait_until(lambda: error.exists(), 5.0), "USR1 did not recreate the error log"
    time.sleep(0.3)  # let the (idle) workers reopen theirs too
    assert srv.get("/work?ms=0", headers={"User-Agent": "after-rotate"}).status == 200
    for _ in range(4):
        assert srv.get("/error").status == 500
    os.kill(srv.pid, signal.SIGUSR2)  # a master log line: "Ignoring signal SIGUSR2"
    assert wait_until(lambda: access.exists() and line_re("after-rotate").search(access.read_text()), 5.0), \
        f"no new access log with the after-rotate line; files: {sorted(os.listdir(access.parent))}"
    assert wait_until(lambda: error.read_text().count("Exception in handler GET /error") >= 4
                      and "SIGUSR2" in error.read_text(), 5.0), f"new error log:\n{error.read_text()}"
    old_access = access.with_suffix(".log.1").read_text()
    old_error = error.with_suffix(".log.1").read_text()
    assert "after-rotate" not in old_access, old_access
    assert "before-rotate" not in access.read_text()
    assert old_error.count("Exception in handler GET /error") == 4, old_error[-3000:]
    assert "Handling signal: usr1" in old_error, old_error[-2000:]
    assert "SIGUSR2" not in old_error
