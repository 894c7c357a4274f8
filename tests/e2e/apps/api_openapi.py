"""Comparison app: the OpenAPI document (GET /openapi.json, compared whole and byte for byte) of an app
that uses most of what generates schema; docs_url=None (so /docs is 404) and redoc on another URL.

No route has several methods: FastAPI 0.92 names such an operation after a random one of its methods.
"""

from enum import Enum
from typing import Dict, List, Optional, Union

from pydantic import BaseModel, Field

from api_compat import (APIKeyHeader, APIRouter, Body, Cookie, Depends, FastAPI, File, Form, Header, HTMLResponse,
                        HTTPBasic, HTTPBearer, OAuth2PasswordBearer, Path, PlainTextResponse, Query, UploadFile)

app = FastAPI(title="OpenAPI comparison", version="2.5.0", description="An app **described** in Markdown.",
              docs_url=None, redoc_url="/altredoc",
              openapi_tags=[{"name": "items", "description": "Operations with items."},
                            {"name": "users", "description": "Users", "externalDocs": {
                                "description": "more", "url": "https://example.com/"}}])


class Kind(str, Enum):
    small = "small"
    large = "large"


class Image(BaseModel):
    url: str = Field(..., description="Where it is")
    name: Optional[str] = None


class Item(BaseModel):
    """An item for sale."""

    name: str = Field(..., min_length=1, max_length=50, example="Foo")
    price: float = Field(..., gt=0, description="Price in EUR")
    tax: Optional[float] = None
    kind: Kind = Kind.small
    tags: List[str] = []
    images: Optional[List[Image]] = None
    attrs: Dict[str, int] = {}


class ItemOut(BaseModel):
    name: str
    price: float
    id: int


class User(BaseModel):
    username: str
    full_name: Optional[str] = None


class Message(BaseModel):
    message: str


oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"read": "Read"})
basic = HTTPBasic()
bearer = HTTPBearer()
api_key = APIKeyHeader(name="X-API-Key")


@app.get("/items/{item_id}", response_model=ItemOut, tags=["items"], summary="Read one item",
         responses={404: {"model": Message, "description": "Not there"}})
def read_item(item_id: int = Path(..., title="The ID", ge=1), q: Optional[str] = Query(None, max_length=10),
              kind: Kind = Kind.small, tags: List[str] = Query([]), x_trace: Optional[str] = Header(None),
              session: Optional[str] = Cookie(None)):
    """Read an item.

    Long **description** from the docstring.
    """
    return {"name": "x", "price": 1, "id": item_id}


@app.post("/items", response_model=ItemOut, status_code=201, tags=["items"], operation_id="create_item_op")
def create_item(item: Item):
    return {"name": item.name, "price": item.price, "id": 1}


@app.put("/items/{item_id}", tags=["items"], deprecated=True)
async def replace_item(item_id: int, item: Item, user: User, importance: int = Body(..., gt=0)):
    return {}


@app.patch("/items/{item_id}/embed", tags=["items"], description="Explicit description.")
def embed_item(item_id: int, item: Item = Body(..., embed=True)):
    return {}


@app.delete("/items/{item_id}", status_code=204, tags=["items"])
def delete_item(item_id: int):
    return None


@app.get("/items", response_model=List[ItemOut], tags=["items"])
def list_items(skip: int = 0, limit: int = Query(10, le=100), search: Union[str, None] = None):
    return []


@app.post("/login", tags=["users"])
def login(username: str = Form(...), password: str = Form(..., min_length=8)):
    return {}


@app.post("/upload", tags=["users"])
def upload(file: UploadFile = File(..., description="A file"), note: Optional[str] = Form(None)):
    return {}


@app.post("/upload-many")
def upload_many(files: List[bytes] = File(...)):
    return {}


@app.get("/me", tags=["users"], response_model=User)
def me(token: str = Depends(oauth2)):
    return {"username": "u"}


@app.get("/basic")
def basic_auth(credentials=Depends(basic)):
    return {}


@app.get("/bearer")
def bearer_auth(credentials=Depends(bearer), key: str = Depends(api_key)):
    return {}


@app.get("/html", response_class=HTMLResponse)
def html():
    return "<p>x</p>"


@app.get("/text", response_class=PlainTextResponse, responses={200: {"content": {"text/plain": {}}}})
def text():
    return "x"


@app.get("/hidden", include_in_schema=False)
def hidden():
    return {}


@app.post("/raw-body")
def raw_body(payload: dict, flag: bool = False):
    return payload


@app.get("/async-untyped/{thing}")
async def async_untyped(thing, other=None):
    return {}


def pagination(page: int = Query(1, ge=1), size: int = 20):
    return {"page": page, "size": size}


router = APIRouter(prefix="/admin", tags=["admin"], responses={418: {"description": "Teapot"}},
                   dependencies=[Depends(api_key)])


@router.get("/stats")
def stats(p: dict = Depends(pagination)):
    return p


app.include_router(router)
