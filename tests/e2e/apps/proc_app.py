"""The process-manager e2e app (tests/e2e/test_process_*.py).

Tests copy this file into a temporary directory and rewrite VERSION (or append a `raise`) to check
that a reload really imports fresh code; keep the VERSION line exactly as it is.
"""

import os
import time

from turboapi import TurboAPI

VERSION = "v1"

app = TurboAPI()


@app.get("/")
def root():
    return {"version": VERSION, "pid": os.getpid()}


@app.get("/work")
def work(ms: int = 0):
    """A little work, so that a worker is likely to hold a request when something happens to it."""
    if ms:
        time.sleep(ms / 1000.0)
    return {"version": VERSION, "pid": os.getpid()}


@app.get("/sleep")
def sleep(s: float = 1.0):
    time.sleep(s)
    return {"slept": s, "version": VERSION, "pid": os.getpid()}


@app.get("/spin")
def spin():
    """An endless loop that never releases the worker (only --timeout gets rid of it)."""
    n = 0
    while True:
        n += 1


@app.get("/error")
def error():
    raise ValueError("proc_app error for the error log")
