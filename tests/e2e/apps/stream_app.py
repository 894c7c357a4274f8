"""Streaming responses: generators (sync and async), known lengths, failures, endless streams."""

import asyncio
import os
import time

from turboapi import TurboAPI
from turboapi.responses import StreamingResponse

app = TurboAPI()
MARKER_DIR = os.environ.get("STREAM_MARKER_DIR", "/tmp")


@app.get("/gen")
def gen(n: int = 3):
    def chunks():
        for i in range(n):
            yield f"chunk{i}\n"
    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/agen")
async def agen(n: int = 3):
    async def chunks():
        for i in range(n):
            await asyncio.sleep(0.005)
            yield b"a%d\n" % i
    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/sized")
def sized():
    return StreamingResponse(iter([b"abc", b"def"]), headers={"content-length": "6"})


@app.get("/short")
def short():
    # announces more than it yields
    return StreamingResponse(iter([b"abc"]), headers={"content-length": "10"})


@app.get("/long")
def long():
    # yields more than it announces
    return StreamingResponse(iter([b"abc", b"def"]), headers={"content-length": "4"})


@app.get("/big")
def big(mib: int = 3):
    block = b"x" * (1 << 20)
    return StreamingResponse((block for _ in range(mib)), media_type="application/octet-stream")


@app.get("/fail")
def fail():
    def chunks():
        yield b"first"
        raise RuntimeError("generator failed on purpose")
    return StreamingResponse(chunks())


@app.get("/bad-chunk")
def bad_chunk():
    return StreamingResponse(iter([b"ok", 42]))


@app.get("/forever")
def forever(tag: str):
    def chunks():
        try:
            while True:
                yield b"tick\n"
                time.sleep(0.01)
        finally:
            with open(os.path.join(MARKER_DIR, f"closed-{tag}"), "w") as f:
                f.write("closed")
    return StreamingResponse(chunks(), media_type="text/event-stream")


@app.get("/")
def root():
    return {"ok": True}
