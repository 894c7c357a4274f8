"""FastAPI is the oracle: run one app under uvicorn (FastAPI) and under build/turbo (TurboAPI), send the
same requests to both over real sockets, and say how the answers differ.

Used by tests/compare/run.py (a readable report) and tests/e2e/test_api_*.py (one pytest case per row).
No pytest import here: run.py works without it.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

COMPARE_DIR = Path(__file__).resolve().parent
REPO_ROOT = COMPARE_DIR.parents[1]
APPS_DIR = REPO_ROOT / "tests" / "e2e" / "apps"
PYTHON = "/usr/bin/python3"

START_TIMEOUT = 20.0
IO_TIMEOUT = 10.0

# Never compared: they differ by server or by time, and say nothing about the app.
IGNORED_HEADERS = {"date", "server", "connection", "keep-alive"}

_NOT_SET = object()


# --- cases ----------------------------------------------------------------------------------------


@dataclass
class Case:
    """One request, sent to both servers.

    Body: `body` (raw bytes, sent as is), or `json` (compact JSON + application/json), or `form`
    (urlencoded), or `multipart` (a list of (name, str) or (name, (filename, bytes, content_type)),
    fixed boundary). `headers` may override the Content-Type these set (None removes it).

    Comparison: status, headers (all but IGNORED_HEADERS and `ignore_headers`; `presence_headers`
    only for presence), and the body: `body_mode` "auto" (JSON parsed and byte-exact when FastAPI
    answers JSON, bytes otherwise), "bytes", "json" (parsed only), "ignore", or a callable
    (body bytes) -> comparable value. `files_after`: files the app writes into its $COMPARE_TMP
    (background tasks), read after the response (waiting for them) and compared too.
    """

    name: str
    path: str
    method: str = "GET"
    headers: Any = None  # dict or list of (name, value)
    body: bytes | None = None
    json: Any = _NOT_SET
    form: Any = None
    multipart: list | None = None
    body_mode: Any = "auto"
    ignore_headers: tuple = ()
    presence_headers: tuple = ()
    files_after: tuple = ()
    note: str = ""
    # A deliberate difference: FastAPI's answer is a bug we do not copy. TurboAPI must answer
    # (status, JSON body) instead, and FastAPI must still answer what `deliberate_fastapi_status` says
    # (so the case notices when FastAPI changes).
    deliberate: Any = None
    deliberate_fastapi_status: int = 0

    def request_bytes(self, host: str = "testserver") -> bytes:
        hdrs: list[tuple[str, str]] = [("Host", host)]
        body = self.body
        ctype = None
        if self.json is not _NOT_SET:
            body = json.dumps(self.json, separators=(",", ":"), ensure_ascii=False).encode()
            ctype = "application/json"
        elif self.form is not None:
            body = urlencode(self.form, doseq=True).encode()
            ctype = "application/x-www-form-urlencoded"
        elif self.multipart is not None:
            body, ctype = encode_multipart(self.multipart)
        user = list(self.headers.items()) if isinstance(self.headers, dict) else list(self.headers or [])
        user_names = {k.lower() for k, _ in user}
        if ctype and "content-type" not in user_names:
            hdrs.append(("Content-Type", ctype))
        hdrs += [(k, v) for k, v in user if v is not None]
        if "host" in user_names:
            hdrs = [h for h in hdrs if not (h[0] == "Host" and h[1] == host)]
        if body is not None and "content-length" not in user_names and "transfer-encoding" not in user_names:
            hdrs.append(("Content-Length", str(len(body))))
        elif body is None and self.method in ("POST", "PUT", "PATCH") and "content-length" not in user_names:
            hdrs.append(("Content-Length", "0"))
        head = f"{self.method} {self.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
        return head.encode("latin-1") + (body or b"")

    def describe(self) -> str:
        return f"{self.method} {self.path}"


BOUNDARY = "----turbocompareboundary7MA4YWxkTrZu0gW"


def encode_multipart(parts: list, boundary: str = BOUNDARY) -> tuple[bytes, str]:
    out = b""
    for name, value in parts:
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
            if ctype:
                out += f"Content-Type: {ctype}\r\n".encode()
            out += b"\r\n" + (data if isinstance(data, bytes) else data.encode()) + b"\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += (value if isinstance(value, bytes) else str(value).encode()) + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


# --- raw HTTP client ------------------------------------------------------------------------------


class Closed(Exception):
    pass


@dataclass
class Reply:
    status: int
    reason: str
    headers: list  # [(lower name, value)] in order
    body: bytes
    chunked: bool
    error: str | None = None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def header(self, name: str, default=None):
        vals = self.header_all(name)
        return vals[0] if vals else default

    def json(self):
        return json.loads(self.body)

    def short(self) -> str:
        if self.error:
            return f"<no response: {self.error}>"
        return f"{self.status} {self.header('content-type', '')} {clip(self.body, 300)}"


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, address: tuple[str, int]):
        self.address = address
        self.sock: socket.socket | None = None
        self.buf = b""

    def close(self) -> None:
        if self.sock:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _connect(self) -> None:
        self.close()
        self.sock = socket.create_connection(self.address, timeout=IO_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(262144)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise Closed(f"connection closed; unparsed: {self.buf[:200]!r}")
        self.buf += chunk

    def _until(self, marker: bytes) -> bytes:
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[: i + len(marker)], self.buf[i + len(marker):]
                return out
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read(self, head_request: bool) -> Reply:
        head = self._until(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        _, _, rest = lines[0].partition(" ")
        status_s, _, reason = rest.partition(" ")
        status = int(status_s)
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip().lower(), v.strip()))
        h = dict(headers)
        body, chunked = b"", "chunked" in h.get("transfer-encoding", "").lower()
        if head_request or status in (204, 304) or 100 <= status < 200:
            pass
        elif chunked:
            while True:
                size = int(self._until(b"\r\n").split(b";")[0].strip(), 16)
                if size == 0:
                    while self._until(b"\r\n") != b"\r\n":
                        pass
                    break
                body += self._exact(size + 2)[:-2]
        elif "content-length" in h:
            body = self._exact(int(h["content-length"]))
        else:
            while True:
                try:
                    self._fill()
                except Closed:
                    break
            body, self.buf = self.buf, b""
            self.close()
        if h.get("connection", "").lower() == "close":
            self.close()
        return Reply(status, reason, headers, body, chunked)

    def send(self, data: bytes, head_request: bool = False) -> Reply:
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self._connect()
            try:
                self.sock.sendall(data)
                return self._read(head_request)
            except (Closed, BrokenPipeError, ConnectionResetError) as e:
                self.close()
                if fresh or attempt:  # a fresh connection failing is an answer, not a stale socket
                    return Reply(0, "", [], b"", False, error=f"{type(e).__name__}: {e}")
            except socket.timeout:
                self.close()
                return Reply(0, "", [], b"", False, error=f"no response within {IO_TIMEOUT} s")
        raise AssertionError("unreachable")


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_turbo_bin() -> Path:
    env = os.environ.get("TURBO_BIN")
    path = Path(env) if env else Path("build/turbo")
    return path if path.is_absolute() else REPO_ROOT / path


def fastapi_available() -> str | None:
    """None if FastAPI and uvicorn import under /usr/bin/python3, else why not."""
    r = subprocess.run([PYTHON, "-c", "import fastapi, uvicorn"], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["import failed"])[-1]


class Server:
    """`framework` is "fastapi" (uvicorn) or "turbo" (build/turbo serve --workers 1)."""

    def __init__(self, framework: str, module: str, workdir: Path, turbo_bin: Path | None = None):
        self.framework = framework
        self.module = module
        self.workdir = Path(workdir)
        self.tmp = self.workdir / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = ("127.0.0.1", self.port)
        self.turbo_bin = Path(turbo_bin) if turbo_bin else default_turbo_bin()
        self.proc: subprocess.Popen | None = None
        self.error: str | None = None  # why it did not start
        self.log_path = self.workdir / "server.log"
        self.last_log = ""  # what the server logged while answering the last request

    def command(self) -> list[str]:
        if self.framework == "fastapi":  # PYTHONHASHSEED is random per process, as in production
            return [PYTHON, "-m", "uvicorn", f"{self.module}:app", "--host", "127.0.0.1", "--port", str(self.port),
                    "--no-access-log", "--log-level", "warning"]
        return [str(self.turbo_bin), "serve", f"{self.module}:app", "--workers", "1", "--bind",
                f"127.0.0.1:{self.port}", "--no-access-log", "--timeout", "20"]

    def start(self) -> "Server":
        env = dict(os.environ)
        env.pop("WEB_CONCURRENCY", None)
        env["COMPARE_FRAMEWORK"] = self.framework
        env["COMPARE_TMP"] = str(self.tmp)
        env["PYTHONPATH"] = os.pathsep.join([str(APPS_DIR)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if self.framework == "turbo" and not (self.turbo_bin.is_file() and os.access(self.turbo_bin, os.X_OK)):
            self.error = f"{self.turbo_bin} is missing or not executable (build it, or pass --turbo-bin / TURBO_BIN)"
            return self
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(), cwd=APPS_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_ready(self) -> bool:
        if self.error:
            return False
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.error = f"{self.framework} exited with {rc} before listening:\n{self.log_tail()}"
                return False
            try:
                with socket.create_connection(self.address, timeout=1.0):
                    pass
            except OSError:
                if time.monotonic() > deadline:
                    self.error = f"{self.framework} did not listen within {START_TIMEOUT} s:\n{self.log_tail()}"
                    self.stop()
                    return False
                time.sleep(0.05)
                continue
            break
        # The turbo master listens before its worker is up: one request proves the app imported.
        r = Client(self.address).send(b"GET /__compare_probe__ HTTP/1.1\r\nHost: testserver\r\nConnection: close\r\n\r\n")
        if r.error or r.status in (502, 503, 504):
            if self.proc.poll() is not None or r.error:
                self.error = f"{self.framework} does not answer ({r.error or r.status}):\n{self.log_tail()}"
                return False
        return True

    def log(self) -> str:
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        self.proc = None


class Pair:
    """FastAPI and TurboAPI serving the same app module; `compare(case)` -> list of differences.

    candidate="fastapi" runs FastAPI against a second FastAPI (run.py --self-check): whatever differs
    there is not deterministic in the oracle and must not be in a case table.
    """

    def __init__(self, module: str, workdir: Path | None = None, turbo_bin: Path | None = None,
                 candidate: str = "turbo"):
        self.module = module
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"compare-{module}-"))
        self.fastapi = Server("fastapi", module, self.workdir / "fastapi")
        self.turbo = Server(candidate, module, self.workdir / "turbo", turbo_bin)
        self.servers = {"fastapi": self.fastapi, "turbo": self.turbo}
        self.clients: dict[str, Client] = {}

    def start(self) -> "Pair":
        self.fastapi.start()
        self.turbo.start()
        results = {}
        threads = [threading.Thread(target=lambda s=s: results.__setitem__(id(s), s.wait_ready()))
                   for s in (self.fastapi, self.turbo)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.clients = {role: Client(s.address) for role, s in self.servers.items() if not s.error}
        return self

    def stop(self) -> None:
        for c in self.clients.values():
            c.close()
        self.fastapi.stop()
        self.turbo.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def send(self, role: str, case: Case) -> tuple[Reply, dict]:
        """role: "fastapi" (the oracle) or "turbo" (the candidate)."""
        server = self.servers[role]
        if server.error:
            return Reply(0, "", [], b"", False, error=f"{server.framework} server not running"), {}
        log_from = server.log_path.stat().st_size if server.log_path.exists() else 0
        reply = self.clients[role].send(case.request_bytes(), head_request=case.method == "HEAD")
        if reply.status >= 500 or reply.error:
            time.sleep(0.05)  # the traceback may be written just after the answer
        with open(server.log_path, "rb") as log:
            log.seek(log_from)
            server.last_log = log.read().decode("utf-8", "replace")
        files = {}
        for name in case.files_after:
            path = server.tmp / name
            deadline = time.monotonic() + 3.0
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.05)  # let the writer finish
            files[name] = path.read_text() if path.exists() else None
        return reply, files

    def compare(self, case: Case) -> list[str]:
        f, f_files = self.send("fastapi", case)
        if f.error:
            return [f"oracle: FastAPI gave no response: {f.error}"]
        t, t_files = self.send("turbo", case)
        if case.deliberate is not None and self.turbo.framework != "fastapi":
            return compare_deliberate(f, t, case)
        diffs = compare_replies(f, t, case)
        if diffs and (t.status >= 500 or t.error) and f.status != t.status:
            diffs.append("TurboAPI log: " + log_excerpt(self.turbo.last_log))
        for name in case.files_after:
            if f_files.get(name) != t_files.get(name):
                diffs.append(f"file {name}: FastAPI wrote {f_files.get(name)!r}, TurboAPI {t_files.get(name)!r}")
        return diffs


# --- comparison -----------------------------------------------------------------------------------


def compare_deliberate(f: "Reply", t: "Reply", case: Case) -> list[str]:
    """A case where TurboAPI deliberately answers otherwise than FastAPI (see Case.deliberate)."""
    diffs = []
    if f.status != case.deliberate_fastapi_status:
        diffs.append(f"FastAPI now answers {f.status}, not {case.deliberate_fastapi_status}: revisit this "
                     f"deliberate difference ({case.note})")
    status, body = case.deliberate
    if t.status != status:
        diffs.append(f"status: TurboAPI {t.status}, expected {status} ({case.note})")
    try:
        got = json.loads(t.body)
    except ValueError:
        got = t.body
    if got != body:
        diffs.append(f"body: TurboAPI {clip(t.body)}, expected {body!r}")
    return diffs


def clip(value, n: int = 400) -> str:
    s = value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
    s = repr(s) if isinstance(value, (bytes, bytearray)) else s
    return s if len(s) <= n else s[:n] + f"...({len(s)} chars)"


_EXPIRES = re.compile(r"(?i)(expires=)([^;]*)")


def _norm_expires(m: "re.Match") -> str:
    try:
        when = email.utils.parsedate_to_datetime(m.group(2)).timestamp()
    except (TypeError, ValueError):
        return m.group(0)
    return m.group(1) + ("<about now>" if abs(when - time.time()) < 60 else m.group(2))


def _norm_headers(reply: Reply, case: Case) -> dict[str, list[str]]:
    skip = IGNORED_HEADERS | {h.lower() for h in case.ignore_headers}
    out: dict[str, list[str]] = {}
    for k, v in reply.headers:
        if k in skip:
            continue
        out.setdefault(k, []).append(v)
    if "set-cookie" in out:  # delete_cookie's expires= is "now": equal if both are within a minute of now
        out["set-cookie"] = [_EXPIRES.sub(_norm_expires, v) for v in out["set-cookie"]]
    if "allow" in out:  # Starlette joins a set: the order is random
        out["allow"] = [", ".join(sorted({m.strip() for v in out["allow"] for m in v.split(",")}))]
    for k in case.presence_headers:
        k = k.lower()
        if k in out:
            out[k] = ["<present>"]
    return out


def _is_json(ctype: str | None) -> bool:
    if not ctype:
        return False
    base = ctype.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def json_paths_differ(a, b, path: str = "", out: list | None = None, limit: int = 10) -> list[str]:
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append(f"{p}: only FastAPI has it: {clip(json.dumps(a[k]), 200)}")
            elif k not in a:
                out.append(f"{p}: only TurboAPI has it: {clip(json.dumps(b[k]), 200)}")
            else:
                json_paths_differ(a[k], b[k], p, out, limit)
            if len(out) >= limit:
                break
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path or '<root>'}: FastAPI has {len(a)} items, TurboAPI {len(b)}: "
                       f"FastAPI {clip(json.dumps(a), 300)} / TurboAPI {clip(json.dumps(b), 300)}")
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                json_paths_differ(x, y, f"{path}[{i}]", out, limit)
    elif a != b or type(a) is not type(b):
        out.append(f"{path or '<root>'}: FastAPI {clip(json.dumps(a), 200)}, TurboAPI {clip(json.dumps(b), 200)}")
    return out


def start_failure_reason(log: str) -> str:
    """The line of a server log that says why it did not start (the last error or exception)."""
    rows = [r.strip() for r in log.splitlines() if r.strip()]
    for r in reversed(rows):
        if re.search(r"(cannot load|Error:|Exception:|error\])", r) and "Shutting down" not in r \
                and "exited with code" not in r and "failed to boot" not in r:
            return r
    return rows[-1] if rows else "(nothing logged)"


def log_excerpt(text: str, lines: int = 3) -> str:
    """The end of a traceback (or the last log lines): the exception and where it was raised."""
    rows = [r for r in text.splitlines() if r.strip() and not re.fullmatch(r"[\s^~]+", r)]
    if not rows:
        return "(nothing logged)"
    return " | ".join(r.strip() for r in rows[-lines:])[:600]


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def compare_replies(f: Reply, t: Reply, case: Case) -> list[str]:
    """Human-readable differences, each starting with its category (status, body, header X, ...)."""
    if t.error:
        return [f"no response from TurboAPI: {t.error} (FastAPI: {f.short()})"]
    diffs = []
    if f.status != t.status:
        diffs.append(f"status: FastAPI {f.status}, TurboAPI {t.status}")
    fh, th = _norm_headers(f, case), _norm_headers(t, case)
    if f.chunked or t.chunked:
        fh.pop("content-length", None)
        th.pop("content-length", None)
    for k in list(fh) + [k for k in th if k not in fh]:
        if fh.get(k) != th.get(k):
            diffs.append(f"header {k}: FastAPI {fh.get(k)}, TurboAPI {th.get(k)}")
    mode = case.body_mode
    if mode == "ignore" or case.method == "HEAD":
        pass
    elif callable(mode):
        a, b = mode(f.body), mode(t.body)
        if a != b:
            paths = json_paths_differ(a, b) if isinstance(a, (dict, list)) and isinstance(b, (dict, list)) else []
            diffs.append("body: " + ("; ".join(paths) if paths else f"FastAPI {clip(a)}, TurboAPI {clip(b)}"))
    elif mode in ("auto", "json") and _is_json(f.header("content-type")) and _parses(f.body):
        fj = json.loads(f.body)
        try:
            tj = json.loads(t.body)
        except ValueError:
            diffs.append(f"body: FastAPI JSON {clip(f.body)}, TurboAPI not JSON {clip(t.body)}")
        else:
            paths = json_paths_differ(fj, tj)
            if paths or fj != tj:
                diffs.append("body: JSON differs: " + "; ".join(paths or [f"FastAPI {clip(f.body)} TurboAPI {clip(t.body)}"]))
            elif mode == "auto" and f.body != t.body:
                diffs.append(f"body bytes: same JSON, other bytes: FastAPI {clip(f.body, 300)}, TurboAPI {clip(t.body, 300)}")
    elif f.body != t.body:
        diffs.append(f"body: FastAPI {clip(f.body)}, TurboAPI {clip(t.body)}")
    if any(d.startswith("body") for d in diffs):  # a different body has a different length: say it once
        diffs = [d for d in diffs if not d.startswith("header content-length:")]
    return diffs


def category(diff: str) -> str:
    head = diff.split(":", 1)[0]
    return head


_METHOD_SUFFIX = re.compile(r"_(get|put|post|delete|options|head|patch|trace)$")


def openapi_stable(body: bytes):
    """An OpenAPI document with the method suffix of every operationId dropped: FastAPI 0.92 names the
    operations of a route with several methods after a random one of them (a set's order)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    for item in (doc.get("paths") or {}).values() if isinstance(doc, dict) else ():
        for op in item.values():
            if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                op["operationId"] = _METHOD_SUFFIX.sub("_<method>", op["operationId"])
    return doc


def openapi_case(name: str = "openapi-document") -> Case:
    """GET /openapi.json of a feature's app, compared whole (operationId method suffixes aside)."""
    return Case(name=name, path="/openapi.json", body_mode=openapi_stable, ignore_headers=("content-length",),
                note="this app's OpenAPI document; operationId method suffixes are not compared")


# --- loading the case tables ----------------------------------------------------------------------


def load_cases(feature: str) -> list[Case]:
    if str(COMPARE_DIR) not in sys.path:
        sys.path.insert(0, str(COMPARE_DIR))
    import importlib

    mod = importlib.import_module(f"cases.{feature}")
    cases = list(mod.CASES)
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate case names in {feature}: {dup}"
    return cases


def app_module(feature: str) -> str:
    return f"api_{feature}"


def turbo_missing_names(feature: str) -> dict[str, str]:
    """Names the feature's app imports from api_compat that TurboAPI lacks (static check, in-process)."""
    import ast

    src = (APPS_DIR / f"{app_module(feature)}.py").read_text()
    wanted = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.ImportFrom) and node.module == "api_compat":
            wanted |= {a.name for a in node.names}
    code = ("import json,sys; sys.path[:0]=[%r,%r]; import api_compat; print(json.dumps(api_compat.missing(%r)))"
            % (str(APPS_DIR), str(REPO_ROOT / "python"), sorted(wanted)))
    env = dict(os.environ, COMPARE_FRAMEWORK="turbo")
    r = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"?": r.stderr.strip()[-500:]}
