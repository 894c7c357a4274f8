"""FastAPI + uvicorn with plain `def` handlers (run in the threadpool): server `fastapi-sync`."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
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
