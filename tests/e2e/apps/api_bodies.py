"""Comparison app: request bodies (dict, list, pydantic models, several bodies, embed, dataclass)."""

from dataclasses import dataclass, field
import datetime
import uuid
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, Field, validator

from api_compat import Body, FastAPI

app = FastAPI(title="bodies", version="1.0.0")


class Image(BaseModel):
    url: str
    width: int = 100


class Item(BaseModel):
    name: str
    price: float
    description: Optional[str] = None
    tax: Optional[float] = None
    tags: List[str] = []
    image: Optional[Image] = None


class User(BaseModel):
    username: str
    age: int = Field(18, ge=0, le=150)
    email: Optional[str] = None


class Order(BaseModel):
    id: int
    items: List[Item]
    owner: User
    notes: Dict[str, int] = {}
    paid: bool = False


class Strict(BaseModel):
    code: str = Field(min_length=2, max_length=4, regex="^[a-z]+$")
    qty: int = Field(gt=0, lt=100)
    ratio: float = Field(0.5, ge=0, le=1)

    class Config:
        extra = "forbid"


class Validated(BaseModel):
    password: str
    confirm: str

    @validator("confirm")
    def passwords_match(cls, v, values):  # noqa: N805 - pydantic's spelling
        if "password" in values and v != values["password"]:
            raise ValueError("passwords do not match")
        return v


@dataclass
class DCItem:
    name: str
    qty: int = 1
    labels: List[str] = field(default_factory=list)


@app.post("/dict")
def body_dict(body: dict):
    return body


@app.get("/dict-on-get")
def body_dict_on_get(body: dict):
    return body


@app.post("/dict-typed")
def body_dict_typed(body: Dict[str, int]):
    return body


@app.post("/list")
def body_list(items: list):
    return {"items": items, "n": len(items)}


@app.post("/list-int")
def body_list_int(items: List[int]):
    return {"sum": sum(items)}


@app.post("/any")
def body_any(payload: Any = Body()):
    return {"payload": payload}


@app.post("/optional-dict")
def body_optional_dict(body: Optional[dict] = None):
    return {"body": body}


@app.post("/item")
def item(item: Item):
    return item


@app.put("/item/{item_id}")
def item_put(item_id: int, item: Item, q: Optional[str] = None):
    return {"item_id": item_id, "q": q, **item.dict()}


@app.post("/item/summary")
async def item_summary(item: Item):
    return {"name": item.name, "total": item.price + (item.tax or 0), "n_tags": len(item.tags),
            "has_image": item.image is not None}


@app.post("/item/optional")
def item_optional(item: Optional[Item] = None):
    return {"item": item}


@app.post("/order")
def order(order: Order):
    return order


@app.post("/items")
def items(items: List[Item]):
    return {"names": [i.name for i in items]}


@app.post("/two")
def two(item: Item, user: User):
    return {"item": item, "user": user}


@app.post("/two-and-scalar")
def two_and_scalar(item: Item, user: User, importance: int = Body()):
    return {"item": item, "user": user, "importance": importance}


@app.post("/embed")
def embed(item: Item = Body(embed=True)):
    return {"item": item}


@app.post("/embed-scalar")
def embed_scalar(value: int = Body(embed=True)):
    return {"value": value}


@app.post("/body-scalars")
def body_scalars(a: int = Body(), b: str = Body("dflt"), c: Optional[float] = Body(None)):
    return {"a": a, "b": b, "c": c}


@app.post("/body-alias")
def body_alias(v: int = Body(alias="the-value", embed=True)):
    return {"v": v}


@app.post("/strict")
def strict(s: Strict):
    return s


@app.post("/validated")
def validated(v: Validated):
    return {"ok": True}


@app.post("/dataclass")
def dataclass_body(dc: DCItem):
    return {"name": dc.name, "qty": dc.qty, "labels": dc.labels}


@app.post("/dict-of-models")
def dict_of_models(users: Dict[str, User]):
    return {k: v.username for k, v in users.items()}


class Typed(BaseModel):
    full_name: str = Field(alias="fullName")
    when: Optional[datetime.datetime] = None
    day: Optional[datetime.date] = None
    uid: Optional[uuid.UUID] = None
    either: Union[int, str] = 0
    mode: Literal["a", "b"] = "a"
    matrix: List[List[int]] = []
    maybe_ints: Optional[List[int]] = None


@app.post("/typed")
def typed(t: Typed):
    return t


@app.post("/typed-dict")
def typed_dict(t: Typed):
    return {"full_name": t.full_name, "either_type": type(t.either).__name__, "uid": t.uid and str(t.uid)}
