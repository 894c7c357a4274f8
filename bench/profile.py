#!/usr/bin/python3
"""Where the time of one request goes: a CPU profile of build/turbo under a wrk load, by stage.

Run it through `bench/profile` (see bench/README.md, "Where the time goes"). It starts the benchmark
app, loads one endpoint with wrk and, while the load runs:

- `perf record -e cpu-clock -g` on the master and on every worker (kernel stacks included), then puts
  each sample into one stage (read, parse, dispatch, wake-up, Python, serialization, write, ...) and
  turns the shares into microseconds per request with the CPU time /proc says each process used;
- with `--callgrind`, a second pass under valgrind's callgrind: instructions per request of the
  master and of the worker in user space (repeatable whatever else the machine does).

Installs nothing. Needs wrk, perf (linux-perf) and, for --callgrind, valgrind.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import run as driver  # noqa: E402  (bench/run.py: free_port, /proc CPU accounting)
TURBO = ROOT / "build" / "turbo"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The endpoints bench/run loads on the benchmark app (its own middleware apps are not profiled here).
ENDPOINTS = {name: ep for name, ep in driver.ENDPOINTS.items() if ep.app == "main"}

# A sample's stage: the first rule (in this order) whose pattern matches a frame of its stack.
# Kernel work is charged to the system call it serves; user work to the leaf function.
KERNEL_RULES = [
    ("wake-up (eventfd)", r"eventfd_(write|read)"),
    # The master's batched socket I/O: sends and receives issued inside io_uring_enter.
    ("write (send)", r"__x64_sys_(sendto|sendmsg|writev|write)\b|\bio_send(msg)?\b"),
    ("read (recv)", r"__x64_sys_(recvfrom|recvmsg|readv|read)\b|\bio_recv(msg)?\b"),
    ("io_uring (submit, complete)", r"__x64_sys_io_uring_enter"),
    ("wake-up (futex)", r"__x64_sys_futex"),
    ("wait (epoll)", r"__x64_sys_epoll_(wait|pwait)"),
    ("other system calls", r"__x64_sys_"),
    ("scheduler and interrupts", r"."),
]
USER_RULES = [
    # A sample on the instruction right after a system call (the return path, costly under a
    # paravirtualised kernel) is charged to that call.
    ("kernel: write (send)", r"^\w+ (__send|__libc_send|__GI___send|writev) "),
    ("kernel: read (recv)", r"^\w+ (__libc_recv|__GI___recv|recv) "),
    ("kernel: io_uring (submit, complete)", r"io_uring"),
    ("kernel: wake-up (futex)", r"^\w+ syscall "),
    ("kernel: wait (epoll)", r"^\w+ epoll_wait "),
    ("kernel: wake-up (eventfd)", r"^\w+ (__GI___libc_write|__libc_write|write) "),
    ("user: parse (llhttp)", r"llhttp|HttpParser|has_obs_fold|split_target"),
    ("user: poll before sleep (spin), clock reads", r"spin_for_request|RingRef::empty|clock_gettime|\[vdso\]"),
    ("user: rings and dispatch (shm)", r"turbo::shm::|WorkerPool|_Hashtable<unsigned long, std::pair<unsigned long const, turbo::master"),
    ("user: routing", r"turbo::router::"),
    ("user: serialization (JSON, encode, render)", r"dump_json|json\.cpp|write_string|encode_response|render|result_to_response"),
    ("user: Python (handler call, objects)", r"libpython|\b_?Py[A-Z_]"),
    ("user: connection logic", r"turbo::master::Connection|turbo::master::Server|_Sp_counted"),
    ("user: worker loop", r"turbo::worker::"),
    ("user: malloc, memcpy", r"malloc|free|memmove|memcpy|memset|memcmp|memchr|strlen|operator new|operator delete"),
    ("user: other user code", r"."),
]


def fail(msg: str, code: int = 2) -> None:
    print(f"bench/profile: {msg}", file=sys.stderr)
    sys.exit(code)


def cpu_ticks(pid: int) -> int:
    stat = driver._read_stat(pid)  # (ppid, utime+stime+cutime+cstime)
    return stat[1] if stat else 0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_http(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    fail("the server did not answer within 60 s", 1)


def start_turbo(args, port: int, prefix: list[str]) -> subprocess.Popen:
    argv = prefix + [str(TURBO), "serve", "bench/apps/turbo_app.py:app", "--workers", str(args.workers),
                     "--bind", f"127.0.0.1:{port}", "--no-access-log"] + args.turbo_arg
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    log = open(Path(args.tmp) / "server.log", "w")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(port: int, ep, seconds: float, connections: int, scratch: str) -> subprocess.Popen:
    """wrk -t1 on one of bench/run's endpoints, as bench/run loads it (method, body, headers)."""
    argv = driver.wrk_argv(argparse.Namespace(threads=1, connections=connections), port, ep, seconds, False,
                           Path(scratch), connections)
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def requests_of(wrk_out: str) -> int:
    m = re.search(r"(\d+) requests in", wrk_out)
    if not m:
        fail(f"cannot read wrk's output:\n{wrk_out}", 1)
    return int(m.group(1))


def classify(frames: list[str]) -> str:
    kernel = [f for f in frames if "[kernel" in f]
    if kernel:
        text = "\n".join(kernel)
        for stage, pattern in KERNEL_RULES:
            if re.search(pattern, text):
                return "kernel: " + stage
    leaf = frames[0] if frames else ""
    for stage, pattern in USER_RULES:
        if re.search(pattern, leaf):
            return stage
    return "user: other user code"


