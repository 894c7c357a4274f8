"""Python middleware on the real server (tests/e2e/test_middleware.py)."""

from turboapi import HTTPException, Request, TurboAPI
from turboapi.middleware.base import BaseHTTPMiddleware
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware
from turboapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from turboapi.middleware.trustedhost import TrustedHostMiddleware
from turboapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

app = TurboAPI()


@app.middleware("http")
async def first(request: Request, call_next):  # added first: the innermost
    request.state.trace = getattr(request.state, "trace", []) + ["first"]
    if request.headers.get("x-block"):
        return JSONResponse({"blocked": True}, status_code=403)
    if request.query_params.get("boom"):
        raise RuntimeError("boom in middleware")
    response = await call_next(request)
    response.headers["x-order"] = "first"
    return response


class Second(BaseHTTPMiddleware):
    def __init__(self, app, tag: str):
        super().__init__(app)
        self.tag = tag

    async def dispatch(self, request, call_next):
        request.state.trace = ["second"]
        response = await call_next(request)
        response.headers["x-order"] = response.headers.get("x-order", "") + "," + self.tag
        response.headers["x-status-seen"] = str(response.status_code)
        return response


class SecureOnly(HTTPSRedirectMiddleware):
    """HTTPS redirect for /secure only (the rest of the app stays reachable over plain HTTP)."""

    async def dispatch(self, request, call_next):
        if request.url.path.startswith("/secure"):
            return await super().dispatch(request, call_next)
        return await call_next(request)


app.add_middleware(Second, tag="second")
app.add_middleware(GZipMiddleware, minimum_size=200)
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "POST"],
                   allow_headers=["x-token"], expose_headers=["x-order"], max_age=120)
app.add_middleware(SecureOnly)
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["localhost", "127.0.0.1", "*.example.com"])


@app.get("/")
def root(request: Request):
    return {"trace": request.state.trace}


@app.api_route("/both", methods=["GET", "OPTIONS"])
def both():
    return {"route": True}


@app.get("/items/{item_id}")
def item(item_id: int):
    return {"item_id": item_id}


@app.get("/big")
def big():
    return PlainTextResponse("0123456789" * 100)


@app.get("/small")
def small():
    return PlainTextResponse("tiny")


@app.get("/stream")
def stream():
    def gen():
        for i in range(50):
            yield f"line {i}\n" * 20

    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/teapot")
def teapot():
    raise HTTPException(418, "tea", headers={"x-tea": "1"})


@app.get("/error")
async def error():
    raise ValueError("boom in route")


@app.get("/secure/page")
def secure():
    return {"secure": True}
