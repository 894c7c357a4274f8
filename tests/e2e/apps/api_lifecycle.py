"""Comparison app: startup events and background tasks (writing files into $COMPARE_TMP)."""

import asyncio
import os
from pathlib import Path

from api_compat import BackgroundTasks, Depends, FastAPI

app = FastAPI(title="lifecycle", version="1.0.0")

STATE = {"startup_calls": [], "requests": 0}
TMP = Path(os.environ.get("COMPARE_TMP", "/tmp"))


@app.on_event("startup")
def startup_sync():
    STATE["startup_calls"].append("sync")
    app.state.db = "connected"


@app.on_event("startup")
async def startup_async():
    await asyncio.sleep(0)
    STATE["startup_calls"].append("async")


def write_file(name: str, content: str, mode: str = "a"):
    with open(TMP / name, mode) as f:
        f.write(content)


async def write_file_async(name: str, content: str):
    await asyncio.sleep(0.01)
    write_file(name, content)


def failing_task():
    raise RuntimeError("background task fails")


@app.get("/state")
def state():
    return {"startup_calls": STATE["startup_calls"], "db": getattr(app.state, "db", None)}


@app.post("/bg/one/{name}")
def bg_one(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_file, f"{name}.txt", "one\n")
    return {"scheduled": 1}


@app.post("/bg/many/{name}")
async def bg_many(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_file, f"{name}.txt", "first\n")
    background_tasks.add_task(write_file_async, f"{name}.txt", "second (async)\n")
    background_tasks.add_task(write_file, name=f"{name}.txt", content="third (kwargs)\n")
    return {"scheduled": 3}


def dep_with_task(background_tasks: BackgroundTasks, q: str = "dep"):
    background_tasks.add_task(write_file, "dep.txt", f"from dependency {q}\n")
    return q


@app.post("/bg/dependency")
def bg_dependency(background_tasks: BackgroundTasks, q: str = Depends(dep_with_task)):
    background_tasks.add_task(write_file, "dep.txt", "from handler\n")
    return {"q": q}


@app.post("/bg/after-error")
def bg_after_error(background_tasks: BackgroundTasks):
    background_tasks.add_task(failing_task)
    background_tasks.add_task(write_file, "after-error.txt", "never written\n")
    return {"scheduled": "failing"}


@app.post("/bg/status", status_code=202)
def bg_status(background_tasks: BackgroundTasks):
    background_tasks.add_task(write_file, "status.txt", "202\n")
    return None


@app.get("/bg/after-error-then")
def bg_after_error_then():
    return {"after_error_written": (TMP / "after-error.txt").exists()}
