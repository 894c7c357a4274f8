#!/usr/bin/python3
"""TurboAPI benchmark driver: starts each server, loads it with wrk, prints a markdown table.

Run it through `bench/run` (see bench/README.md). Installs nothing. The tables SERVERS and
ENDPOINTS below are what later benchmarks extend: add a Server or an Endpoint, nothing else.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent  # the repository root
BENCH = ROOT / "bench"
APPS = BENCH / "apps"
PYTHON = "/usr/bin/python3"  # Debian's CPython: the one with fastapi/uvicorn; never PATH's python3
TURBO = ROOT / "build" / "turbo"
CLK_TCK = os.sysconf("SC_CLK_TCK")
DISTURBED = 0.25  # cores used by the rest of the machine above which a run counts as disturbed


# --------------------------------------------------------------------------------------------
# What is benchmarked
# --------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str  # as given to --servers
    label: str  # as shown in tables
    # (port, workers, app variant, scratch dir) -> command line, run from ROOT. The variant is an
    # Endpoint.app value; the scratch dir is a private temporary directory (e.g. for a generated config).
    argv: Callable[[int, int, str, Path], list[str]]
    check: Callable[[], str | None]  # -> None if runnable, else what is missing and how to fix it
    env: dict[str, str] = field(default_factory=dict)  # added to the environment
    ready_line: str | None = None  # wait for this text on stderr (besides an HTTP answer)
    serves: frozenset[str] | None = None  # the endpoints it has (others are n/a); None: every endpoint
    limit_line: bool = False  # a reference that runs no application code (nginx): not a framework


@dataclass
class Endpoint:
    name: str  # as given to --endpoints
    path: str  # request target wrk loads
    expect: Callable[[str | None, bytes], str | None]  # (content-type, body) -> None or what is wrong
    method: str = "GET"
    body: bytes | None = None  # the request body, sent with content_type
    status: int = 200  # the status every response must have (422: the invalid-body case)
    app: str = "main"  # which app serves it: main (apps/*_app.py), mw-native, mw, mw-python (apps/*_mw*_app.py)
    headers: dict[str, str] = field(default_factory=dict)  # request headers (also sent by wrk, -H)
    want_headers: dict[str, str | None] = field(default_factory=dict)  # response headers: value, None = any
    content_type: str = "application/json"  # of the request body
    size_check: int | None = None  # wrk checks every response's status and body length (Lua), slower wrk
    connections: int | None = None  # wrk -c for this endpoint instead of --connections


def _python_has(*modules: str) -> str | None:
    if not os.access(PYTHON, os.X_OK):
        return f"{PYTHON} not found (Debian's python3 package)"
    code = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)"
    if subprocess.run([PYTHON, "-c", code, *modules]).returncode != 0:
        return f"{PYTHON} lacks one of {', '.join(modules)} (scripts/install-deps installs them)"
    return None


def _check_turbo() -> str | None:
    if not os.access(TURBO, os.X_OK):
        return f"{TURBO.relative_to(ROOT)} not found: run `make build` (or `make test`) first"
    return None


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _check_nginx() -> str | None:
    return None if _nginx() else "nginx not found (apt-get install nginx-light; scripts/install-deps installs it)"


# The app module of each variant (Endpoint.app), per framework.
TURBO_APPS = {
    "main": "turbo_app.py",
    "mw-native": "turbo_mw_native_app.py",
    "mw": "turbo_mw_app.py",
    "mw-python": "turbo_mw_python_app.py",
}
FASTAPI_APPS = {
    "main": "fastapi_app",
    "mw-native": "fastapi_mw_native_app",
    "mw": "fastapi_mw_app",
    "mw-python": "fastapi_mw_python_app",
}


def _uvicorn(app: str, port: int, workers: int) -> list[str]:
    return [PYTHON, "-m", "uvicorn", f"{app}:app", "--app-dir", "bench/apps",
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


def _gunicorn(app: str, port: int, workers: int) -> list[str]:
    # UvicornWorker picks uvloop and httptools itself ("auto"); no --access-logfile: no access log.
    return [PYTHON, "-m", "gunicorn", f"{app}:app", "--chdir", "bench/apps", "--worker-class",
            "uvicorn.workers.UvicornWorker", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning"]


NGINX_JSON = json.dumps({"message": "Hello, World!"}, separators=(",", ":"))


def _nginx_argv(port: int, workers: int, variant: str, scratch: Path) -> list[str]:
    """Writes an nginx config into scratch (a fixed `return 200` per location) and returns its command."""
    prefix = scratch / f"nginx-{port}"
    prefix.mkdir()
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""# Generated by bench/run: the limit line, no application code.
worker_processes {workers};
daemon off;
master_process on;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 65;
{temp}
    server {{
        listen 127.0.0.1:{port};
        location = /json {{
            default_type application/json;
            return 200 '{NGINX_JSON}';
        }}
        location / {{
            default_type text/plain;
            return 200 "Hello, World!";
        }}
    }}
}}
""")
    return [_nginx(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]


SERVERS: dict[str, Server] = {
    s.name: s
    for s in [
        Server(
            name="turbo",
            label="turbo",
            argv=lambda port, workers, app, _: [
                str(TURBO), "serve", f"bench/apps/{TURBO_APPS[app]}:app",
                "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-access-log",
            ],
            check=_check_turbo,
            env={"PYTHONPATH": str(ROOT / "python")},
            ready_line="serving on",
        ),
        Server(
            name="fastapi",
            label="fastapi+uvicorn",
            argv=lambda port, workers, app, _: _uvicorn(FASTAPI_APPS[app], port, workers),
            check=lambda: _python_has("fastapi", "uvicorn", "uvloop", "httptools"),
        ),
        Server(
            name="fastapi-gunicorn",
            label="fastapi+gunicorn",
            argv=lambda port, workers, app, _: _gunicorn(FASTAPI_APPS[app], port, workers),
            check=lambda: _python_has("fastapi", "uvicorn", "uvloop", "httptools", "gunicorn"),
        ),
        Server(
            name="nginx",
            label="nginx limit",
            argv=_nginx_argv,
            check=_check_nginx,
            serves=frozenset({"plain", "json"}),
            limit_line=True,
        ),
        Server(  # not in the default list: FastAPI with `def` handlers, run in its threadpool
            name="fastapi-sync",
            label="fastapi-sync+uvicorn",
            argv=lambda port, workers, app, _: _uvicorn("fastapi_sync_app", port, workers),
            check=lambda: _python_has("fastapi", "uvicorn", "uvloop", "httptools"),
            serves=frozenset({"plain", "json", "items", "post-item", "post-item-422", "big", "echo", "mw-none"}),
        ),
    ]
}


def _expect_text(text: str):
    def check(ctype, body):
        if body != text.encode():
            return f"body {body[:80]!r}, expected {text!r}"
        if not (ctype or "").startswith("text/plain"):
            return f"content-type {ctype!r}, expected text/plain"
        return None
    return check


def _expect_json(value):
    def check(ctype, body):
        try:
            got = json.loads(body)
        except ValueError:
            return f"body {body[:80]!r} is not JSON"
        if got != value:
            return f"body {got!r}, expected {value!r}"
        if not (ctype or "").startswith("application/json"):
            return f"content-type {ctype!r}, expected application/json"
        return None
    return check


def _expect_bytes(data: bytes, ctype_prefix: str):
    def check(ctype, body):
        if body != data:
            return f"body of {len(body)} bytes ({body[:20]!r}...), expected {len(data)} bytes ({data[:20]!r}...)"
        if not (ctype or "").startswith(ctype_prefix):
            return f"content-type {ctype!r}, expected {ctype_prefix}"
        return None
    return check


sys.path.insert(0, str(APPS))
from _shared import BIG, MW_ITEMS  # noqa: E402  (the data the apps return)

ITEM = {"name": "Widget", "price": 9.99, "tags": ["tools", "blue"]}
BAD_ITEM = {"name": "Widget", "price": "cheap", "tags": ["tools", 3, {}]}
ITEM_422 = {"detail": [
    {"loc": ["body", "price"], "msg": "value is not a valid float", "type": "type_error.float"},
    {"loc": ["body", "tags", 2], "msg": "str type expected", "type": "type_error.str"},
]}
# POST /echo: 1 MiB, every byte value. Loaded with 8 connections, not 64: 64 concurrent 1 MiB uploads
# make FastAPI+uvicorn answer so late that wrk (2 s timeout) completes almost none.
ECHO = bytes(range(256)) * 4096
# The middleware endpoints: a cross-origin GET that accepts gzip, so CORS and GZip both act.
MW_REQUEST = {"Origin": "https://example.com", "Accept-Encoding": "gzip"}
MW_NATIVE = {"access-control-allow-origin": "https://example.com", "content-encoding": "gzip", "x-request-id": None}
MW_JSON = {"access-control-allow-origin": "https://example.com", "x-request-id": None}

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in [
        Endpoint("json", "/json", _expect_json({"message": "Hello, World!"})),
        Endpoint("plain", "/", _expect_text("Hello, World!")),
        Endpoint("items", "/items/42?q=hello", _expect_json({"item_id": 42, "q": "hello"})),
        # A validated model body (name: str, price: float, tags: list[str]): turboapi.Model on TurboAPI,
        # a pydantic model on FastAPI. Then the same route with an invalid body: FastAPI's 422.
        Endpoint("post-item", "/items", _expect_json(ITEM), method="POST", body=json.dumps(ITEM).encode()),
        Endpoint("post-item-422", "/items", _expect_json(ITEM_422), method="POST",
                 body=json.dumps(BAD_ITEM).encode(), status=422),
        # GET /mw (a 1.2 KiB JSON list) without middleware, behind CORS + GZip + request id, and behind
        # those plus one @app.middleware("http"): the last two from their own apps (apps/*_mw*_app.py).
        Endpoint("mw-none", "/mw", _expect_json(MW_ITEMS), headers=MW_REQUEST),
        Endpoint("mw-native", "/mw", _expect_json(MW_ITEMS), app="mw-native", headers=MW_REQUEST,
                 want_headers=MW_NATIVE),
        Endpoint("mw", "/mw", _expect_json(MW_ITEMS), app="mw", headers=MW_REQUEST,
                 want_headers={**MW_NATIVE, "x-bench": "1"}),
        # The same route behind the @app.middleware("http") alone: `mw` without its native middlewares.
        Endpoint("mw-python", "/mw", _expect_json(MW_ITEMS), app="mw-python", headers=MW_REQUEST,
                 want_headers={"x-bench": "1"}),
        # GET /json behind the same CORS + GZip + request id (27 bytes: under GZip's minimum_size, so
        # nothing is compressed): what the pipeline itself costs, next to `json` on the plain app.
        Endpoint("mw-json", "/json", _expect_json({"message": "Hello, World!"}), app="mw-native",
                 headers=MW_REQUEST, want_headers=MW_JSON),
        Endpoint("big", "/big", _expect_bytes(BIG, "application/octet-stream"), size_check=len(BIG)),
        Endpoint("echo", "/echo", _expect_bytes(ECHO, "application/octet-stream"), method="POST", body=ECHO,
                 content_type="application/octet-stream", size_check=len(ECHO), connections=8),
    ]
}


