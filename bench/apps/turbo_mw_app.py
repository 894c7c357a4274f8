"""TurboAPI's GET /mw behind CORS, GZip, request id and one @app.middleware("http"): endpoint mw.

Keep the stack identical to fastapi_mw_app.py.
"""

from _shared import MW_ITEMS
from turboapi import TurboAPI
from turboapi.middleware.cors import CORSMiddleware
from turboapi.middleware.gzip import GZipMiddleware
from turboapi.middleware.requestid import RequestIdMiddleware

app = TurboAPI()
app.add_middleware(RequestIdMiddleware)
app.add_middleware(GZipMiddleware, minimum_size=500)
app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])


@app.middleware("http")  # outermost
async def add_header(request, call_next):
    response = await call_next(request)
    response.headers["X-Bench"] = "1"
    return response


@app.get("/mw")
def mw():
    return MW_ITEMS


@app.get("/json")  # endpoint mw-json: a body under GZip's minimum_size, so only the pipeline's own cost shows
def json():
    return {"message": "Hello, World!"}
