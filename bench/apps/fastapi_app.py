"""The benchmark app for FastAPI + uvicorn. Keep routes identical to turbo_app.py.

Handlers are `async def`: FastAPI runs plain `def` handlers in a threadpool, 2-3x slower on these
routes, so `async def` is the fair (fastest) FastAPI; fastapi_sync_app.py is the `def` variant.
"""

from _shared import BIG, MW_ITEMS
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
async def plain():
    return "Hello, World!"


@app.get("/json")
async def json():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


@app.post("/items")
async def create_item(item: Item):
    return item


@app.get("/big")
async def big():
    return Response(BIG, media_type="application/octet-stream")


@app.post("/echo")
async def echo(request: Request):
    return Response(await request.body(), media_type="application/octet-stream")


# The middleware benchmark's route without middleware (endpoint mw-none); fastapi_mw_app.py has it
# behind the middleware stack.
@app.get("/mw")
async def mw():
    return MW_ITEMS