def perf_stages(data: Path) -> collections.Counter:
    """Samples per stage from `perf script` (one block of frames per sample, blank-line separated)."""
    out = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip,sym,dso"], capture_output=True,
                         text=True).stdout
    counts: collections.Counter = collections.Counter()
    frames: list[str] = []
    for line in out.splitlines() + [""]:
        line = line.strip()
        if line:
            frames.append(line)
        elif frames:
            counts[classify(frames)] += 1
            frames = []
    return counts


def perf_pass(args) -> None:
    port = driver.free_port()
    server = start_turbo(args, port, [])
    try:
        wait_http(port)
        master = server.pid
        workers = children(master)
        ep = ENDPOINTS[args.endpoint]
        w = wrk(port, ep, 2, args.connections, args.tmp)
        w.communicate()  # warm-up
        load = wrk(port, ep, args.seconds + 2, args.connections, args.tmp)
        time.sleep(1)
        before = {p: cpu_ticks(p) for p in [master, *workers]}
        recs = []
        for role, pid in [("master", master)] + [("worker", p) for p in workers]:
            out = Path(args.tmp) / f"perf.{pid}.data"
            recs.append((role, pid, out, subprocess.Popen(
                ["perf", "record", "-q", "-e", "cpu-clock", "-g", "-p", str(pid), "-o", str(out), "--",
                 "sleep", str(args.seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        t0 = time.monotonic()
        for *_, rec in recs:
            rec.wait()
        elapsed = time.monotonic() - t0
        after = {p: cpu_ticks(p) for p in before}
        out, _ = load.communicate()
        total_requests = requests_of(out)
        rate = total_requests / (args.seconds + 2)
        requests = rate * elapsed  # served while perf recorded (the load's rate is steady)
    finally:
        stop(server)

    by_role: dict[str, collections.Counter] = {"master": collections.Counter(), "worker": collections.Counter()}
    cpu_s = {"master": 0.0, "worker": 0.0}
    for role, pid, data, _ in recs:
        by_role[role].update(perf_stages(data))
        cpu_s[role] += (after[pid] - before[pid]) / CLK_TCK
    print(f"\n## CPU profile: {ep.method} {ep.path}, {args.workers} workers, wrk -t1 -c{args.connections}, "
          f"{rate:,.0f} req/s, perf cpu-clock samples over {elapsed:.1f} s\n")
    print("| process | stage | share of its CPU | µs per request |")
    print("|---|---|--:|--:|")
    totals = {}
    for role in ("master", "worker"):
        samples = sum(by_role[role].values()) or 1
        us_per_req = cpu_s[role] * 1e6 / max(requests, 1)
        totals[role] = us_per_req
        for stage, n in by_role[role].most_common():
            share = n / samples
            if share < 0.01:
                continue
            print(f"| {role} | {stage} | {share:.0%} | {share * us_per_req:.2f} |")
        print(f"| {role} | **all** | 100% | **{us_per_req:.2f}** |")
    print(f"\nServer CPU per request: {sum(totals.values()):.2f} µs (master {totals['master']:.2f}, "
          f"workers {totals['worker']:.2f}), from /proc over the recorded window.")


def callgrind_pass(args) -> None:
    port = driver.free_port()
    tmp = Path(args.tmp)
    prefix = ["valgrind", "--tool=callgrind", "--trace-children=yes",
              f"--callgrind-out-file={tmp}/cg.%p"]
    server = start_turbo(args, port, prefix)
    try:
        wait_http(port, 180)
        ep = ENDPOINTS[args.endpoint]
        wrk(port, ep, 3, 16, args.tmp).communicate()  # warm-up: imports, first calls, caches
        subprocess.run(["callgrind_control", "-z"], capture_output=True)
        out, _ = wrk(port, ep, args.seconds, 16, args.tmp).communicate()
        requests = requests_of(out)
        subprocess.run(["callgrind_control", "-d"], capture_output=True)
        time.sleep(2)
    finally:
        stop(server)
    print(f"\n## Instructions per request (callgrind, user space only): {ep.method} {ep.path}, {requests:,} requests\n")
    print("| process | instructions per request |")
    print("|---|--:|")
    for dump in sorted(tmp.glob("cg.*.1")):
        text = subprocess.run(["callgrind_annotate", str(dump)], capture_output=True, text=True).stdout
        m = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text)
        cmd = re.search(r"Profiled target:\s+(\S+) (\S+)", text)
        role = "worker" if cmd and cmd.group(2) == "worker" else "master"
        if m:
            print(f"| {role} (pid {dump.name.split('.')[1]}) | {int(m.group(1).replace(',', '')) / requests:,.0f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="json")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--callgrind", action="store_true", help="also count instructions per request (slow)")
    ap.add_argument("--turbo-arg", action="append", default=[], help="extra `turbo serve` argument")
    args = ap.parse_args()
    for tool in ["wrk", "perf"] + (["valgrind", "callgrind_control", "callgrind_annotate"] if args.callgrind else []):
        if not shutil.which(tool):
            fail(f"{tool} not found (linux-perf, valgrind and wrk are Debian packages)")
    if not os.access(TURBO, os.X_OK):
        fail("build/turbo not found: run `make build` first")
    if subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", "/dev/null", "true"],
                      capture_output=True).returncode != 0:
        fail("perf cannot record here (see /proc/sys/kernel/perf_event_paranoid)")
    with tempfile.TemporaryDirectory(prefix="turbo-profile-") as tmp:
        args.tmp = tmp
        perf_pass(args)
        if args.callgrind:
            callgrind_pass(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