# --------------------------------------------------------------------------------------------
# Processes: start, wait, measure CPU of the whole tree, stop
# --------------------------------------------------------------------------------------------


def _read_stat(pid: int) -> tuple[int, int] | None:
    """(ppid, utime+stime+cutime+cstime in ticks) of one process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = data[data.rindex(b")") + 2:].split()  # fields[0] is field 3 (state)
    ppid = int(fields[1])  # field 4
    # utime, stime (14, 15): this process, all its threads. cutime, cstime (16, 17): its
    # children it has already reaped -- so a worker that dies and is reaped mid-run still counts.
    ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ppid, ticks


def tree_cpu_seconds(root: int) -> tuple[float, int]:
    """CPU seconds (user+sys) used so far by root and all its live descendants; and their count."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            s = _read_stat(int(entry))
            if s is not None:
                stats[int(entry)] = s
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            count += 1
            todo.extend(children.get(pid, ()))
    return total / CLK_TCK, count


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent not idle since boot (user, nice, system, irq, softirq; not steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / CLK_TCK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 2.0, method: str = "GET", body: bytes | None = None,
             headers: dict[str, str] | None = None,
             content_type: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    """One request; (status, response headers with lower-case names, body as received)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={**({"content-type": content_type} if body else {}),
                                                       **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def check_endpoint(port: int, ep: Endpoint) -> tuple[int, str | None]:
    """Sends the endpoint's request once: its status and what is wrong with the answer (None: right)."""
    status, headers, body = http_get(port, ep.path, timeout=10.0, method=ep.method, body=ep.body,
                                     headers=ep.headers, content_type=ep.content_type)
    if status != ep.status:
        return status, f"HTTP {status}, expected {ep.status}: {body[:120]!r}"
    for name, value in ep.want_headers.items():
        if name not in headers:
            return status, f"no {name} header"
        if value is not None and headers[name] != value:
            return status, f"{name}: {headers[name]!r}, expected {value!r}"
    if headers.get("content-encoding") == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as e:
            return status, f"content-encoding gzip, but the body does not decompress: {e}"
    return status, ep.expect(headers.get("content-type"), body)


class Running:
    """A server started in its own process group, its stderr+stdout in a log file."""

    def __init__(self, server: Server, workers: int, pin: bool, logdir: Path, app: str = "main"):
        self.server = server
        self.port = free_port()
        self.argv = server.argv(self.port, workers, app, logdir)
        if pin:
            self.argv = ["taskset", "-c", "0", *self.argv]
        self.log_path = logdir / f"{server.name}-{self.port}.log"
        self.log = open(self.log_path, "wb")
        env = dict(os.environ, **server.env)
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,  # pgid == pid: stop() kills the group
        )

    def log_tail(self, n: int = 20) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in lines[-n:])

    def wait_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        line_seen = self.server.ready_line is None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.server.label} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if not line_seen:
                line_seen = self.server.ready_line in self.log_path.read_text(errors="replace")
            if line_seen:
                try:
                    http_get(self.port, path, timeout=1.0)
                    return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.server.label} not answering on port {self.port} after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace: float = 10.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"  {self.server.label}: no exit {grace:.0f} s after SIGTERM, SIGKILL", file=sys.stderr)
        # Also SIGKILL stragglers in the group (workers that outlive their master).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors + non-2xx/3xx responses + responses the Lua check found wrong
    wrk_cpu: float  # CPU seconds wrk itself used
    server_cpu: float  # CPU seconds the server's process tree used during the run
    server_procs: int
    other_cpu: float  # CPU seconds the rest of the machine used (kernel softirq, other programs)
    round_no: int = 1  # the round it was taken in (see main)

    @property
    def server_us_per_req(self) -> float:
        return self.server_cpu / self.requests * 1e6 if self.requests else float("nan")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unknown latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str, non_2xx_is_error: bool = True) -> tuple[int, float, float, float, float, int]:
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if not m:
        raise ValueError(f"cannot parse wrk output:\n{out}")
    requests, seconds = int(m.group(1)), _ms(m.group(2) + m.group(3)) / 1e3
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    rps = float(m.group(1)) if m else requests / seconds
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", out, re.M))
    # No latency distribution when no request completed (e.g. 1 MiB bodies on a slow server in 1 s).
    p50, p99 = (_ms(pct["50"]), _ms(pct["99"])) if "50" in pct and "99" in pct else (float("nan"),) * 2
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m and non_2xx_is_error:
        errors += int(m.group(1))
    m = re.search(r"^bench-check: (\d+) checked, (\d+) wrong", out, re.M)
    if m:
        errors += int(m.group(2))
    return requests, seconds, rps, p50, p99, errors


