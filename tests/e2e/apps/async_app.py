"""async def handlers: they run as tasks on the worker's event loop."""

import asyncio

from turboapi import Depends, HTTPException, TurboAPI

app = TurboAPI()


@app.get("/sleep")
async def sleep(ms: int = 300):
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


async def slow_dependency():
    await asyncio.sleep(0.3)
    return "dep"


@app.get("/dep")
async def with_dependency(value: str = Depends(slow_dependency)):
    return {"value": value}


@app.get("/fail")
async def fail(after_ms: int = 50):
    await asyncio.sleep(after_ms / 1000)
    raise RuntimeError("async handler failed on purpose")


@app.get("/http-error")
async def http_error():
    await asyncio.sleep(0.01)
    raise HTTPException(status_code=418, detail="teapot", headers={"x-why": "test"})


@app.get("/sync")
def sync():
    return {"sync": True}
