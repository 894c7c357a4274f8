"""Comparison app: CORS, GZip and TrustedHost as add_middleware configures them (natively in TurboAPI,
in Python in FastAPI), around routes, router errors, validation errors, streams and files."""

from pathlib import Path

from api_compat import (CORSMiddleware, FastAPI, FileResponse, GZipMiddleware, HTTPException, JSONResponse,
                        PlainTextResponse, Request, StreamingResponse, TrustedHostMiddleware)

DATA = Path(__file__).resolve().parents[2] / "compare" / "data"

app = FastAPI(title="middleware", version="1.0.0")
app.add_middleware(GZipMiddleware, minimum_size=200)
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "POST"],
                   allow_headers=["X-Token"], allow_credentials=True, expose_headers=["X-Total"], max_age=321)
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "www.example.org", "*.good.test"])


@app.exception_handler(Exception)
async def any_exception(request: Request, exc: Exception):
    return JSONResponse(status_code=500, content={"error": type(exc).__name__, "pad": "x" * 300})


@app.get("/small")
def small():
    return {"small": True}


@app.get("/big")
def big():
    return {"items": list(range(200))}


@app.get("/text")
def text():
    return PlainTextResponse("line\n" * 100, headers={"x-total": "100"})


@app.get("/items/{item_id}")
def item(item_id: int):
    return {"item_id": item_id}


@app.get("/teapot")
def teapot():
    raise HTTPException(418, "tea " * 100, headers={"x-tea": "1"})


@app.get("/error")
def error():
    raise RuntimeError("boom")


@app.get("/stream")
def stream():
    return StreamingResponse((f"chunk {i}\n" for i in range(30)), media_type="text/plain")


@app.get("/stream-empty")
def stream_empty():
    return StreamingResponse(iter(()), media_type="text/plain")


@app.get("/file-small")
def file_small():
    return FileResponse(DATA / "hello.txt")


@app.get("/file-big")
def file_big():
    return FileResponse(DATA / "blob.bin")


@app.api_route("/both", methods=["GET", "OPTIONS"])
def both():
    return {"route": True}