# With Endpoint.size_check: every response's status and body length are checked in wrk's threads, and
# done() prints the sums (parse_wrk adds the wrong ones to the errors).
LUA_CHECK = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) checked = 0; wrong = 0 end
function response(status, headers, body)
  checked = checked + 1
  if status ~= %(status)d or #body ~= %(size)d then wrong = wrong + 1 end
end
function done(summary, latency, requests)
  local c, w = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("checked"); w = w + t:get("wrong") end
  io.write(string.format("bench-check: %%d checked, %%d wrong\\n", c, w))
end
"""


def wrk_script(ep: Endpoint, scratch: Path) -> list[str]:
    """wrk's -s option for a body or a response check (a Lua script in scratch), else nothing."""
    if ep.body is None and ep.method == "GET" and ep.size_check is None:
        return []
    lua = [f"wrk.method = {json.dumps(ep.method)}"]
    if ep.body is not None:
        body_file = scratch / f"{ep.name}.body"
        body_file.write_bytes(ep.body)
        lua += [f'local f = assert(io.open({json.dumps(str(body_file))}, "rb"))',
                'wrk.body = f:read("*a")', "f:close()",
                f'wrk.headers["Content-Type"] = {json.dumps(ep.content_type)}']
    if ep.size_check is not None:
        lua.append(LUA_CHECK % {"status": ep.status, "size": ep.size_check})
    path = scratch / f"{ep.name}.lua"
    path.write_text("\n".join(lua) + "\n")
    return ["-s", str(path)]


