#!/usr/bin/python3
"""TurboAPI benchmark driver: starts each server, loads it with wrk, prints a markdown table.

Run it through `bench/run` (see bench/README.md). Installs nothing. The tables SERVERS and
ENDPOINTS below are what later benchmarks extend: add a Server or an Endpoint, nothing else.
"""

from __future__ import annotations

import argparse
import datetime
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
    argv: Callable[[int, int], list[str]]  # (port, workers) -> command line, run from ROOT
    check: Callable[[], str | None]  # -> None if runnable, else what is missing and how to fix it
    env: dict[str, str] = field(default_factory=dict)  # added to the environment
    ready_line: str | None = None  # wait for this text on stderr (besides an HTTP answer)


@dataclass
class Endpoint:
    name: str  # as given to --endpoints
    path: str  # request target wrk loads
    expect: Callable[[str | None, bytes], str | None]  # (content-type, body) -> None or what is wrong
    method: str = "GET"
    body: bytes | None = None  # sent as application/json
    status: int = 200  # the status every response must have (422: the invalid-body case)


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


def _uvicorn(app: str, port: int, workers: int) -> list[str]:
    return [PYTHON, "-m", "uvicorn", app, "--app-dir", "bench/apps",
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


SERVERS: dict[str, Server] = {
    s.name: s
    for s in [
        Server(
            name="turbo",
            label="turbo",
            argv=lambda port, workers: [
                str(TURBO), "serve", "bench/apps/turbo_app.py:app",
                "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-access-log",
            ],
            check=_check_turbo,
            env={"PYTHONPATH": str(ROOT / "python")},
            ready_line="serving on",
        ),
        Server(
            name="fastapi",
            label="fastapi+uvicorn",
            argv=lambda port, workers: _uvicorn("fastapi_app:app", port, workers),
            check=lambda: _python_has("fastapi", "uvicorn", "uvloop", "httptools"),
        ),
        Server(  # not in the default list: FastAPI with `def` handlers, run in its threadpool
            name="fastapi-sync",
            label="fastapi-sync+uvicorn",
            argv=lambda port, workers: _uvicorn("fastapi_sync_app:app", port, workers),
            check=lambda: _python_has("fastapi", "uvicorn", "uvloop", "httptools"),
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


ITEM = {"name": "Widget", "price": 9.99, "tags": ["tools", "blue"]}
BAD_ITEM = {"name": "Widget", "price": "cheap", "tags": ["tools", 3, {}]}
ITEM_422 = {"detail": [
    {"loc": ["body", "price"], "msg": "value is not a valid float", "type": "type_error.float"},
    {"loc": ["body", "tags", 2], "msg": "str type expected", "type": "type_error.str"},
]}

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in [
        Endpoint("plain", "/", _expect_text("Hello, World!")),
        Endpoint("json", "/json", _expect_json({"message": "Hello, World!"})),
        Endpoint("items", "/items/42?q=hello", _expect_json({"item_id": 42, "q": "hello"})),
        # A validated model body (name: str, price: float, tags: list[str]): turboapi.Model on TurboAPI,
        # a pydantic model on FastAPI. Then the same route with an invalid body: FastAPI's 422.
        Endpoint("post-item", "/items", _expect_json(ITEM), method="POST", body=json.dumps(ITEM).encode()),
        Endpoint("post-item-422", "/items", _expect_json(ITEM_422), method="POST",
                 body=json.dumps(BAD_ITEM).encode(), status=422),
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


def http_get(port: int, path: str, timeout: float = 2.0, method: str = "GET",
             body: bytes | None = None) -> tuple[int, str | None, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"content-type": "application/json"} if body else {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("content-type"), resp.read()
    finally:
        conn.close()


class Running:
    """A server started in its own process group, its stderr+stdout in a log file."""

    def __init__(self, server: Server, workers: int, pin: bool, logdir: Path):
        self.server = server
        self.port = free_port()
        self.argv = server.argv(self.port, workers)
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
    errors: int  # socket errors + non-2xx/3xx responses
    wrk_cpu: float  # CPU seconds wrk itself used
    server_cpu: float  # CPU seconds the server's process tree used during the run
    server_procs: int
    other_cpu: float  # CPU seconds the rest of the machine used (kernel softirq, other programs)

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
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.M))
    p50, p99 = _ms(pct["50"]), _ms(pct["99"])
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m and non_2xx_is_error:
        errors += int(m.group(1))
    return requests, seconds, rps, p50, p99, errors


def wrk_script(ep: Endpoint) -> list[str]:
    """wrk's -s option for a request with a body (a Lua script in a temporary file), else nothing."""
    if ep.method == "GET" and ep.body is None:
        return []
    lua = (f"wrk.method = {json.dumps(ep.method)}\n"
           f"wrk.body = {json.dumps((ep.body or b'').decode())}\n"
           'wrk.headers["Content-Type"] = "application/json"\n')
    fd, name = tempfile.mkstemp(prefix="bench-", suffix=".lua")
    with os.fdopen(fd, "w") as f:
        f.write(lua)
    return ["-s", name]


def wrk_argv(args, port: int, ep: Endpoint, duration: float) -> list[str]:
    argv = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration:g}s", "--latency",
            *wrk_script(ep), f"http://127.0.0.1:{port}{ep.path}"]
    return ["taskset", "-c", "1", *argv] if args.pin else argv


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


@dataclass
class Point:
    server: Server
    endpoint: Endpoint
    workers: int
    runs: list[WrkResult]
    note: str = ""

    def med(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


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


def bench_server(server: Server, args, logdir: Path, commands: list[str]) -> tuple[list[Point], str]:
    """Measures every endpoint on one server. Returns the points and, if the server failed, why."""
    print(f"== {server.label}, {args.workers} workers", file=sys.stderr)
    run = Running(server, args.workers, args.pin, logdir)
    commands.append(shlex.join(run.argv).replace(str(ROOT) + "/", ""))
    points: list[Point] = []
    endpoints = [ENDPOINTS[e] for e in args.endpoints]

    def alive(what: str) -> None:
        if run.proc.poll() is not None:
            raise RuntimeError(f"{server.label} exited with {run.proc.returncode} {what}:\n{run.log_tail()}")

    try:
        run.wait_ready(endpoints[0].path, args.start_timeout)
        for ep in endpoints:
            alive(f"before {ep.name}")
            status, ctype, body = http_get(run.port, ep.path, method=ep.method, body=ep.body)
            problem = f"HTTP {status}" if status != ep.status else ep.expect(ctype, body)
            if problem:
                print(f"  {ep.name}: WRONG RESPONSE: {problem}", file=sys.stderr)
                if status != ep.status:
                    points.append(Point(server, ep, args.workers, [], f"skipped: {problem}"))
                    continue
            if args.warmup > 0:
                run_wrk(wrk_argv(args, run.port, ep, args.warmup), run.proc.pid, ep.status < 300)
                alive(f"during the {ep.name} warm-up")
            argv = wrk_argv(args, run.port, ep, args.duration)
            commands.append(shlex.join(argv))
            pt = Point(server, ep, args.workers, [], f"wrong response: {problem}" if problem else "")
            for i in range(args.repeat):
                r = run_wrk(argv, run.proc.pid, ep.status < 300)
                alive(f"during {ep.name} run {i + 1}")
                pt.runs.append(r)
                print(f"  {ep.name} #{i + 1}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                      f"server {r.server_us_per_req:.1f} us/req ({r.server_procs} procs), "
                      f"wrk {r.wrk_cpu / r.seconds:.2f} cores, other {r.other_cpu / r.seconds:.2f} cores, "
                      f"errors {r.errors}", file=sys.stderr)
            points.append(pt)
    except (RuntimeError, OSError, ValueError) as e:
        done = {p.endpoint.name for p in points}
        points += [Point(server, ep, args.workers, [], "failed, see the log") for ep in endpoints if ep.name not in done]
        return points, f"{server.label}: {e}"
    finally:
        run.stop()
    return points, ""


def fmt(x: float, spec: str) -> str:
    return "—" if x != x else format(x, spec)  # NaN -> dash


def tables(points: list[Point], baseline: str) -> str:
    out = ["| server | endpoint | workers | requests/s | p50 ms | p99 ms | server CPU µs/req "
           "| server CPU cores | wrk CPU cores | other CPU cores | errors |",
           "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for p in points:
        if not p.runs:
            out.append(f"| {p.server.label} | {p.endpoint.name} | {p.workers} | {p.note} | | | | | | | |")
            continue
        srv_cores = statistics.median(r.server_cpu / r.seconds for r in p.runs)
        wrk_cores = statistics.median(r.wrk_cpu / r.seconds for r in p.runs)
        other_cores = statistics.median(r.other_cpu / r.seconds for r in p.runs)
        errs = sum(r.errors for r in p.runs)
        note = f" ({p.note})" if p.note else ""
        out.append(f"| {p.server.label} | {p.endpoint.name}{note} | {p.workers} | {p.med('rps'):,.0f} "
                   f"| {p.med('p50_ms'):.2f} | {p.med('p99_ms'):.2f} | {fmt(p.med('server_us_per_req'), '.1f')} "
                   f"| {srv_cores:.2f} | {wrk_cores:.2f} | {other_cores:.2f}{' ⚠' if other_cores > DISTURBED else ''} | {errs} |")
    base = {(p.endpoint.name, p.workers): p for p in points if p.server.name == baseline and p.runs}
    ratios = []
    for p in points:
        b = base.get((p.endpoint.name, p.workers))
        if p.server.name == baseline or not p.runs or b is None:
            continue
        ratios.append(f"| {p.server.label} / {b.server.label} | {p.endpoint.name} | {p.workers} "
                      f"| {p.med('rps') / b.med('rps'):.2f}× "
                      f"| {p.med('server_us_per_req') / b.med('server_us_per_req'):.2f}× |")
    if ratios:
        out += ["", "| ratio | endpoint | workers | requests/s | server CPU/request |", "|---|---|--:|--:|--:|", *ratios]
    return "\n".join(out)


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
        "uname": _sh(["uname", "-a"]) or " ".join(platform.uname()),
        "cpu": f"{cpu}, {os.cpu_count()} CPUs",
        "wrk": (_sh(["wrk", "-v"]).splitlines() or [""])[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--servers", default="turbo,fastapi", help=f"comma list of {','.join(SERVERS)}")
    ap.add_argument("--endpoints", default="json,plain,items,post-item,post-item-422", help=f"comma list of {','.join(ENDPOINTS)}")
    ap.add_argument("--baseline", default="fastapi", help="server the ratios divide by")
    ap.add_argument("--workers", type=int, default=2, help="worker processes per server")
    ap.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    ap.add_argument("--repeat", type=int, default=3, help="wrk runs per point; the table shows medians")
    ap.add_argument("--warmup", type=float, default=2, help="seconds of wrk before each endpoint, not measured")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (-t)")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (-c)")
    ap.add_argument("--quick", action="store_true", help="1 repeat of 5 s (overrides --repeat/--duration)")
    ap.add_argument("--pin", action="store_true", help="servers on CPU 0, wrk on CPU 1 (taskset)")
    ap.add_argument("--start-timeout", type=float, default=30, help="seconds to wait for a server to answer")
    ap.add_argument("--build-wait", type=float, default=600,
                    help="seconds to wait for running compilers (ninja, cc1plus, ...) to end before starting")
    ap.add_argument("--out", help="also write the markdown here")
    ap.add_argument("--no-results", action="store_true", help="do not write bench/results/<date>-<commit>.md")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeat, args.duration = 1, 5
    args.servers = [s for s in args.servers.split(",") if s]
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    for kind, names, table in (("server", args.servers, SERVERS), ("endpoint", args.endpoints, ENDPOINTS)):
        bad = [n for n in names if n not in table]
        if bad or not names:
            ap.error(f"unknown {kind} {','.join(bad) or '(none)'}; choose from {','.join(table)}")
    if args.repeat < 1 or args.workers < 1 or args.duration <= 0:
        ap.error("--repeat, --workers and --duration must be positive")

    missing = [m for m in ([None if shutil.which("wrk") else "wrk not found (apt-get install wrk)"]
                           + ([None if shutil.which("taskset") else "taskset not found (util-linux)"] if args.pin else [])
                           + [SERVERS[s].check() for s in args.servers]) if m]
    if missing:
        print("bench/run: cannot run:\n" + "\n".join(f"  - {m}" for m in missing)
              + "\nRun `make build` (or `make test`) first; scripts/install-deps installs the tools.", file=sys.stderr)
        return 2

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
        for s in args.servers:
            pts, failure = bench_server(SERVERS[s], args, Path(logdir), commands)
            points += pts
            if failure:
                print(f"bench/run: {failure}", file=sys.stderr)
                failures.append(failure)
    build1 = builds_running()

    table = tables(points, args.baseline)
    print(table)
    disturbed = [f"{p.server.label} {p.endpoint.name}" for p in points
                 if p.runs and statistics.median(r.other_cpu / r.seconds for r in p.runs) > DISTURBED]
    if disturbed:
        print(f"bench/run: WARNING: something else used > {DISTURBED} cores during: {', '.join(disturbed)}; "
              "rerun on a quiet machine", file=sys.stderr)
    method = (f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency, "
              f"{args.warmup:g} s warm-up per endpoint, median of {args.repeat} run(s); "
              f"{'servers pinned to CPU 0, wrk to CPU 1' if args.pin else 'no CPU pinning'}")
    doc = "\n".join([
        f"# Benchmark {env['date']}", "",
        f"- commit: {env['commit']}",
        f"- machine: `{env['uname']}`",
        f"- CPU: {env['cpu']}",
        f"- load generator: {env['wrk']}",
        f"- method: {method}",
        f"- builds running: at start {'yes' if build0 else 'no'}, at end {'yes' if build1 else 'no'}; "
        f"load average (1 min) at start {load0:.2f}",
        f"- disturbed points (other CPU > {DISTURBED} cores): {', '.join(disturbed) or 'none'}",
        f"- wall time: {time.monotonic() - t0:.0f} s", "",
        table, "",
        *(["## Failures", "", "```", *failures, "```", ""] if failures else []),
        "## Commands", "", "```", f"bench/run {shlex.join(argv if argv is not None else sys.argv[1:])}",
        *commands, "```", "",
        "## Every run", "",
        "| server | endpoint | run | requests | seconds | requests/s | p50 ms | p99 ms | server CPU s | server procs | wrk CPU s | other CPU s | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        *[f"| {p.server.label} | {p.endpoint.name} | {i + 1} | {r.requests} | {r.seconds:.2f} | {r.rps:,.0f} "
          f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.server_cpu:.2f} | {r.server_procs} | {r.wrk_cpu:.2f} | {r.other_cpu:.2f} | {r.errors} |"
          for p in points for i, r in enumerate(p.runs)],
        "",
    ])
    targets = [Path(args.out)] if args.out else []
    if not args.no_results:
        stem = BENCH / "results" / f"{datetime.date.today().isoformat()}-{env['short']}"
        path = stem.with_suffix(".md")
        if path.exists():
            path = Path(f"{stem}-{datetime.datetime.now():%H%M%S}.md")
        targets.append(path)
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc)
        print(f"bench/run: wrote {path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
