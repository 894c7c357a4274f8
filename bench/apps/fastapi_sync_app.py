"""FastAPI + uvicorn with plain `def` handlers (run in the threadpool): server `fastapi-sync`."""

from _shared import BIG, MW_ITEMS
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
def plain():
    return "Hello, World!"


@app.get("/json")
def json():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


@app.post("/items")
def create_item(item: Item):
    return item


@app.get("/big")
def big():
    return Response(BIG, media_type="application/octet-stream")


@app.post("/echo")
async def echo(request: Request):  # reading the body needs await, as in any FastAPI app
    return Response(await request.body(), media_type="application/octet-stream")


@app.get("/mw")
def mw():
    return MW_ITEMS
