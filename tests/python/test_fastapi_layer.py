"""The FastAPI layer (dependencies, routing, responses) against FastAPI 0.92 itself: the same app source
runs on both (imports swapped), requests go through FastAPI's ASGI app and through the route handlers
TurboAPI gives the worker (python mode and native specs), and status, body bytes and headers must match.

Run: /usr/bin/python3 -m pytest tests/python/test_fastapi_layer.py
"""

import asyncio
import inspect
import json
import os
import sys
import types

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

fastapi = pytest.importorskip("fastapi")

import turboapi  # noqa: E402
from turboapi._internal import worker_loop  # noqa: E402
from turboapi.responses import Response  # noqa: E402

APP = '''
import asyncio
from typing import List, Optional, Dict, Union
from enum import Enum
from pydantic import BaseModel, Field
from turboapi import (TurboAPI, APIRouter, Query, Path, Header, Cookie, Body, Depends, HTTPException, Request,
                      BackgroundTasks, status)
from turboapi.responses import JSONResponse, HTMLResponse, PlainTextResponse, RedirectResponse
from turboapi.responses import Response

LOG = []
app = TurboAPI()


class Color(str, Enum):
    red = "red"
    blue = "blue"


class Item(BaseModel):
    name: str
    price: float = Field(..., gt=0)
    tags: List[str] = []
    secret: Optional[str] = None


class ItemOut(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
def read_item(item_id: int, q: Optional[str] = None):
    return {"item_id": item_id, "q": q}


@app.get("/q")
def q(q: str = Query(None, max_length=5, min_length=2), n: int = Query(1, gt=0, le=10),
      r: Optional[str] = Query(None, regex="^ab+$"), tag: List[int] = Query([]), c: Color = Color.red,
      b: bool = False):
    return {"q": q, "n": n, "r": r, "tag": tag, "c": c, "b": b}


@app.get("/hdr")
def hdr(x_token: str = Header(...), session: Optional[str] = Cookie(None)):
    return {"x": x_token, "s": session}


@app.post("/items", status_code=201, response_model=ItemOut)
def create(item: Item):
    return item


@app.post("/two")
def two(item: Item, n: int = Body(...), q: int = 0):
    return {"item": item, "n": n, "q": q}


@app.post("/embed")
def embed(item: Item = Body(..., embed=True)):
    return item


def gen_dep():
    LOG.append("enter")
    try:
        yield "G"
    finally:
        LOG.append("exit")


async def agen_dep(g: str = Depends(gen_dep), x: int = 1):
    yield g + str(x)


def common(skip: int = 0, limit: int = Query(10, le=100)):
    return {"skip": skip, "limit": limit}


@app.get("/deps")
def deps(a: str = Depends(agen_dep), c: dict = Depends(common), c2: dict = Depends(common)):
    return {"a": a, "c": c, "same": c is c2}


def verify(k: str = Query(...)):
    if k != "ok":
        raise HTTPException(status_code=403, detail="bad key", headers={"X-Why": "k"})


router = APIRouter(prefix="/r", dependencies=[Depends(verify)])


@router.get("/x/{i}", status_code=status.HTTP_202_ACCEPTED)
def rx(i: int):
    return {"i": i}


app.include_router(router, prefix="/v1")


@app.get("/resp")
def resp(response: Response, background_tasks: BackgroundTasks):
    response.headers["X-A"] = "1"
    response.set_cookie("sess", "abc", httponly=True)
    response.status_code = 202
    background_tasks.add_task(LOG.append, "bg")
    return {"ok": True}


@app.get("/html", response_class=HTMLResponse)
def html():
    return "<b>hi</b>"


@app.delete("/gone", status_code=204)
def gone():
    return None


@app.get("/redirect")
def redirect():
    return RedirectResponse("/items/1")


@app.get("/async/{x}")
async def asy(x: int, request: Request):
    await asyncio.sleep(0)
    return {"x": x, "path": request.url.path, "q": dict(request.query_params)}


class Oops(Exception):
    pass


@app.exception_handler(Oops)
async def oops(request: Request, exc: Oops):
    return JSONResponse(status_code=418, content={"oops": request.url.path})


@app.get("/oops")
def raise_oops():
    raise Oops()
'''

CASES = [
    ("GET", "/items/3", "q=x"), ("GET", "/items/x"), ("GET", "/items/3.5"),
    ("GET", "/q"), ("GET", "/q", "q=abcdef&n=0&r=xab&tag=1&tag=x&c=green&b=maybe"),
    ("GET", "/q", "q=abc&n=5&r=abb&tag=1&tag=2&c=blue&b=yes"),
    ("GET", "/hdr"), ("GET", "/hdr", "", [("X-Token", "t"), ("Cookie", "session=s; other=1")]),
    ("POST", "/items", "", [("content-type", "application/json")], b'{"name": "n", "price": 2, "secret": "s"}'),
    ("POST", "/items", "", [("content-type", "application/json")], b'{"price": -1, "tags": [1, {}]}'),
    ("POST", "/items", "", [("content-type", "application/json")], b'{"name": 1,'),
    ("POST", "/items", "", [], b""),
    ("POST", "/two", "", [("content-type", "application/json")], b'{"item": {"name": "n", "price": 1}, "n": 2}'),
    ("POST", "/two", "", [("content-type", "application/json")], b'{"name": "n", "price": 1}'),
    ("POST", "/embed", "", [("content-type", "application/json")], b'{"item": {"name": "n", "price": 1}}'),
    ("POST", "/embed", "", [("content-type", "application/json")], b'{"name": "n", "price": 1}'),
    ("GET", "/deps", "x=4&limit=5"), ("GET", "/deps", "limit=500"),
    ("GET", "/v1/r/x/5", "k=ok"), ("GET", "/v1/r/x/5", "k=no"), ("GET", "/v1/r/x/z"),
    ("GET", "/resp"), ("GET", "/html"), ("DELETE", "/gone"), ("GET", "/redirect"),
    ("GET", "/async/7", "a=1"), ("GET", "/oops"),
]


