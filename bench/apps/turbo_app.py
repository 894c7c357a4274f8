"""The benchmark app for TurboAPI. Keep routes identical to fastapi_app.py."""

from _shared import BIG, MW_ITEMS
from turboapi import Model, Request, TurboAPI
from turboapi.responses import PlainTextResponse, Response

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


@app.get("/big")
def big():
    return Response(BIG, media_type="application/octet-stream")


@app.post("/echo")
async def echo(request: Request):
    return Response(await request.body(), media_type="application/octet-stream")


# The middleware benchmark's route without middleware (endpoint mw-none); turbo_mw_app.py has it behind
# the middleware stack.
@app.get("/mw")
def mw():
    return MW_ITEMS
