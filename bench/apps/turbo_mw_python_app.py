"""TurboAPI's GET /mw behind one @app.middleware("http") only: endpoint mw-python.

The stack of turbo_mw_app.py without its native middlewares (CORS, GZip, request id): from one run,
`mw` against `mw-python` is what those native middlewares cost behind a user's own middleware.
Keep it identical to fastapi_mw_python_app.py.
"""

from _shared import MW_ITEMS
from turboapi import TurboAPI

app = TurboAPI()


@app.middleware("http")
async def add_header(request, call_next):
    response = await call_next(request)
    response.headers["X-Bench"] = "1"
    return response


@app.get("/mw")
def mw():
    return MW_ITEMS
