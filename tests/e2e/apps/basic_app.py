"""The e2e test app: one route per behaviour the tests check (see tests/e2e/test_*.py)."""

import os
import time

from turboapi import HTTPException, Request, Response, TurboAPI
from turboapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

app = TurboAPI()


@app.get("/")
def root():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@app.post("/items", status_code=201)
def create_item(item: dict):
    return {"created": item}


@app.post("/echo")
def echo(body: dict):
    return body


@app.post("/echo-bytes")
async def echo_bytes(request: Request):
    return Response(await request.body(), media_type="application/octet-stream")


@app.post("/echo-list")
def echo_list(body: list):
    return {"length": len(body), "items": body}


@app.get("/pid")
def pid(sleep: float = 0.0):
    if sleep:
        time.sleep(sleep)
    return {"pid": os.getpid()}


@app.get("/slow")
def slow():
    time.sleep(0.2)
    return {"slow": True}


# conversions


@app.get("/float/{value}")
def float_path(value: float):
    return {"value": value}


@app.get("/bool")
def bool_query(flag: bool):
    return {"flag": flag}


@app.get("/str/{name}")
def str_path(name: str):
    return {"name": name}


@app.get("/search")
def search(name: str, limit: int = 10, ratio: float | None = None):
    return {"name": name, "limit": limit, "ratio": ratio}


@app.get("/users/{user_id}/posts/{post_id}")
def user_post(user_id: int, post_id: str):
    return {"user_id": user_id, "post_id": post_id}


# methods


@app.put("/things/{thing_id}")
def put_thing(thing_id: int, body: dict):
    return {"method": "PUT", "thing_id": thing_id, "body": body}


@app.patch("/things/{thing_id}")
def patch_thing(thing_id: int, body: dict):
    return {"method": "PATCH", "thing_id": thing_id, "body": body}


@app.delete("/things/{thing_id}")
def delete_thing(thing_id: int):
    return {"method": "DELETE", "thing_id": thing_id}


# return values


@app.get("/none")
def none():
    return None


@app.get("/string")
def string():
    return "hello"


@app.get("/int")
def integer():
    return 42


@app.get("/list")
def a_list():
    return [1, 2, 3]


@app.get("/unicode")
def unicode():
    return {"text": "héllo wörld ✓ 日本語 🚀", "quote": 'say "hi"\n\ttab\\'}


@app.get("/nested")
def nested():
    return {"a": [1, 2.5, True, False, None, {"b": "c"}], "d": {"e": {"f": [], "g": {}}}, "n": -7}


# responses and errors


@app.get("/teapot")
def teapot():
    raise HTTPException(status_code=418, detail="I'm a teapot", headers={"X-Error": "tea"})


@app.get("/forbidden")
def forbidden():
    raise HTTPException(status_code=403, detail={"reason": "nope", "codes": [1, 2]})


@app.get("/custom")
def custom():
    return Response(content=b"\x00\x01binary\xff", status_code=202, media_type="application/x-turbo",
                    headers={"X-Custom": "yes"})


@app.get("/plain")
def plain():
    return PlainTextResponse("just text")


@app.get("/html")
def html():
    return HTMLResponse("<h1>hi</h1>")


@app.get("/json-response")
def json_response():
    return JSONResponse({"accepted": True}, status_code=202, headers={"X-Json": "1"})


@app.get("/error")
def error():
    raise ValueError("boom from the e2e app")


class _TextBodyResponse(Response):
    """A Response whose body was replaced by a str: the worker must refuse it, not guess."""


@app.get("/bad-response-body")
def bad_response_body():
    r = _TextBodyResponse("fine")
    r.body = "not bytes"
    return r