def load(flavor):
    src = APP
    if flavor == "fastapi":
        src = src.replace("TurboAPI", "FastAPI").replace("turboapi", "fastapi")
    mod = types.ModuleType("layer_app_" + flavor)
    exec(compile(src, mod.__name__, "exec"), mod.__dict__)
    return mod


def call_fastapi(app, method, path, query, headers, body):
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(), "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
             "client": ("testclient", 50000), "server": ("testserver", 80), "scheme": "http",
             "http_version": "1.1", "asgi": {"version": "3.0"}}
    sent = {"body": b""}
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(m):
        if m["type"] == "http.response.start":
            sent["status"] = m["status"]
            sent["headers"] = [(k.decode(), v.decode()) for k, v in m["headers"]]
        else:
            sent["body"] += m.get("body", b"")

    asyncio.new_event_loop().run_until_complete(app(scope, receive, send))
    return sent["status"], [h for h in sent["headers"] if h[0] != "content-length"], sent["body"]


class RequestData:
    """The pure-Python stand-in for turboapi._native.RequestData."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.raw_path = path.encode()
        self.query_string = query.encode()
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        self.body = body
        self.client = ("testclient", 50000)
        self.http_version = "1.1"
        self.path_params = {}


def _match(pattern, path):
    import re

    rx = "^" + re.sub(r"{([^}:]+)(?::path)?}", r"(?P<\1>[^/]+)", pattern) + "$"
    m = re.match(rx, path)
    return m.groupdict() if m else None


def _finish(app, value):
    if inspect.iscoroutine(value):
        value = worker_loop().run_until_complete(value)
    return value


def call_turbo(app, method, path, query, headers, body):
    for spec in app._turbo_routes():
        params = _match(spec["path"], path)
        if params is None or method not in spec["methods"]:
            continue
        data = RequestData(method, path, query, headers, body)
        data.path_params = params
        try:
            result = _finish(app, spec["handler"](data))
        except Exception as exc:  # noqa: BLE001 - what the worker does: 500
            result = _finish(app, app._turbo_error_hook(data, exc))
            if result is None:
                return 500, [("content-type", "text/plain; charset=utf-8")], b"Internal Server Error"
        if isinstance(result, Response):
            if result.background is not None:
                _finish(app, result.background())
            return result.status_code, list(result.raw_headers), result.body
        return 200, [("content-type", "application/json")], json.dumps(
            turboapi.encoders.jsonable_encoder(result), ensure_ascii=False, separators=(",", ":")).encode()
    raise AssertionError(f"no route for {method} {path}")


@pytest.fixture(scope="module")
def apps():
    return load("fastapi").app, load("turbo")


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} {c[1]}?{c[2] if len(c) > 2 else ''}" for c in CASES])
def test_same_as_fastapi(apps, case):
    fa, turbo_mod = apps
    method, path = case[0], case[1]
    query = case[2] if len(case) > 2 else ""
    headers = case[3] if len(case) > 3 else []
    body = case[4] if len(case) > 4 else b""
    expected = call_fastapi(fa, method, path, query, headers, body)
    got = call_turbo(turbo_mod.app, method, path, query, headers, body)
    assert got == expected


def test_yield_cleanup_runs_after_the_response_and_background(apps):
    _, mod = apps
    mod.LOG.clear()
    call_turbo(mod.app, "GET", "/deps", "", [], b"")
    assert mod.LOG == ["enter", "exit"]
    mod.LOG.clear()
    call_turbo(mod.app, "GET", "/resp", "", [], b"")
    assert mod.LOG == ["bg"]


def test_native_specs_for_the_fast_paths(apps):
    _, mod = apps
    specs = {s["path"]: s for s in mod.app._turbo_routes()}
    items = specs["/items/{item_id}"]
    assert items["mode"] == "native"
    assert [(p["name"], p["source"], p["kind"], p["required"]) for p in items["params"]] == [
        ("item_id", "path", "int", True), ("q", "query", "str", False)]
    assert specs["/q"]["mode"] == "python"  # constraints, enum, list
    assert specs["/deps"]["mode"] == "python"
    assert specs["/items"]["mode"] == "python"  # a pydantic body
    assert all(callable(s["handler"]) for s in specs.values())


def test_custom_validation_handler_makes_every_route_python():
    app = turboapi.TurboAPI()

    @app.get("/a/{i}")
    def a(i: int):
        return i

    assert app._turbo_routes()[-1]["mode"] == "native"

    @app.exception_handler(turboapi.RequestValidationError)
    def handler(request, exc):
        return turboapi.JSONResponse({"errors": len(exc.errors())}, status_code=400)

    spec = app._turbo_routes()[-1]
    assert spec["mode"] == "python"
    r = spec["handler"](RequestData("GET", "/a/x", "", [], b""))
    assert r.status_code == 400 and r.body == b'{"errors":1}'


def test_lifespan_and_events():
    from contextlib import asynccontextmanager

    calls = []

    @asynccontextmanager
    async def lifespan(app):
        calls.append("start")
        yield
        calls.append("stop")

    app = turboapi.TurboAPI(lifespan=lifespan)
    worker_loop().run_until_complete(app._turbo_startup())
    worker_loop().run_until_complete(app._turbo_shutdown())
    assert calls == ["start", "stop"]

    app2 = turboapi.TurboAPI()
    app2.on_event("startup")(lambda: calls.append("sync"))
    assert app2._turbo_startup() is None and calls[-1] == "sync"