def wrk_argv(args, port: int, ep: Endpoint, duration: float, pin: bool, scratch: Path,
             connections: int | None = None) -> list[str]:
    argv = ["wrk", f"-t{args.threads}", f"-c{connections or ep.connections or args.connections}", f"-d{duration:g}s", "--latency",
            *wrk_script(ep, scratch), *(x for k, v in ep.headers.items() for x in ("-H", f"{k}: {v}")),
            f"http://127.0.0.1:{port}{ep.path}"]
    return ["taskset", "-c", "1", *argv] if pin else argv


def run_wrk(argv: list[str], server_pid: int, non_2xx_is_error: bool = True) -> WrkResult:
    cpu0, _ = tree_cpu_seconds(server_pid)
    busy0 = machine_busy_seconds()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)  # wrk's own rusage, nothing else's
        proc.returncode = os.waitstatus_to_exitcode(status)
        busy1 = machine_busy_seconds()
        cpu1, procs = tree_cpu_seconds(server_pid)  # right after wrk ends, the tree still alive
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited with {proc.returncode}:\n{text}")
    requests, seconds, rps, p50, p99, errors = parse_wrk(text, non_2xx_is_error)
    wrk_cpu = usage.ru_utime + usage.ru_stime
    other = max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - wrk_cpu)
    return WrkResult(requests, seconds, rps, p50, p99, errors, wrk_cpu, cpu1 - cpu0, procs, other)


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

SETUPS = {"unpinned": False, "pinned": True}  # setup name -> pin (server on CPU 0, wrk on CPU 1)


