"""Comparison app: APIRouter (prefix, tags, dependencies), include_router, Depends (functions, classes,
sub-dependencies, cache, yield), app-level dependencies and dependencies=[...]."""

from typing import List, Optional

from pydantic import BaseModel

from api_compat import APIRouter, Cookie, Depends, FastAPI, Header, HTTPException, Query, Request


def global_dep(x_block: Optional[str] = Header(None)):
    if x_block:
        raise HTTPException(status_code=403, detail=f"blocked: {x_block}")


app = FastAPI(title="structure", version="1.0.0", dependencies=[Depends(global_dep)])

EVENTS: List[str] = []


# --- dependencies ---------------------------------------------------------------------------------


def common_parameters(q: Optional[str] = None, skip: int = 0, limit: int = Query(100, le=1000)):
    return {"q": q, "skip": skip, "limit": limit}


class CommonQueryParams:
    def __init__(self, q: Optional[str] = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit


def query_extractor(q: Optional[str] = None):
    return q


def query_or_cookie_extractor(q: str = Depends(query_extractor), last_query: Optional[str] = Cookie(None)):
    if not q:
        return last_query
    return q


COUNTER = {"n": 0}


def counted():
    COUNTER["n"] += 1
    return COUNTER["n"]


def uses_counted(a: int = Depends(counted)):
    return a


async def verify_token(x_token: str = Header()):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


async def verify_key(x_key: str = Header()):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key


def get_db():
    EVENTS.append("db open")
    try:
        yield {"db": "session"}
    except HTTPException as e:
        EVENTS.append(f"db saw HTTPException {e.status_code}")
        raise
    finally:
        EVENTS.append("db closed")


async def get_async_resource():
    EVENTS.append("async open")
    yield "resource"
    EVENTS.append("async closed")


def dep_with_request(request: Request):
    return request.url.path


def failing_dep(n: int):
    if n < 0:
        raise HTTPException(status_code=418, detail="negative in dependency", headers={"X-Dep": "1"})
    return n


class FixedContentQueryChecker:
    def __init__(self, fixed_content: str):
        self.fixed_content = fixed_content

    def __call__(self, q: str = ""):
        return self.fixed_content in q


checker = FixedContentQueryChecker("bar")


def needs_token_a(token: str):
    return token


def needs_token_b(token: str, extra: int = 0):
    return token


# --- routes on the app ----------------------------------------------------------------------------


@app.get("/deps/function")
def deps_function(commons: dict = Depends(common_parameters)):
    return commons


@app.get("/deps/class")
def deps_class(commons: CommonQueryParams = Depends(CommonQueryParams)):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/deps/class-shortcut")
async def deps_class_shortcut(commons: CommonQueryParams = Depends()):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/deps/sub")
def deps_sub(query_or_default: Optional[str] = Depends(query_or_cookie_extractor)):
    return {"q_or_cookie": query_or_default}


@app.get("/deps/cache")
def deps_cache(a: int = Depends(counted), b: int = Depends(counted), c: int = Depends(uses_counted)):
    return {"same": a == b == c}


@app.get("/deps/no-cache")
def deps_no_cache(a: int = Depends(counted), b: int = Depends(counted, use_cache=False)):
    return {"different": a != b, "ordered": b == a + 1}


@app.get("/deps/yield")
def deps_yield(db: dict = Depends(get_db), res: str = Depends(get_async_resource)):
    EVENTS.append("handler")
    return {"db": db, "res": res}


@app.get("/deps/yield-raises")
def deps_yield_raises(db: dict = Depends(get_db)):
    EVENTS.append("handler raises")
    raise HTTPException(status_code=409, detail="conflict in handler")


@app.get("/deps/events")
def deps_events():
    out = list(EVENTS)
    EVENTS.clear()
    return {"events": out}


@app.get("/deps/request")
def deps_request(path: str = Depends(dep_with_request)):
    return {"path": path}


@app.get("/deps/failing")
def deps_failing(n: int = Depends(failing_dep)):
    return {"n": n}


@app.get("/deps/order")
def deps_order(own: int, commons: dict = Depends(common_parameters)):
    return {"own": own, **commons}


@app.get("/deps/decorator", dependencies=[Depends(verify_token), Depends(verify_key)])
def deps_decorator():
    return {"ok": True}


@app.get("/deps/callable-instance")
def deps_callable_instance(fixed_content_included: bool = Depends(checker)):
    return {"fixed_content_in_query": fixed_content_included}


@app.get("/deps/shared-param")
def deps_shared_param(a: str = Depends(needs_token_a), b: str = Depends(needs_token_b)):
    return {"a": a, "b": b}


class Filters(BaseModel):
    q: Optional[str] = None
    page: int = 1
    tags: List[str] = []


@app.get("/deps/model-as-query")
def deps_model_as_query(filters: Filters = Depends()):
    return filters


# --- routers --------------------------------------------------------------------------------------

items_router = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(verify_token)])


@items_router.get("/")
def read_items():
    return [{"name": "Item Foo"}, {"name": "item Bar"}]


@items_router.get("/{item_id}")
def read_item(item_id: str):
    if item_id != "foo":
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": "Fake Specific Item", "item_id": item_id}


@items_router.put("/{item_id}", tags=["custom"])
def update_item(item_id: str, commons: dict = Depends(common_parameters)):
    return {"item_id": item_id, "name": "The great Plumbus", **commons}


users_router = APIRouter()


@users_router.get("/", tags=["users"])
def read_users():
    return [{"username": "Rick"}, {"username": "Morty"}]


@users_router.get("/me")
async def read_user_me():
    return {"username": "fakecurrentuser"}


@users_router.get("/{username}")
async def read_user(username: str):
    return {"username": username}


child = APIRouter(prefix="/child")


@child.get("/leaf")
def leaf():
    return {"leaf": True}


parent = APIRouter(prefix="/parent", dependencies=[Depends(verify_key)])


@parent.get("/self")
def parent_self():
    return {"parent": True}


parent.include_router(child)

admin = APIRouter()


@admin.post("/")
def admin_root():
    return {"message": "Admin getting schwifty"}


app.include_router(items_router)
app.include_router(users_router, prefix="/users")
app.include_router(parent, prefix="/v1")
app.include_router(admin, prefix="/admin", tags=["admin"], dependencies=[Depends(verify_token)],
                   responses={418: {"description": "I'm a teapot"}})


@app.get("/")
def root():
    return {"message": "Hello Bigger Applications!"}
