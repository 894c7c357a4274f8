"""FastAPI's GET /mw behind one @app.middleware("http") only: endpoint mw-python.

Keep it identical to turbo_mw_python_app.py.
"""

from _shared import MW_ITEMS
from fastapi import FastAPI

app = FastAPI()


@app.middleware("http")
async def add_header(request, call_next):
    response = await call_next(request)
    response.headers["X-Bench"] = "1"
    return response


@app.get("/mw")
async def mw():
    return MW_ITEMS
