"""End-to-end helpers: run the real build/turbo binary and talk raw HTTP to it.

The binary is found at $TURBO_BIN (relative paths are taken from the repository root) or at
<repo>/build/turbo; $TURBO_E2E_ARGS adds arguments to every `turbo serve` (e.g. --no-io-uring).
Each test module gets one server per app (module-scoped fixtures); tests that
need their own process start a TurboServer themselves and stop it in a finally/fixture.

Every stop checks what the master must leave behind: nothing. No /dev/shm/turbo-* segment named
with the master's pid, and no surviving worker process.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
APPS_DIR = E2E_DIR / "apps"
BASIC_APP = f"{APPS_DIR / 'basic_app.py'}:app"

START_TIMEOUT = 15.0  # seconds to wait for the listening socket
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
IO_TIMEOUT = 30.0  # seconds a raw socket waits for data (5 MiB bodies on a loaded 2-core box)


def turbo_bin() -> Path:
    env = os.environ.get("TURBO_BIN")
    path = Path(env) if env else Path("build/turbo")
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def require_turbo_bin() -> Path:
    path = turbo_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing or not executable: build it first (or set TURBO_BIN)", pytrace=False)
    return path


def free_port(family: int = socket.AF_INET, host: str = "127.0.0.1") -> int:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --- refusing system calls (seccomp) -----------------------------------------------------------------

# x86_64 numbers of the system calls refuse_syscalls knows by name.
SYSCALLS_X86_64 = {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427}


def seccomp_available() -> bool:
    import platform
    return platform.machine() == "x86_64"


def refuse_syscalls(*names: str, errno_value: int = 1):
    """A preexec_fn that makes the named system calls fail with `errno_value` (EPERM, as Docker's
    default seccomp profile answers io_uring) in the child and everything it starts.

    A seccomp filter in classic BPF: anything not x86_64 or not in the list is allowed. The program
    is built here, before the fork; the child only makes two calls.
    """
    import ctypes

    numbers = [SYSCALLS_X86_64[n] for n in names]

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    ld_abs, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, refuse = 0x7FFF0000, 0x00050000 | errno_value  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO
    n = len(numbers)
    code = [(ld_abs, 0, 0, 4),  # seccomp_data.arch
            (jeq, 0, n + 1, 0xC000003E),  # not AUDIT_ARCH_X86_64: allow
            (ld_abs, 0, 0, 0)]  # seccomp_data.nr
    for i, nr in enumerate(numbers):  # a match jumps over the rest of the list and "allow", onto the refusal
        code.append((jeq, n - i, 0, nr))
    code += [(ret, 0, 0, allow), (ret, 0, 0, refuse)]
    # The arch check jumps over the loads and the list, onto "allow".
    assert code[1][2] + 2 == len(code) - 2
    program = (SockFilter * len(code))(*[SockFilter(*c) for c in code])
    fprog = SockFprog(len(code), program)
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2

    def apply() -> None:
        if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0 or \
                libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")

    apply.program = program  # kept alive with the function
    return apply


def ipv6_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# --- /proc helpers --------------------------------------------------------------------------------


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat, 1-based numbering as in proc(5) mapped to index-1; None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm (field 2) may hold spaces and parentheses: split after the last ')'.
    head, _, tail = raw.rpartition(")")
    pid_s, _, comm = head.partition(" (")
    return [pid_s, comm] + tail.split()


def proc_ppid(pid: int) -> int | None:
    st = proc_stat(pid)
    return int(st[3]) if st else None


def proc_state(pid: int) -> str | None:
    st = proc_stat(pid)
    return st[2] if st else None


def proc_starttime(pid: int) -> int | None:
    st = proc_stat(pid)
    return int(st[21]) if st else None


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of all threads of pid, in seconds (0 if gone)."""
    st = proc_stat(pid)
    if not st:
        return 0.0
    return (int(st[13]) + int(st[14])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """All live descendants of root (children, grandchildren, ...), zombies excluded."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(int(entry))
        if st and st[2] != "Z":
            children.setdefault(int(st[3]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def is_descendant(pid: int, ancestor: int) -> bool:
    seen = 0
    while pid and pid != 1 and seen < 64:
        pid = proc_ppid(pid) or 0
        if pid == ancestor:
            return True
        seen += 1
    return False


def shm_segments_of(pid: int) -> list[str]:
    token = re.compile(rf"(?<!\d){pid}(?!\d)")
    try:
        names = os.listdir("/dev/shm")
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith("turbo-") and token.search(n))


# --- raw HTTP -------------------------------------------------------------------------------------


class ConnectionClosed(Exception):
    """The peer closed the connection before a complete response arrived."""


class RawResponse:
    def __init__(self, version: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, raw: bytes):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw = raw

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        head = self.raw[: self.raw.find(b"\r\n\r\n") + 4] if b"\r\n\r\n" in self.raw else self.raw
        body = self.body if len(self.body) <= 300 else self.body[:300] + b"...(%d bytes)" % len(self.body)
        return f"<RawResponse {head!r} body={body!r}>"


class RawConnection:
    """One client connection with a receive buffer, so several responses can be read in order."""

    def __init__(self, address, family: int = socket.AF_INET, timeout: float = IO_TIMEOUT,
                 rcvbuf: int | None = None):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect, so the TCP window scale fits it (a slow reader's small buffer)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        if family != socket.AF_UNIX:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(262144)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ConnectionClosed(f"connection closed; unparsed bytes: {self.buf[:500]!r}")
        self.buf += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[: i + len(marker)], self.buf[i + len(marker) :]
                return out
            self._fill()

    def _read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head_request: bool = False) -> RawResponse:
        """Read exactly one response: status line, headers, then a Content-Length or chunked body.

        A response with neither is read to EOF (HTTP/1.0 style), which is never expected here.
        """
        head = self._read_until(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        status_s, _, reason = rest.partition(" ")
        assert version.startswith("HTTP/1."), f"bad status line {lines[0]!r}"
        status = int(status_s)
        headers = []
        for line in lines[1:]:
            k, sep, v = line.partition(":")
            assert sep, f"bad header line {line!r} in {head!r}"
            headers.append((k.strip(), v.strip()))
        lower = {k.lower(): v for k, v in headers}
        body = b""
        raw_body = b""
        if head_request or status in (204, 304) or 100 <= status < 200:
            pass
        elif "chunked" in lower.get("transfer-encoding", "").lower():
            while True:
                size_line = self._read_until(b"\r\n")
                raw_body += size_line
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    trailer = self._read_until(b"\r\n")
                    raw_body += trailer
                    while trailer != b"\r\n":
                        trailer = self._read_until(b"\r\n")
                        raw_body += trailer
                    break
                chunk = self._read_exact(size + 2)
                raw_body += chunk
                body += chunk[:-2]
        elif "content-length" in lower:
            body = self._read_exact(int(lower["content-length"]))
            raw_body = body
        else:
            while True:
                try:
                    self._fill()
                except ConnectionClosed:
                    break
            body, self.buf = self.buf, b""
            raw_body = body
        return RawResponse(version, status, reason, headers, body, head + raw_body)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None, version: str = "HTTP/1.1") -> RawResponse:
        self.send(build_request(method, path, headers, body, version))
        return self.read_response(head_request=(method == "HEAD"))

    def is_closed(self, timeout: float = 2.0) -> bool:
        """True if the peer closes (EOF or reset) within timeout with no further data pending."""
        if self.buf:
            return False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        finally:
            self.sock.settimeout(old)
        if data:
            self.buf += data
            return False
        return True


def build_request(method: str, path: str, headers: dict | None = None, body: bytes | None = None, version: str = "HTTP/1.1") -> bytes:
    hdrs = {"Host": "localhost"}
    if body is not None:
        hdrs["Content-Length"] = str(len(body))
    hdrs.update(headers or {})
    lines = [f"{method} {path} {version}"] + [f"{k}: {v}" for k, v in hdrs.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


# --- the server -----------------------------------------------------------------------------------


class TurboServer:
    """One `build/turbo serve` process with its output captured to files."""

    def __init__(self, app: str, logdir: Path, workers: int | None = 1, bind: str | None = None,
                 cwd: Path | None = None, extra_args: list[str] | None = None, env: dict | None = None,
                 pass_bind: bool = True, preexec_fn=None):
        self.app = app
        self.workers = workers
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        if bind is None:
            bind = f"127.0.0.1:{free_port()}"
        self.bind = bind
        self.pass_bind = pass_bind  # False: rely on the default bind (which must then equal `bind`)
        self.cwd = cwd
        self.extra_args = list(extra_args or [])
        self.env = env
        self.preexec_fn = preexec_fn  # runs in the child before exec (e.g. refuse_syscalls)
        self.proc: subprocess.Popen | None = None
        self.stdout_path = self.logdir / "stdout.log"
        self.stderr_path = self.logdir / "stderr.log"
        self.returncode: int | None = None
        self.known_workers: dict[int, int] = {}  # pid -> starttime, seen while running

        if bind.startswith("unix:"):
            self.family, self.address = socket.AF_UNIX, bind[len("unix:"):]
        elif bind.startswith("["):
            host, _, port = bind[1:].partition("]:")
            self.family, self.address = socket.AF_INET6, (host, int(port))
        else:
            host, _, port = bind.rpartition(":")
            self.family, self.address = socket.AF_INET, (host, int(port))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        cmd = [str(require_turbo_bin()), "serve", self.app]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        if self.pass_bind:
            cmd += ["--bind", self.bind]
        # The whole suite can run with other defaults, e.g. TURBO_E2E_ARGS=--no-io-uring.
        cmd += shlex.split(os.environ.get("TURBO_E2E_ARGS", ""))
        cmd += self.extra_args
        return cmd

    def start(self, wait: bool = True) -> "TurboServer":
        env = dict(os.environ)
        env.pop("WEB_CONCURRENCY", None)
        if self.env:
            env.update(self.env)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                     cwd=self.cwd, env=env, preexec_fn=self.preexec_fn)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                self._close_logs()
                pytest.fail(f"turbo exited with {rc} before listening on {self.bind}\n"
                            f"command: {self.command()}\nstderr:\n{self.stderr()}", pytrace=False)
            try:
                with socket.socket(self.family, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    s.connect(self.address)
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop(check=False)
                pytest.fail(f"turbo did not accept on {self.bind} within {timeout} s\n"
                            f"command: {self.command()}\nstderr:\n{self.stderr()}", pytrace=False)
            time.sleep(0.05)
        self.remember_workers()

    def remember_workers(self) -> None:
        for pid in descendants(self.pid):
            st = proc_starttime(pid)
            if st is not None:
                self.known_workers[pid] = st

    def stop(self, check: bool = True) -> int | None:
        """SIGTERM, wait STOP_TIMEOUT, then SIGKILL. With check, assert nothing is left behind."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.remember_workers()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self._close_logs()
        leftovers = self._reap_leftover_workers()
        segments = shm_segments_of(self.pid)
        if check:
            assert not leftovers, f"worker processes {leftovers} survived the master (pid {self.pid}); killed them"
            assert not segments, f"/dev/shm segments left by master pid {self.pid}: {segments}"
        return self.returncode

    def _reap_leftover_workers(self) -> list[int]:
        """Kill (by pid, after checking it is the same process) workers that outlived the master."""
        left = []
        deadline = time.monotonic() + 2.0
        for pid, start in self.known_workers.items():
            while proc_starttime(pid) == start and proc_state(pid) != "Z" and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc_starttime(pid) == start and proc_state(pid) != "Z":
                left.append(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return left

    def _close_logs(self) -> None:
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()

    # output

    def stdout(self) -> str:
        return self.stdout_path.read_bytes().decode("utf-8", "replace")

    def stderr(self) -> str:
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def wait_for_output(self, stream: str, predicate, timeout: float = 5.0) -> str:
        """Poll stdout/stderr until predicate(text) holds; return the text (assert on timeout)."""
        read = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + timeout
        while True:
            text = read()
            if predicate(text) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    # clients

    def connect(self, timeout: float = IO_TIMEOUT, rcvbuf: int | None = None) -> RawConnection:
        return RawConnection(self.address, self.family, timeout, rcvbuf)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> RawResponse:
        """One request on a fresh connection."""
        with self.connect() as c:
            return c.request(method, path, headers, body)

    def get(self, path: str, headers: dict | None = None) -> RawResponse:
        return self.request("GET", path, headers)

    def post_json(self, path: str, obj) -> RawResponse:
        body = json.dumps(obj, separators=(",", ":")).encode()
        return self.request("POST", path, {"Content-Type": "application/json"}, body)


# --- process-manager helpers (tests/e2e/test_process_*.py) ----------------------------------------

PROC_APP = APPS_DIR / "proc_app.py"


def wait_until(predicate, timeout: float, interval: float = 0.02):
    """Poll predicate() until it returns something truthy (returned) or timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def child_pids(pid: int) -> set[int]:
    """Live (non-zombie) direct children of pid, from /proc/<pid>/task/*/children."""
    kids: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return kids
    for tid in tasks:
        try:
            kids.update(int(k) for k in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return {k for k in kids if proc_state(k) not in (None, "Z")}


def copy_proc_app(dest_dir: Path, version: str = "v1") -> Path:
    """A private copy of apps/proc_app.py (tests edit it); returns its path."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / PROC_APP.name
    path.write_text(PROC_APP.read_text())
    if version != "v1":
        set_app_version(path, version)
    return path


def rewrite_app(path: Path, text: str) -> None:
    """Replace an app file's source so that a fresh import cannot use a stale .pyc.

    CPython's .pyc check is (mtime in whole seconds, size): drop __pycache__ and move the mtime
    forward, so an edit within the same second and of the same size is still seen.
    """
    path = Path(path)
    old_mtime = path.stat().st_mtime if path.exists() else 0
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.utime(tmp, (time.time(), max(time.time(), old_mtime + 2)))
    cache = path.parent / "__pycache__"
    if cache.is_dir():
        for f in cache.iterdir():
            if f.name.startswith(path.stem + "."):
                f.unlink()
    os.replace(tmp, path)


def set_app_version(path: Path, version: str) -> None:
    text = Path(path).read_text()
    new, n = re.subn(r'^VERSION = "[^"]*"$', f'VERSION = "{version}"', text, count=1, flags=re.M)
    assert n == 1, f"no VERSION line in {path}"
    rewrite_app(path, new)


class LoadGenerator:
    """Threads doing keep-alive GETs with http.client; every response and every error is recorded.

    Each record is (t_sent, t_done, status or None, json body or None, error or None), times from
    time.monotonic(). After a connection error the thread opens a new connection (after 20 ms).
    per_thread bounds the requests of each thread (None: until stop()).
    """

    def __init__(self, address, path: str = "/", threads: int = 4, timeout: float = 15.0,
                 per_thread: int | None = None, pause: float = 0.0):
        import threading

        self.host, self.port = address[0], address[1]
        self.path = path
        self.timeout = timeout
        self.per_thread = per_thread
        self.pause = pause
        self.records: list[tuple] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _connect(self):
        import http.client

        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _run(self) -> None:
        conn = self._connect()
        done = 0
        while not self._stop.is_set() and (self.per_thread is None or done < self.per_thread):
            path = self.path() if callable(self.path) else self.path
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                try:
                    data = json.loads(body)
                except ValueError:
                    data = {"raw": body[:200].decode("latin-1")}
                rec = (t0, time.monotonic(), resp.status, data, None)
            except Exception as e:  # noqa: BLE001 - every error is a finding; recorded, then reconnect
                rec = (t0, time.monotonic(), None, None, f"{type(e).__name__}: {e}")
                conn.close()
                conn = self._connect()
                time.sleep(0.02)
            with self._lock:
                self.records.append(rec)
            done += 1
            if self.pause:
                time.sleep(self.pause)
        conn.close()

    def start(self) -> "LoadGenerator":
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 30.0) -> "LoadGenerator":
        self._stop.set()
        self.join(timeout)
        return self

    def join(self, timeout: float = 30.0) -> "LoadGenerator":
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = sum(t.is_alive() for t in self._threads)
        assert not alive, f"{alive} load thread(s) still blocked after {timeout} s"
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self._stop.set()
        self.join()

    # results

    def snapshot(self) -> list[tuple]:
        with self._lock:
            return list(self.records)

    def count(self) -> int:
        with self._lock:
            return len(self.records)

    def wait_count(self, n: int, timeout: float) -> int:
        """Wait until at least n more requests than now have finished; returns the new total."""
        target = self.count() + n
        wait_until(lambda: self.count() >= target, timeout)
        return self.count()

    def statuses(self, records=None) -> dict:
        out: dict = {}
        for r in self.snapshot() if records is None else records:
            key = r[2] if r[2] is not None else "error"
            out[key] = out.get(key, 0) + 1
        return out

    def failures(self, records=None, ok=(200,)) -> list[tuple]:
        return [r for r in (self.snapshot() if records is None else records) if r[2] not in ok]

    def errors(self, records=None) -> list[str]:
        return [r[4] for r in (self.snapshot() if records is None else records) if r[4] is not None]

    def pids(self, records=None, since: float = 0.0) -> set[int]:
        return {r[3]["pid"] for r in (self.snapshot() if records is None else records)
                if r[2] == 200 and r[0] >= since and isinstance(r[3], dict) and "pid" in r[3]}

    def summary(self, records=None) -> str:
        records = self.snapshot() if records is None else records
        fails = self.failures(records)
        return (f"{len(records)} requests, statuses {self.statuses(records)}, "
                f"first failures: {[(round(r[0], 3), r[2], r[3], r[4]) for r in fails[:5]]}")


# --- front-end helpers (tests/e2e/test_front_*.py) ------------------------------------------------

FRONT_APP = f"{APPS_DIR / 'front_app.py'}:app"


class RawExchange:
    """What one raw connection produced: every byte read, whether and how it ended, and when."""

    def __init__(self, raw: bytes, closed: bool, reset: bool, elapsed: float, send_error: str | None):
        self.raw = raw
        self.closed = closed  # EOF or reset seen before the read timeout
        self.reset = reset  # the end was a reset rather than a FIN
        self.elapsed = elapsed  # seconds from the first send to the end (or to the timeout)
        self.send_error = send_error  # the server closed while we were still sending (EPIPE/ECONNRESET)

    def responses(self, head_requests: int = 0) -> list[RawResponse]:
        return parse_responses(self.raw, head_requests)

    def response(self) -> RawResponse:
        """The one and only response (asserted)."""
        rs = self.responses()
        assert len(rs) == 1, f"expected exactly one response, got {len(rs)}: {self.raw[:600]!r}"
        return rs[0]

    def __repr__(self) -> str:
        raw = self.raw if len(self.raw) <= 600 else self.raw[:600] + b"...(%d bytes)" % len(self.raw)
        return (f"<RawExchange closed={self.closed} reset={self.reset} elapsed={self.elapsed:.2f}s "
                f"send_error={self.send_error} raw={raw!r}>")


class _EOFSocket:
    def recv(self, n: int) -> bytes:
        return b""


def parse_responses(raw: bytes, head_requests: int = 0) -> list[RawResponse]:
    """Every complete response in raw, in order (the first head_requests are answers to HEAD).

    Trailing bytes that do not form a complete response raise ConnectionClosed.
    """
    c = RawConnection.__new__(RawConnection)
    c.sock, c.buf = _EOFSocket(), raw
    out = []
    while c.buf:
        out.append(c.read_response(head_request=len(out) < head_requests))
    return out


def raw_exchange(address, data, family: int = socket.AF_INET, timeout: float = 5.0,
                 rcvbuf: int | None = None) -> RawExchange:
    """Connects, sends data, then reads until the server closes or `timeout` seconds pass.

    data is bytes (sent at once) or a list of (bytes, pause_after_seconds) sent in turn. A send
    that fails because the server has already closed is recorded, not raised: what was read is
    still returned. The read timeout counts from the first send.
    """
    sock = socket.socket(family, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(address)
    if family != socket.AF_UNIX:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    parts = [(data, 0.0)] if isinstance(data, (bytes, bytearray)) else list(data)
    raw, closed, reset, send_error = b"", False, False, None
    t0 = time.monotonic()
    try:
        for chunk, pause in parts:
            try:
                if chunk:
                    sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError) as e:
                send_error = type(e).__name__
                break
            if pause:
                # Collect what arrives meanwhile, so an early answer and close are seen in time.
                end = time.monotonic() + pause
                while not closed and time.monotonic() < end:
                    sock.settimeout(max(0.001, end - time.monotonic()))
                    try:
                        b = sock.recv(262144)
                    except socket.timeout:
                        break
                    except ConnectionResetError:
                        closed = reset = True
                        break
                    if not b:
                        closed = True
                    raw += b
            if closed:
                break
        while not closed:
            left = t0 + timeout - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                b = sock.recv(262144)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = reset = True
                break
            if not b:
                closed = True
            raw += b
    finally:
        sock.close()
    return RawExchange(raw, closed, reset, time.monotonic() - t0, send_error)


def assert_serves(server: "TurboServer", path: str = "/", status: int = 200) -> RawResponse:
    """A fresh connection still gets a normal answer: the server is not broken."""
    assert server.proc is not None and server.proc.poll() is None, (
        f"the master exited ({server.proc.returncode if server.proc else None})\nstderr:\n{server.stderr()[-3000:]}")
    with server.connect(timeout=10.0) as c:
        r = c.request("GET", path)
    assert r.status == status, r
    return r


def close_wait_sockets(port: int) -> int:
    """Server-side TCP sockets on local `port` in CLOSE-WAIT: the peer closed, the server has not.

    Read from /proc/net/tcp and /proc/net/tcp6 (state 08 is CLOSE_WAIT).
    """
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "08" and int(local.rsplit(":", 1)[1], 16) == port:
                n += 1
    return n
