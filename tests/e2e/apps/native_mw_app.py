"""Native middleware on the real server (tests/e2e/test_middleware_native.py).

$NATIVE_MW picks the configuration; $MW_LOG names a file that every Python layer (handler or Python
middleware) appends a line to, so a test can show that an answer was given without Python.
"""

import asyncio
import os

from turboapi import Request, TurboAPI
from turboapi.middleware import Middleware
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware
from turboapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from turboapi.middleware.ratelimit import RateLimitMiddleware
from turboapi.middleware.requestid import RequestIdMiddleware
from turboapi.middleware.timing import TimingMiddleware
from turboapi.middleware.trustedhost import TrustedHostMiddleware
from turboapi.responses import FileResponse, PlainTextResponse, StreamingResponse

CONFIG = os.environ.get("NATIVE_MW", "main")
LOG = os.environ.get("MW_LOG")


def log(what: str) -> None:
    if LOG:
        with open(LOG, "a") as f:
            f.write(f"{os.getpid()} {what}\n")


middleware = []
if CONFIG == "bad-at-start":  # passes nothing to add_middleware: checked when the worker boots
    middleware = [Middleware(GZipMiddleware, compresslevel=12)]
app = TurboAPI(middleware=middleware)

if CONFIG == "main":
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "POST"],
                       allow_headers=["X-Token"], allow_credentials=True, expose_headers=["X-Total", "X-Other"],
                       max_age=321)
    app.add_middleware(GZipMiddleware, minimum_size=100)
    app.add_middleware(RequestIdMiddleware, max_length=40)
    app.add_middleware(TimingMiddleware, metric_name="total")
elif CONFIG == "mixed":
    @app.middleware("http")
    async def python_layer(request: Request, call_next):
        log(f"python middleware {request.method} {request.url.path}")
        if request.url.path == "/short":
            return PlainTextResponse("short", status_code=203)
        response = await call_next(request)
        response.headers["x-python"] = "1"
        return response

    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET"])
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])
    app.add_middleware(RequestIdMiddleware, header_name="X-Correlation-ID")
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(RateLimitMiddleware, rate_per_second=0.01, burst=5)
elif CONFIG == "cors-all":
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
elif CONFIG == "cors-regex":
    app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://[a-z]+\.ok\.test", allow_origins=["https://x.example"])
elif CONFIG == "hosts":
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "www.example.org", "*.good.test"])
elif CONFIG == "hosts-no-www":
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["www.example.org"], www_redirect=False)
elif CONFIG == "https":
    app.add_middleware(HTTPSRedirectMiddleware)
elif CONFIG == "ratelimit":  # one budget of 10 for the whole server (tiny refill)
    app.add_middleware(RateLimitMiddleware, rate_per_second=0.01, burst=10)
elif CONFIG == "ratelimit-refill":
    app.add_middleware(RateLimitMiddleware, rate_per_second=20, burst=2)
elif CONFIG == "ratelimit-proxy":
    app.add_middleware(RateLimitMiddleware, rate_per_second=0.01, burst=2, trusted_proxies=["127.0.0.0/8", "::1"])
elif CONFIG == "ratelimit-untrusted":
    app.add_middleware(RateLimitMiddleware, rate_per_second=0.01, burst=2, trusted_proxies=["10.0.0.0/8"])
elif CONFIG == "bad-option":
    app.add_middleware(RateLimitMiddleware, burst=0)
elif CONFIG == "bad-regex":  # valid for Python's re, not for the ECMAScript engine: refused at boot
    app.add_middleware(CORSMiddleware, allow_origin_regex=r"(?P<sub>[a-z]+)\.example")


@app.get("/")
def root():
    log("handler /")
    return {"pid": os.getpid()}


@app.get("/slow")
def slow():
    import time

    time.sleep(0.05)
    log("handler /slow")
    return {"pid": os.getpid()}


@app.api_route("/both", methods=["GET", "POST", "OPTIONS"])
def both():
    log("handler /both")
    return {"route": True}


@app.get("/big")
def big():
    log("handler /big")
    return PlainTextResponse("0123456789" * 100, headers={"x-total": "1000"})


@app.get("/exact/{n}")
def exact(n: int):
    return PlainTextResponse("a" * n)


@app.get("/stream")
def stream():
    def gen():
        for i in range(20):
            yield f"line {i}\n"

    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/astream")
async def astream():
    async def gen():
        for i in range(5):
            await asyncio.sleep(0)
            yield b"x" * (i * 10)

    return StreamingResponse(gen(), media_type="application/octet-stream")


@app.get("/empty-stream")
def empty_stream():
    return StreamingResponse(iter(()), media_type="text/plain")


@app.get("/file")
def file():
    return FileResponse(__file__, media_type="text/plain")


BIG_FILE_TEXT = b"".join(b"%06d some text that compresses\n" % i for i in range(4000))  # 144 KB


@app.get("/bigfile")
def bigfile():
    path = os.path.join(os.path.dirname(LOG or "/tmp/x"), f"big_{os.getpid()}.txt")  # the test's directory
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(BIG_FILE_TEXT)
        os.replace(path + ".tmp", path)
    return FileResponse(path, media_type="text/plain")


@app.get("/items/{item_id}")
def item(item_id: int):
    return {"item_id": item_id}


@app.get("/async-items/{item_id}")
async def async_item(item_id: int):
    await asyncio.sleep(0)
    return {"item_id": item_id}


@app.get("/error")
def error():
    raise RuntimeError("boom in route")
