"""The benchmark app for TurboAPI. Keep routes identical to fastapi_app.py."""

from turboapi import Model, TurboAPI
from turboapi.responses import PlainTextResponse

app = TurboAPI()


@app.get("/", response_class=PlainTextResponse)
def plain():
    return "Hello, World!"


@app.get("/json")
def json():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


class Item(Model):
    name: str
    price: float
    tags: list[str] = []


@app.post("/items")
def create_item(item: Item):
    return item
