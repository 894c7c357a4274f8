"""TurboAPI's GET /mw behind the native middlewares only (CORS, GZip, request id): endpoint mw-native.

Keep the stack identical to fastapi_mw_native_app.py. turbo_mw_app.py adds an @app.middleware("http").
"""

from _shared import MW_ITEMS
from turboapi import TurboAPI
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware
from turboapi.middleware.requestid import RequestIdMiddleware

app = TurboAPI()
# The last added is the outermost, as in FastAPI: CORS, then GZip, then request id, then the route.
app.add_middleware(RequestIdMiddleware)
app.add_middleware(GZipMiddleware, minimum_size=500)
app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])


@app.get("/mw")
def mw():
    return MW_ITEMS


@app.get("/json")  # endpoint mw-json: a body under GZip's minimum_size, so only the pipeline's own cost shows
def json():
    return {"message": "Hello, World!"}