@dataclass
class Point:
    server: Server
    endpoint: Endpoint
    workers: int
    runs: list[WrkResult]
    note: str = ""
    setup: str = "unpinned"

    def med(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    @property
    def key(self) -> tuple[str, int, str]:
        return self.endpoint.name, self.workers, self.setup


def _sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def builds_running() -> str:
    """Compilers and build tools running now (they share the 2 cores with the benchmark)."""
    return _sh(["pgrep", "-a", "-f", "ninja|cc1plus|cc1 |collect2|/ld "])


def wait_for_builds(limit: float) -> str:
    """Waits up to limit seconds for running builds to end; returns what still runs."""
    running = builds_running()
    if running and limit > 0:
        print(f"bench/run: a build is running; waiting up to {limit:.0f} s for it to end "
              "(--build-wait 0 to not wait):\n" + running, file=sys.stderr)
        deadline = time.monotonic() + limit
        while running and time.monotonic() < deadline:
            time.sleep(5)
            running = builds_running()
    return running


def _why(log_tail: str) -> str:
    """The most telling line of a failed server's log, for the table: a Python exception's last line
    (`ModuleNotFoundError: ...`) if there is one, else the last error line, else the last line."""
    lines = [re.sub(r"^(\[[^]]*\] )+", "", l.strip()) for l in log_tail.splitlines() if l.strip()]
    exceptions = [l for l in lines if re.match(r"[\w.]*(Error|Exception|Exit|Interrupt)\b:?", l)]
    errors = [l for l in lines if re.search(r"Error|Exception|error|failed", l)]
    line = (exceptions or errors or lines or ["no output"])[-1]
    return line.replace("|", "/")[:160]


def bench_app(server: Server, app: str, endpoints: list[Endpoint], workers: int, setup: str, args,
              logdir: Path, commands: list[str], round_no: int = 1) -> tuple[list[Point], str]:
    """Starts one app of one server and measures each of its endpoints once (one round). Returns the
    points and, if it failed, why."""
    pin = SETUPS[setup]
    print(f"== round {round_no}/{args.repeat}: {server.label}, {workers} worker(s), {setup}"
          + ("" if app == "main" else f", app {app}"), file=sys.stderr)
    points: list[Point] = []
    try:
        run = Running(server, workers, pin, logdir, app)
    except OSError as e:
        return [Point(server, ep, workers, [], f"failed: {e}", setup) for ep in endpoints], f"{server.label}: {e}"
    if round_no == 1:  # the later rounds run the same commands (on other free ports)
        commands.append(shlex.join(run.argv).replace(str(ROOT) + "/", ""))

    def alive(what: str) -> None:
        if run.proc.poll() is not None:
            raise RuntimeError(f"{server.label} exited with {run.proc.returncode} {what}:\n{run.log_tail()}")

    try:
        run.wait_ready(endpoints[0].path, args.start_timeout)
        for ep in endpoints:
            alive(f"before {ep.name}")
            status, problem = check_endpoint(run.port, ep)
            if problem:
                print(f"  {ep.name}: WRONG RESPONSE: {problem}", file=sys.stderr)
                if status != ep.status:
                    points.append(Point(server, ep, workers, [], f"skipped: {problem}", setup))
                    continue
            if args.warmup > 0:
                run_wrk(wrk_argv(args, run.port, ep, args.warmup, pin, logdir), run.proc.pid, ep.status < 300)
                alive(f"during the {ep.name} warm-up")
            argv = wrk_argv(args, run.port, ep, args.duration, pin, logdir)
            if round_no == 1:
                commands.append(shlex.join(argv).replace(str(logdir), "$TMP"))
            pt = Point(server, ep, workers, [], f"wrong response: {problem}" if problem else "", setup)
            r = run_wrk(argv, run.proc.pid, ep.status < 300)
            r.round_no = round_no
            alive(f"during {ep.name} run {round_no}")
            pt.runs.append(r)
            print(f"  {ep.name} #{round_no}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                  f"server {r.server_us_per_req:.1f} us/req ({r.server_procs} procs), "
                  f"wrk {r.wrk_cpu / r.seconds:.2f} cores, other {r.other_cpu / r.seconds:.2f} cores, "
                  f"errors {r.errors}", file=sys.stderr)
            points.append(pt)
    except (RuntimeError, OSError, ValueError) as e:
        done = {p.endpoint.name for p in points}
        why = _why(str(e))
        print(f"  FAILED: {why}", file=sys.stderr)
        points += [Point(server, ep, workers, [], f"failed: {why}", setup) for ep in endpoints if ep.name not in done]
        return points, f"{server.label} ({workers} worker(s), {setup}, app {app}): {e}"
    finally:
        run.stop()
    return points, ""


def merge_point(merged: dict[tuple, Point], pt: Point) -> None:
    """Adds one round's measurement of a point to the earlier rounds'. A round that failed or got a
    wrong answer keeps its note (the first such note wins), so the table says so."""
    key = (pt.server.name, pt.endpoint.name, pt.workers, pt.setup)
    have = merged.get(key)
    if have is None:
        merged[key] = pt
        return
    have.runs += pt.runs
    if pt.note and not have.note:
        have.note = pt.note


def fmt(x: float, spec: str) -> str:
    return "—" if x != x else format(x, spec)  # NaN -> dash


def tables(points: list[Point], baseline: str, limit: str = "nginx") -> str:
    out = ["| server | endpoint | workers | setup | requests/s | p50 ms | p99 ms | server CPU µs/req "
           "| server CPU cores | wrk CPU cores | other CPU cores | errors |",
           "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for p in points:
        if not p.runs:
            out.append(f"| {p.server.label} | {p.endpoint.name} | {p.workers} | {p.setup} | {p.note} | | | | | | | |")
            continue
        srv_cores = statistics.median(r.server_cpu / r.seconds for r in p.runs)
        wrk_cores = statistics.median(r.wrk_cpu / r.seconds for r in p.runs)
        other_cores = statistics.median(r.other_cpu / r.seconds for r in p.runs)
        errs = sum(r.errors for r in p.runs)
        note = f" ({p.note})" if p.note else ""
        out.append(f"| {p.server.label} | {p.endpoint.name}{note} | {p.workers} | {p.setup} | {p.med('rps'):,.0f} "
                   f"| {fmt(p.med('p50_ms'), '.2f')} | {fmt(p.med('p99_ms'), '.2f')} | {fmt(p.med('server_us_per_req'), '.1f')} "
                   f"| {srv_cores:.2f} | {wrk_cores:.2f} | {other_cores:.2f}{' ⚠' if other_cores > DISTURBED else ''} | {errs} |")

    def ratio(p: Point, ref: Point | None) -> tuple[str, str]:
        if ref is None:
            return "", ""
        return (f"{p.med('rps') / ref.med('rps'):.2f}×",
                f"{fmt(p.med('server_us_per_req') / ref.med('server_us_per_req'), '.2f')}×")

    def paired(p: Point, ref: Point | None) -> str:
        """The median of the round-by-round ratios of CPU per request (a point's run and the
        reference's from the same round are minutes apart); blank with fewer than 2 rounds in common."""
        if ref is None:
            return ""
        theirs = {r.round_no: r for r in ref.runs}
        rs = [r.server_us_per_req / theirs[r.round_no].server_us_per_req for r in p.runs
              if r.round_no in theirs and theirs[r.round_no].server_us_per_req > 0]
        if len(rs) < 2:
            return ""
        return f"{statistics.median(rs):.3f}× ({min(rs):.3f}-{max(rs):.3f})"

    base = {p.key: p for p in points if p.server.name == baseline and p.runs}
    lim = {p.key: p for p in points if p.server.name == limit and p.runs}
    base_label = SERVERS[baseline].label if baseline in SERVERS else baseline
    ratios = []
    for p in points:
        if not p.runs or p.server.name in (baseline, limit):
            continue
        b, n = ratio(p, base.get(p.key)), ratio(p, lim.get(p.key))
        if b[0] or n[0]:
            ratios.append(f"| {p.server.label} | {p.endpoint.name} | {p.workers} | {p.setup} "
                          f"| {b[0]} | {b[1]} | {paired(p, base.get(p.key))} | {n[0]} | {n[1]} |")
    if ratios:
        out += ["", f"Ratios (same endpoint, worker count and setup): requests/s above 1× and CPU/request below 1× "
                f"beat the reference; nginx only has `plain` and `json`. \"by round\": the median (and range) of "
                f"the CPU/request ratios of runs taken in the same round, which a drift of the machine over "
                f"the session does not move.", "",
                f"| server | endpoint | workers | setup | requests/s ÷ {base_label} | CPU/request ÷ {base_label} "
                f"| CPU/request ÷ {base_label}, by round | requests/s ÷ nginx | CPU/request ÷ nginx |",
                "|---|---|--:|---|--:|--:|--:|--:|--:|", *ratios]
    out += middleware_costs(points)
    return "\n".join(out)


# What the native middlewares cost each server, from two endpoints of the same run: (with, without).
MIDDLEWARE_PAIRS = [
    ("mw", "mw-python", "CORS + GZip + request id, behind one @app.middleware (the issue's stack)"),
    ("mw-native", "mw-none", "CORS + GZip + request id on the bare route (gzip of 1.2 KiB included)"),
    ("mw-json", "json", "CORS + GZip + request id, body under GZip's minimum (the pipeline alone)"),
]


def middleware_costs(points: list[Point]) -> list[str]:
    by = {(p.server.name, p.endpoint.name, p.workers, p.setup): p for p in points if p.runs}
    rows = []
    for p in points:
        for with_mw, without, what in MIDDLEWARE_PAIRS:
            if p.endpoint.name != with_mw or not p.runs:
                continue
            ref = by.get((p.server.name, without, p.workers, p.setup))
            if ref is None:
                continue
            rows.append(f"| {p.server.label} | {with_mw} vs {without} | {p.workers} | {p.setup} | {what} "
                        f"| {(p.med('rps') / ref.med('rps') - 1) * 100:+.0f}% "
                        f"| {fmt(p.med('server_us_per_req') - ref.med('server_us_per_req'), '+.1f')} |")
    if not rows:
        return []
    return ["", "Native middleware cost (same server, worker count and setup; negative requests/s is the "
            "throughput they cost):", "",
            "| server | endpoints | workers | setup | middlewares | requests/s change | CPU µs/req added |",
            "|---|---|--:|---|---|--:|--:|", *rows]


def chart(points: list[Point], path: Path, title: str) -> str:
    """Writes a PNG of requests/s and server CPU µs/request (one row per worker count and setup).
    Returns "" when written, else why not (matplotlib missing)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ("matplotlib is not installed for /usr/bin/python3 (apt-get install python3-matplotlib; "
                "scripts/install-deps installs it): no chart")
    measured = [p for p in points if p.runs]
    if not measured:
        return "nothing was measured: no chart"
    groups = sorted({(p.workers, p.setup) for p in measured}, key=lambda g: (g[1] != "unpinned", g[0]))
    servers = list(dict.fromkeys(p.server.label for p in measured))
    endpoints = list(dict.fromkeys(p.endpoint.name for p in points))
    colors = dict(zip(servers, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(len(groups), 2, figsize=(max(11, 0.8 * len(endpoints) * 2), 3.6 * len(groups)),
                             squeeze=False)
    width = 0.8 / len(servers)
    for row, (workers, setup) in enumerate(groups):
        for col, (attr, label) in enumerate((("rps", "requests/s"), ("server_us_per_req", "server CPU µs/request"))):
            ax = axes[row][col]
            for i, srv in enumerate(servers):
                xs, ys = [], []
                for j, ep in enumerate(endpoints):
                    pt = next((p for p in measured if p.server.label == srv and p.endpoint.name == ep
                               and p.workers == workers and p.setup == setup), None)
                    if pt is not None:
                        xs.append(j + (i - (len(servers) - 1) / 2) * width)
                        ys.append(pt.med(attr))
                ax.bar(xs, ys, width, label=srv, color=colors[srv])
                for j, ep in enumerate(endpoints):  # say why a bar is missing when it should be there
                    pt = next((p for p in points if p.server.label == srv and p.endpoint.name == ep
                               and p.workers == workers and p.setup == setup and not p.runs), None)
                    if pt is not None and pt.note != "n/a":
                        ax.text(j + (i - (len(servers) - 1) / 2) * width, 0.02, "failed", rotation=90, fontsize=6,
                                ha="center", va="bottom", transform=ax.get_xaxis_transform(), color=colors[srv])
            ax.set_yscale("log")
            ax.set_xticks(range(len(endpoints)), endpoints, rotation=30, ha="right", fontsize=8)
            ax.set_title(f"{label} ({'higher' if attr == 'rps' else 'lower'} is better), "
                         f"{workers} worker(s), {setup}", fontsize=9)
            ax.grid(axis="y", which="both", alpha=0.3)
            if row == 0 and col == 0:
                ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ""


def environment() -> dict[str, str]:
    commit = _sh(["git", "rev-parse", "--short", "HEAD"]) or "nocommit"
    dirty = bool(_sh(["git", "status", "--porcelain"]))
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit + (" (uncommitted changes)" if dirty else ""),
        "short": commit,
        "branch": _sh(["git", "rev-parse", "--abbrev-ref", "HEAD"]),
        "uname": _sh(["uname", "-a"]) or " ".join(platform.uname()),
        "cpu": f"{cpu}, {os.cpu_count()} CPUs",
        "wrk": (_sh(["wrk", "-v"]).splitlines() or [""])[0],
    }


def _int_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma list of integers: {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"worker counts must be positive: {text!r}")
    return values


def plan(args) -> list[tuple[str, int, Server, str, list[Endpoint]]]:
    """Every server start of the run, in order: (setup, workers, server, app, its endpoints)."""
    out = []
    for setup in args.setups:
        for workers in args.workers:
            for s in args.servers:
                server = SERVERS[s]
                eps = [ENDPOINTS[e] for e in args.endpoints if server.serves is None or e in server.serves]
                for app in dict.fromkeys(ep.app for ep in eps):
                    out.append((setup, workers, server, app, [ep for ep in eps if ep.app == app]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--servers", default="turbo,fastapi,fastapi-gunicorn,nginx", help=f"comma list of {','.join(SERVERS)}")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS), help=f"comma list of {','.join(ENDPOINTS)}")
    ap.add_argument("--baseline", default="fastapi", help="server the first ratios divide by")
    ap.add_argument("--workers", type=_int_list, default=None,
                    help="comma list of worker counts; every server runs at each (default 1,2; --quick: 2)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (whole seconds: wrk takes no fractions)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds: each round starts every server and runs every point once; the table shows medians")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each endpoint, not measured (0: none)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (-t)")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (-c)")
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 3 s, 1 s warm-up, 2 workers only unless --workers is given")
    ap.add_argument("--setup", choices=["unpinned", "pinned", "both"], default=None,
                    help="unpinned: the kernel schedules; pinned: servers on CPU 0, wrk on CPU 1 (taskset); "
                         "both: each point both ways (default unpinned)")
    ap.add_argument("--pin", action="store_true", help="the same as --setup pinned")
    ap.add_argument("--start-timeout", type=float, default=30, help="seconds to wait for a server to answer")
    ap.add_argument("--build-wait", type=float, default=600,
                    help="seconds to wait for running compilers (ninja, cc1plus, ...) to end before starting")
    ap.add_argument("--out", help="also write the markdown here")
    ap.add_argument("--no-results", action="store_true",
                    help="do not write bench/results/<date>-<commit>.md and .png")
    ap.add_argument("--no-chart", action="store_true", help="do not draw the PNG chart")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeat, args.duration, args.warmup = 1, 3, 1
    if args.workers is None:
        args.workers = [2] if args.quick else [1, 2]
    if args.pin and args.setup not in (None, "pinned"):
        ap.error("--pin means --setup pinned")
    args.setup = args.setup or ("pinned" if args.pin else "unpinned")
    args.setups = ["unpinned", "pinned"] if args.setup == "both" else [args.setup]
    args.servers = [s for s in args.servers.split(",") if s]
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    for kind, names, table in (("server", args.servers, SERVERS), ("endpoint", args.endpoints, ENDPOINTS)):
        bad = [n for n in names if n not in table]
        if bad or not names:
            ap.error(f"unknown {kind} {','.join(bad) or '(none)'}; choose from {','.join(table)}")
    if args.repeat < 1 or args.duration <= 0:
        ap.error("--repeat and --duration must be positive")

    pinned = "pinned" in args.setups
    missing = [m for m in ([None if shutil.which("wrk") else "wrk not found (apt-get install wrk)"]
                           + ([None if shutil.which("taskset") else "taskset not found (util-linux)"] if pinned else [])
                           + [SERVERS[s].check() for s in args.servers]) if m]
    if missing:
        print("bench/run: cannot run:\n" + "\n".join(f"  - {m}" for m in missing)
              + "\nRun `make build` (or `make test`) first; scripts/install-deps installs the tools.", file=sys.stderr)
        return 2

    steps = plan(args)
    n_points = sum(len(eps) for *_, eps in steps)
    estimate = args.repeat * (n_points * (args.warmup + args.duration + 0.5) + len(steps) * 3)
    print(f"bench/run: {n_points} points in {len(steps)} server starts, about {estimate / 60:.0f} min", file=sys.stderr)
    env = environment()
    build0 = wait_for_builds(args.build_wait)
    if build0:
        print("bench/run: WARNING: a build is running; figures will be noisy:\n" + build0, file=sys.stderr)
    load0 = os.getloadavg()[0]
    points: list[Point] = []
    commands: list[str] = []
    t0 = time.monotonic()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="turbo-bench-") as logdir:
        # Rounds, not repeats in a row: each round starts every server once and runs each endpoint
        # once, so the repeats of a point are spread over the whole run. This VM's speed drifts by
        # 20-30% within minutes; measured back to back, one framework could get a fast spell and the
        # other a slow one, and the ratios would show the drift. Spread out, every server sees it alike.
        merged: dict[tuple, Point] = {}
        for round_no in range(1, args.repeat + 1):
            for setup, workers, server, app, eps in steps:
                pts, failure = bench_app(server, app, eps, workers, setup, args, Path(logdir), commands, round_no)
                for pt in pts:
                    merge_point(merged, pt)
                if failure:
                    print(f"bench/run: {failure}", file=sys.stderr)
                    failures.append(failure)
        points += merged.values()
        # Endpoints a server does not have (nginx: only plain and json), shown as n/a.
        for setup in args.setups:
            for workers in args.workers:
                for s in args.servers:
                    srv = SERVERS[s]
                    points += [Point(srv, ENDPOINTS[e], workers, [], "n/a", setup) for e in args.endpoints
                               if srv.serves is not None and e not in srv.serves]
    build1 = builds_running()
    order = {(s, w, st): i for i, (st, w, s) in enumerate(
        (st, w, s) for st in args.setups for w in args.workers for s in args.servers)}
    eorder = {e: i for i, e in enumerate(args.endpoints)}
    points.sort(key=lambda p: (order[(p.server.name, p.workers, p.setup)], eorder[p.endpoint.name]))
    wall = time.monotonic() - t0

    table = tables(points, args.baseline)
    print(table)
    disturbed = [f"{p.server.label} {p.endpoint.name} ({p.workers}w, {p.setup})" for p in points
                 if p.runs and statistics.median(r.other_cpu / r.seconds for r in p.runs) > DISTURBED]
    if disturbed:
        print(f"bench/run: WARNING: something else used > {DISTURBED} cores during: {', '.join(disturbed)}; "
              "rerun on a quiet machine", file=sys.stderr)
    setups = {"unpinned": "unpinned = no CPU pinning (the kernel schedules server and wrk on both cores)",
              "pinned": "pinned = server (all its processes) on CPU 0 and wrk on CPU 1 (taskset)"}
    method = (f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency, "
              f"{args.warmup:g} s warm-up per endpoint and server start, median of {args.repeat} run(s) taken in "
              f"{args.repeat} round(s) (each round starts every server once and runs every point once); workers "
              f"{','.join(map(str, args.workers))}; setup column: " + "; ".join(setups[s] for s in args.setups))
    stem = BENCH / "results" / f"{datetime.date.today().isoformat()}-{env['short']}"
    md_path = stem.with_suffix(".md")
    if md_path.exists():
        stem = Path(f"{stem}-{datetime.datetime.now():%H%M%S}")
        md_path = stem.with_suffix(".md")
    png_path = stem.with_suffix(".png")
    chart_note = "not drawn (--no-chart)" if args.no_chart else "not written (--no-results)"
    if not args.no_results and not args.no_chart:
        why = chart(points, png_path, f"bench/run {env['date']}, commit {env['short']}, {env['cpu']}")
        if why:
            print(f"bench/run: {why}", file=sys.stderr)
            chart_note = why
        else:
            print(f"bench/run: wrote {png_path}", file=sys.stderr)
            chart_note = f"![requests/s and server CPU per request]({png_path.name})"
    doc = "\n".join([
        f"# Benchmark {env['date']}", "",
        f"- commit: {env['commit']} (branch {env['branch']})",
        f"- machine: `{env['uname']}`",
        f"- CPU: {env['cpu']}",
        f"- load generator: {env['wrk']}",
        f"- method: {method}",
        f"- builds running: at start {'yes' if build0 else 'no'}, at end {'yes' if build1 else 'no'}; "
        f"load average (1 min) at start {load0:.2f}",
        f"- disturbed points (other CPU > {DISTURBED} cores): {', '.join(disturbed) or 'none'}",
        f"- wall time: {wall:.0f} s", "",
        table, "",
        f"Chart: {chart_note}", "",
        *(["## Failures", "", "```", *failures, "```", ""] if failures else []),
        "## Commands", "", "```", f"bench/run {shlex.join(argv if argv is not None else sys.argv[1:])}",
        *commands, "```", "",
        "## Every run", "",
        "| server | endpoint | workers | setup | round | requests | seconds | requests/s | p50 ms | p99 ms "
        "| server CPU s | server procs | wrk CPU s | other CPU s | errors |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        *[f"| {p.server.label} | {p.endpoint.name} | {p.workers} | {p.setup} | {r.round_no} | {r.requests} | {r.seconds:.2f} "
          f"| {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.server_cpu:.2f} | {r.server_procs} | {r.wrk_cpu:.2f} "
          f"| {r.other_cpu:.2f} | {r.errors} |"
          for p in points for r in p.runs],
        "",
    ])
    targets = [Path(args.out)] if args.out else []
    if not args.no_results:
        targets.append(md_path)
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc)
        print(f"bench/run: wrote {path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
