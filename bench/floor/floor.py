#!/usr/bin/python3
"""The kernel's floor on this machine: what a server that only moves bytes spends per request.

Run it as bench/floor/run. Builds bench/floor/floor_server.cpp (the CMake target turbo_floor) into
build/bench/turbo_floor, then alternates its two socket I/O modes (one recv+send per request, or io_uring
batches: the two modes of TurboAPI's master) with TurboAPI's own GET /json at 1 worker in both
modes, under bench/run's wrk load (-t1 -c64), measuring server CPU per request from /proc. Prints
the medians. The floor server answers a fixed 200 without parsing anything: whatever a real server
does costs more than it.

Installs nothing. Needs a configured build/ (make build), wrk and build/turbo.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import run as driver  # noqa: E402  (bench/run.py: free_port, run_wrk, /proc CPU accounting)

BUILD = ROOT / "build"
BINARY = BUILD / "bench" / "turbo_floor"
TURBO = BUILD / "turbo"


def build() -> None:
    """Through the project's CMake build (bench/floor/CMakeLists.txt), like bench/micro."""
    subprocess.run(["cmake", "--build", str(BUILD), "--target", "turbo_floor"], check=True,
                   stdout=subprocess.DEVNULL)


def start(kind: str, port: int) -> subprocess.Popen:
    if kind.startswith("turbo"):
        argv = [str(TURBO), "serve", f"{ROOT / 'bench' / 'apps' / 'turbo_app.py'}:app", "--workers", "1",
                "--bind", f"127.0.0.1:{port}", "--no-access-log"]
        if kind == "turbo-no-io-uring":
            argv.append("--no-io-uring")
    else:
        argv = [str(BINARY), kind, str(port)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            status = driver.http_get(port, "/json" if kind.startswith("turbo") else "/")[0]
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} did not answer on port {port}")


def measure(kind: str, duration: int) -> tuple[float, float, float]:
    """(server CPU µs per request, requests/s, wrk CPU s) of one run."""
    port = driver.free_port()
    proc = start(kind, port)
    try:
        url = f"http://127.0.0.1:{port}/json" if kind.startswith("turbo") else f"http://127.0.0.1:{port}/"
        driver.run_wrk(["wrk", "-t1", "-c64", "-d1", url], proc.pid)  # warm-up
        r = driver.run_wrk(["wrk", "-t1", "-c64", f"-d{duration}", url], proc.pid)
        return r.server_us_per_req, r.rps, r.wrk_cpu
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--repeat", type=int, default=5, help="runs per server, alternated; medians shown")
    args = ap.parse_args()
    for tool in ("cmake", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"bench/floor/run: {tool} is missing (scripts/install-deps installs it)")
    if not TURBO.exists() or not (BUILD / "CMakeCache.txt").exists():
        sys.exit("bench/floor/run: build/ is not built (make build)")
    build()
    kinds = ["syscalls", "io_uring", "turbo-no-io-uring", "turbo"]
    got: dict[str, list[tuple[float, float, float]]] = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for k in kinds:  # alternated, so a slow minute of the machine hits every server alike
            got[k].append(measure(k, args.duration))
    print(f"wrk -t1 -c64, {args.duration} s x {args.repeat}, alternated; medians\n")
    print("| server | CPU µs per request | requests/s | wrk CPU s per run |")
    print("|---|--:|--:|--:|")
    labels = {"syscalls": "floor: fixed 200, recv+send per request",
              "io_uring": "floor: fixed 200, io_uring batches",
              "turbo-no-io-uring": "TurboAPI GET /json, 1 worker, --no-io-uring",
              "turbo": "TurboAPI GET /json, 1 worker (io_uring)"}
    for k in kinds:
        cpu = statistics.median(x[0] for x in got[k])
        rps = statistics.median(x[1] for x in got[k])
        wrk = statistics.median(x[2] for x in got[k])
        print(f"| {labels[k]} | {cpu:.2f} | {rps:,.0f} | {wrk:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
