"""FastAPI's GET /mw behind Starlette's CORS and GZip and a pure-ASGI request id: endpoint mw-native.

Keep the stack identical to turbo_mw_native_app.py. fastapi_mw_app.py adds an @app.middleware("http").
"""

from _asgi_request_id import RequestIdMiddleware
from _shared import MW_ITEMS
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

app = FastAPI()
# The last added is the outermost: CORS, then GZip, then request id, then the route.
app.add_middleware(RequestIdMiddleware)
app.add_middleware(GZipMiddleware, minimum_size=500)
app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])


@app.get("/mw")
async def mw():
    return MW_ITEMS


@app.get("/json")  # endpoint mw-json: a body under GZip's minimum_size, so only the pipeline's own cost shows
async def json():
    return {"message": "Hello, World!"}
