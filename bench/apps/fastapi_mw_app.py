"""FastAPI's GET /mw behind CORS, GZip, request id and one @app.middleware("http"): endpoint mw.

Keep the stack identical to turbo_mw_app.py.
"""

from _asgi_request_id import RequestIdMiddleware
from _shared import MW_ITEMS
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

app = FastAPI()
app.add_middleware(RequestIdMiddleware)
app.add_middleware(GZipMiddleware, minimum_size=500)
app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])


@app.middleware("http")  # outermost
async def add_header(request, call_next):
    response = await call_next(request)
    response.headers["X-Bench"] = "1"
    return response


@app.get("/mw")
async def mw():
    return MW_ITEMS


@app.get("/json")  # endpoint mw-json: a body under GZip's minimum_size, so only the pipeline's own cost shows
async def json():
    return {"message": "Hello, World!"}
