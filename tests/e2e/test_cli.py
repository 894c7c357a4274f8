"""The `turbo` command line: help, version, app resolution, bind addresses, start-up failures."""

import os
import signal
import socket
import subprocess
import time

import pytest

from turbo_server import (APPS_DIR, BASIC_APP, RawConnection, descendants, free_port, ipv6_available, require_turbo_bin,
                          shm_segments_of)

HELLO = {"message": "Hello, World!"}


def run_cli(*args, timeout=10.0, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(require_turbo_bin()), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


def run_failing_serve(app: str, cwd=None, bind: str | None = None, timeout: float = 15.0) -> subprocess.CompletedProcess:
    """Start a server that must fail to boot; it must exit by itself (no respawn storm)."""
    bind = bind or f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen([str(require_turbo_bin()), "serve", app, "--workers", "2", "--bind", bind],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=cwd)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kids = descendants(proc.pid)
        proc.kill()
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out, err = proc.communicate()
        pytest.fail(f"turbo serve {app} did not exit within {timeout} s; stderr:\n{err[-3000:]}")
    assert not shm_segments_of(proc.pid), f"/dev/shm segments left: {shm_segments_of(proc.pid)}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_help():
    r = run_cli("--help")
    assert r.returncode == 0, r
    assert "serve" in r.stdout + r.stderr


def test_serve_help_lists_options():
    r = run_cli("serve", "--help")
    assert r.returncode == 0, r
    text = r.stdout + r.stderr
    for opt in ("--workers", "--bind", "--no-access-log"):
        assert opt in text, text


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0, r
    assert "turbo 0.1.0" in r.stdout, r


def test_serving_on_message(make_server):
    srv = make_server()
    text = srv.wait_for_output("stderr", lambda t: "serving on" in t)
    assert "serving on" in text, text


def test_file_form_app(make_server):
    srv = make_server(BASIC_APP)
    assert srv.get("/").json() == HELLO


def test_module_form_app(make_server):
    srv = make_server("pkgapp.main:app", cwd=APPS_DIR)
    r = srv.get("/")
    assert r.status == 200, r
    assert r.json() == {"app": "pkgapp", "greeting": "hello from pkgapp"}


def test_relative_file_form_app(make_server):
    srv = make_server("basic_app.py:app", cwd=APPS_DIR)
    assert srv.get("/").json() == HELLO


def test_unix_socket_bind(make_server, tmp_path):
    path = tmp_path / "turbo.sock"
    srv = make_server(bind=f"unix:{path}")
    assert path.exists()
    with RawConnection(str(path), socket.AF_UNIX) as c:
        for _ in range(2):  # keep-alive over the unix socket too
            r = c.request("GET", "/items/42?q=x")
            assert r.status == 200 and r.body == b'{"item_id":42,"q":"x"}', r


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback")
def test_ipv6_bind(make_server):
    port = free_port(socket.AF_INET6, "::1")
    srv = make_server(bind=f"[::1]:{port}")
    r = srv.get("/")
    assert r.status == 200 and r.json() == HELLO, r


def test_default_bind_is_localhost_8000(make_server):
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 8000))
    except OSError:
        pytest.skip("port 8000 is busy")
    srv = make_server(bind="127.0.0.1:8000", pass_bind=False)
    assert srv.get("/").json() == HELLO


def test_bad_app_path_fails_clearly():
    r = run_failing_serve("/nonexistent/dir/app.py:app")
    assert r.returncode != 0
    assert "/nonexistent/dir/app.py" in r.stderr, r.stderr


def test_missing_module_fails_clearly(tmp_path):
    r = run_failing_serve("no_such_pkg_xyz.main:app", cwd=tmp_path)
    assert r.returncode != 0
    assert "no_such_pkg_xyz" in r.stderr, r.stderr


def test_missing_attribute_fails_clearly():
    r = run_failing_serve(f"{APPS_DIR / 'basic_app.py'}:no_such_app")
    assert r.returncode != 0
    assert "no_such_app" in r.stderr, r.stderr


def test_app_raising_at_import_fails_with_traceback():
    t0 = time.monotonic()
    r = run_failing_serve(f"{APPS_DIR / 'broken_app.py'}:app")
    assert r.returncode != 0
    assert "broken_app refuses to import" in r.stderr, r.stderr
    assert "Traceback" in r.stderr, r.stderr
    assert time.monotonic() - t0 < 10


def test_malformed_app_spec_fails_clearly():
    r = run_failing_serve("just-a-word")
    assert r.returncode != 0
    assert r.stderr.strip(), "no message on stderr"


def test_port_in_use_fails_clearly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run_failing_serve(BASIC_APP, bind=f"127.0.0.1:{port}")
    assert proc.returncode != 0
    assert str(port) in proc.stderr or "in use" in proc.stderr.lower(), proc.stderr


@pytest.mark.parametrize("args, message", [
    (["--max-requests-jitter", "10"], "--max-requests-jitter needs --max-requests"),
    (["--log-level", "loud"], "--log-level must be one of"),
    (["--max-connections", "0"], "--max-connections must be at least 1"),
    (["--ring-size", "100"], "power of two"),
])
def test_invalid_settings_are_refused_before_anything_starts(args, message):
    r = run_cli("serve", BASIC_APP, "--bind", f"127.0.0.1:{free_port()}", *args)
    assert r.returncode == 1, r
    assert message in r.stderr, r.stderr
    assert "Booting worker" not in r.stderr  # refused before any worker was spawned


def test_out_of_range_workers_is_a_usage_error():
    r = run_cli("serve", BASIC_APP, "--workers", "0")
    assert r.returncode != 0
    assert "workers" in r.stderr.lower()


def test_out_of_range_worker_spin_is_a_usage_error():
    r = run_cli("serve", BASIC_APP, "--worker-spin-us", "20000")
    assert r.returncode != 0
    assert "--worker-spin-us" in r.stderr and "not in range 0 to 10000" in r.stderr, r.stderr


def test_worker_spin_zero_still_serves(tmp_path):
    """--worker-spin-us 0: workers sleep at once when their ring is empty; requests are still answered."""
    from turbo_server import TurboServer  # noqa: PLC0415

    srv = TurboServer(BASIC_APP, tmp_path, workers=2, extra_args=["--worker-spin-us", "0"]).start()
    try:
        for _ in range(20):
            assert srv.get("/").status == 200
    finally:
        srv.stop()
