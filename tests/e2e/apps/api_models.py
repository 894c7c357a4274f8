"""Comparison app: request models as `turboapi.Model` on the TurboAPI side and as the equivalent
pydantic `BaseModel` on the FastAPI side; the answers (200s and every 422) must be the same.

The models use only what both spell the same way: annotations, defaults, Optional, List/Dict and
nested models.
"""

from typing import Dict, List, Optional

from api_compat import Body, FastAPI, Model  # Model: pydantic.BaseModel / turboapi.Model

app = FastAPI(title="models", version="1.0.0")


class Image(Model):
    url: str
    width: int = 100
    height: Optional[int] = None


class Item(Model):
    name: str
    price: float
    count: int = 1
    available: bool = True
    description: Optional[str] = None
    tags: List[str] = []
    image: Optional[Image] = None


class Order(Model):
    id: int
    items: List[Item]
    meta: Dict[str, int] = {}
    ratios: List[float] = []
    flags: Dict[str, bool] = {}


@app.post("/item")
def item(item: Item):
    return {"name": item.name, "price": item.price, "count": item.count, "available": item.available,
            "description": item.description, "tags": item.tags,
            "image": None if item.image is None else {"url": item.image.url, "width": item.image.width,
                                                      "height": item.image.height}}


@app.post("/item/echo")
def item_echo(item: Item):
    return item


@app.post("/item/{item_id}")
async def item_with_path(item_id: int, item: Item, q: Optional[str] = None):
    return {"item_id": item_id, "q": q, "name": item.name}


@app.post("/order")
def order(order: Order):
    return {"id": order.id, "names": [i.name for i in order.items], "meta": order.meta, "ratios": order.ratios,
            "flags": order.flags}


@app.post("/items")
def items(items: List[Item]):
    return {"n": len(items)}


@app.post("/embed")
def embed(item: Item = Body(embed=True)):
    return {"name": item.name}


@app.post("/optional")
def optional(item: Optional[Item] = None):
    return {"item": None if item is None else item.name}
