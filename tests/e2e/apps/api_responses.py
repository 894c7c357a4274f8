"""Comparison app: what handlers return, and every response class."""

import datetime
import decimal
import enum
import uuid
from pathlib import Path
from typing import List, Optional

from pydantic import BaseModel, Field

from api_compat import (FastAPI, FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse,
                        Response, StreamingResponse)

DATA = Path(__file__).resolve().parents[2] / "compare" / "data"

app = FastAPI(title="responses", version="1.0.0")


class Color(str, enum.Enum):
    red = "red"


class Item(BaseModel):
    name: str
    price: float
    tax: Optional[float] = None
    tags: List[str] = []


class PublicUser(BaseModel):
    username: str
    email: Optional[str] = None


# --- plain values ---------------------------------------------------------------------------------


@app.get("/value/dict")
def value_dict():
    return {"a": 1, "b": "two", "c": [1, 2.5, None, True, False], "d": {"e": {}}}


@app.get("/value/list")
def value_list():
    return [1, "x", {"y": []}]


@app.get("/value/none")
def value_none():
    return None


@app.get("/value/str")
def value_str():
    return "hello"


@app.get("/value/str-quotes")
def value_str_quotes():
    return 'he said "hi"\n\t\\ </script>'


@app.get("/value/int")
def value_int():
    return 42


@app.get("/value/float")
def value_float():
    return 3.14


@app.get("/value/bool")
def value_bool():
    return True


@app.get("/value/floats")
def value_floats():
    return [1.0, -0.0, 0.1 + 0.2, 1e16, 1.5e-7, 1e300, 123456789.123, 2.5e-5, 100.0, 1e22]


@app.get("/value/big-int")
def value_big_int():
    return {"big": 2 ** 70, "neg": -(2 ** 63)}


@app.get("/value/unicode")
def value_unicode():
    return {"fr": "été", "emoji": "😀", "cjk": "漢字", "ctrl": "\x00\x1f\x7f", "line_sep": "\u2028"}


@app.get("/value/nested")
def value_nested():
    return {"l1": {"l2": {"l3": [{"l4": [[], {}]}]}}}


@app.get("/value/tuple-set")
def value_tuple_set():
    return {"t": (1, 2), "s": sorted({3, 1})}


@app.get("/value/encoded")
def value_encoded():
    return {"dt": datetime.datetime(2024, 1, 2, 3, 4, 5), "d": datetime.date(2024, 1, 2),
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"), "dec": decimal.Decimal("1.5"),
            "enum": Color.red, "td": datetime.timedelta(seconds=90)}


@app.get("/value/model")
def value_model():
    return Item(name="x", price=1)


@app.get("/value/models")
def value_models():
    return [Item(name="x", price=1), Item(name="y", price=2, tags=["t"])]


@app.get("/value/large")
def value_large():
    return {"rows": [{"i": i, "s": "x" * 20} for i in range(5000)]}


@app.get("/value/async")
async def value_async():
    return {"async": True}


# --- status_code= ---------------------------------------------------------------------------------


@app.post("/status/201", status_code=201)
def status_201():
    return {"created": True}


@app.delete("/status/204", status_code=204)
def status_204():
    return None


@app.get("/status/202-json-response", status_code=202)
def status_202_overridden():
    return JSONResponse({"x": 1}, status_code=200)


@app.get("/status/418", status_code=418)
def status_418():
    return "teapot"


# --- response_model -------------------------------------------------------------------------------


@app.get("/model/filter", response_model=PublicUser)
def model_filter():
    return {"username": "u", "email": "e@x", "password": "secret", "admin": True}


@app.get("/model/list", response_model=List[PublicUser])
def model_list():
    return [{"username": "a", "password": "p"}, {"username": "b", "email": None}]


@app.get("/model/from-model", response_model=PublicUser)
def model_from_model():
    return Item(name="not-a-user", price=1)


@app.get("/model/invalid", response_model=Item)
def model_invalid():
    return {"name": "x"}


@app.get("/model/exclude-unset", response_model=Item, response_model_exclude_unset=True)
def model_exclude_unset():
    return Item(name="x", price=1)


@app.get("/model/exclude-none", response_model=Item, response_model_exclude_none=True)
def model_exclude_none():
    return {"name": "x", "price": 2, "tax": None}


@app.get("/model/include", response_model=Item, response_model_include={"name", "price"})
def model_include():
    return {"name": "x", "price": 2, "tax": 1, "tags": ["a"]}


@app.get("/model/exclude", response_model=Item, response_model_exclude={"tags"})
def model_exclude():
    return {"name": "x", "price": 2, "tax": 1, "tags": ["a"]}


@app.post("/model/status", response_model=PublicUser, status_code=201)
def model_status():
    return {"username": "new", "secret": 1}


@app.get("/model/coerce", response_model=Item)
def model_coerce():
    return {"name": "x", "price": "3"}


# --- response classes -----------------------------------------------------------------------------


@app.get("/class/response")
def class_response():
    return Response(content=b"\x00raw bytes\xff", media_type="application/octet-stream")


@app.get("/class/response-str")
def class_response_str():
    return Response("just text")


@app.get("/class/response-headers")
def class_response_headers():
    return Response("x", status_code=202, headers={"X-One": "1", "X-Two": "two words"}, media_type="text/csv")


@app.get("/class/response-empty")
def class_response_empty():
    return Response(status_code=204)


@app.get("/class/response-xml")
def class_response_xml():
    return Response(content="<a>é</a>", media_type="application/xml")


@app.get("/class/json")
def class_json():
    return JSONResponse({"a": [1, 2], "é": None}, status_code=201, headers={"X-J": "j"})


@app.get("/class/json-list")
def class_json_list():
    return JSONResponse([1, "2"])


@app.get("/class/json-media-type")
def class_json_media_type():
    return JSONResponse({"x": 1}, media_type="application/problem+json")


@app.get("/class/html")
def class_html():
    return HTMLResponse("<h1>Hi é</h1>")


@app.get("/class/html-status")
def class_html_status():
    return HTMLResponse("<p>gone</p>", status_code=410)


@app.get("/class/text")
def class_text():
    return PlainTextResponse("plain ✓")


@app.get("/class/text-bytes")
def class_text_bytes():
    return PlainTextResponse(b"bytes body")


@app.get("/class/html-default", response_class=HTMLResponse)
def class_html_default():
    return "<b>by response_class</b>"


@app.get("/class/text-default", response_class=PlainTextResponse, status_code=203)
def class_text_default():
    return "by response_class"


@app.get("/class/html-default-overridden", response_class=HTMLResponse)
def class_html_default_overridden():
    return JSONResponse({"still": "json"})


@app.get("/redirect/default")
def redirect_default():
    return RedirectResponse("/value/dict")


@app.get("/redirect/301")
def redirect_301():
    return RedirectResponse("/value/dict", status_code=301)


@app.get("/redirect/302")
def redirect_302():
    return RedirectResponse(url="https://example.com/a?b=c", status_code=302)


@app.post("/redirect/303")
def redirect_303():
    return RedirectResponse("/value/dict", status_code=303)


@app.get("/redirect/quoted")
def redirect_quoted():
    return RedirectResponse("/a path/é?q=a b")


@app.get("/redirect/headers")
def redirect_headers():
    return RedirectResponse("/x", headers={"X-R": "1"})


@app.get("/redirect/response-class", response_class=RedirectResponse)
def redirect_response_class():
    return "/value/list"


@app.get("/redirect/response-class-status", response_class=RedirectResponse, status_code=302)
def redirect_response_class_status():
    return "/value/list"


# --- streaming ------------------------------------------------------------------------------------


def numbers(n):
    for i in range(n):
        yield f"line {i}\n"


async def anumbers(n):
    for i in range(n):
        yield f"async {i}\n".encode()


@app.get("/stream/sync")
def stream_sync():
    return StreamingResponse(numbers(5))


@app.get("/stream/sync-media")
def stream_sync_media():
    return StreamingResponse(numbers(3), media_type="text/plain", headers={"X-S": "s"})


@app.get("/stream/async")
async def stream_async():
    return StreamingResponse(anumbers(4), media_type="text/event-stream")


@app.get("/stream/async-from-sync-handler")
def stream_async_from_sync():
    return StreamingResponse(anumbers(2), media_type="application/x-ndjson")


@app.get("/stream/empty")
def stream_empty():
    return StreamingResponse(iter([]), media_type="text/plain")


@app.get("/stream/bytes-and-str")
def stream_mixed():
    return StreamingResponse(iter([b"a", "b", b"", "c"]), media_type="text/plain")


@app.get("/stream/large")
def stream_large():
    return StreamingResponse((b"%06d" % i * 100 for i in range(300)), media_type="application/octet-stream")


@app.get("/stream/status")
def stream_status():
    return StreamingResponse(iter(["x"]), status_code=206, media_type="text/plain")


# --- files ----------------------------------------------------------------------------------------


@app.get("/file/text")
def file_text():
    return FileResponse(DATA / "hello.txt")


@app.get("/file/html")
def file_html():
    return FileResponse(str(DATA / "page.html"))


@app.get("/file/named")
def file_named():
    return FileResponse(DATA / "hello.txt", filename="greeting.txt")


@app.get("/file/named-unicode")
def file_named_unicode():
    return FileResponse(DATA / "hello.txt", filename="gruß é.txt")


@app.get("/file/binary")
def file_binary():
    return FileResponse(DATA / "blob.bin", media_type="application/octet-stream")


@app.get("/file/headers")
def file_headers():
    return FileResponse(DATA / "hello.txt", headers={"X-F": "f"}, media_type="text/markdown")


@app.get("/file/status")
def file_status():
    return FileResponse(DATA / "hello.txt", status_code=203)


@app.get("/file/response-class", response_class=FileResponse)
def file_response_class():
    return str(DATA / "page.html")


# --- the Response parameter -----------------------------------------------------------------------


@app.get("/param/headers")
def param_headers(response: Response):
    response.headers["X-Custom"] = "custom"
    response.headers["X-Other"] = "other"
    return {"ok": True}


@app.get("/param/status")
def param_status(response: Response):
    response.status_code = 201
    return {"status": "set"}


@app.get("/param/status-over-decorator", status_code=202)
def param_status_over_decorator(response: Response):
    response.status_code = 203
    return {"status": "set"}


@app.get("/param/cookie")
def param_cookie(response: Response):
    response.set_cookie("session", "abc")
    response.set_cookie(key="prefs", value="dark mode", max_age=3600, path="/app", domain="example.com",
                        secure=True, httponly=True, samesite="strict")
    return {"cookies": 2}


@app.get("/param/delete-cookie")
def param_delete_cookie(response: Response):
    response.delete_cookie("session")
    response.delete_cookie("other", path="/p", domain="example.com")
    return {"deleted": True}


@app.get("/param/returned-response-wins")
def param_returned_response_wins(response: Response):
    response.headers["X-Dropped"] = "yes"
    response.status_code = 299
    return JSONResponse({"own": True}, headers={"X-Own": "own"})


@app.get("/param/async")
async def param_async(response: Response):
    response.headers["X-Async"] = "a"
    return {"ok": 1}


@app.get("/cookie/on-response")
def cookie_on_response():
    r = JSONResponse({"ok": True})
    r.set_cookie("a", "1", max_age=10)
    r.set_cookie("b", "2", httponly=True, samesite="none", secure=True)
    r.delete_cookie("c")
    return r


@app.get("/cookie/on-html")
def cookie_on_html():
    r = HTMLResponse("<p>x</p>", headers={"X-H": "h"})
    r.set_cookie("h", "v", path="/")
    return r


@app.get("/headers/list-values")
def headers_list_values():
    r = PlainTextResponse("x")
    r.headers.append("X-Multi", "1")
    r.headers.append("X-Multi", "2")
    return r


@app.get("/headers/content-type-override")
def headers_content_type_override():
    return Response("{}", headers={"Content-Type": "application/vnd.custom+json"})


class Inner(BaseModel):
    a: int
    secret: str = "hidden"


class InnerPublic(BaseModel):
    a: int


class Outer(BaseModel):
    inner: InnerPublic
    items: List[InnerPublic] = []


class Aliased(BaseModel):
    full_name: str = Field(alias="fullName")


@app.get("/more/nested-filter", response_model=Outer)
def more_nested_filter():
    return {"inner": {"a": 1, "secret": "s"}, "items": [{"a": 2, "secret": "t"}], "extra": 1}


@app.get("/more/by-alias", response_model=Aliased)
def more_by_alias():
    return {"fullName": "Ann"}


@app.get("/more/by-alias-off", response_model=Aliased, response_model_by_alias=False)
def more_by_alias_off():
    return {"fullName": "Ann"}


@app.get("/more/bytes")
def more_bytes():
    return b"raw-bytes"


@app.get("/more/set")
def more_set():
    return {"s": {1}}


@app.get("/more/204-with-value", status_code=204)
def more_204_with_value():
    return {"ignored": True}


@app.get("/more/304", status_code=304)
def more_304():
    return None


@app.get("/more/response-304")
def more_response_304():
    return Response(status_code=304, headers={"ETag": '"abc"'})


@app.get("/more/json-none")
def more_json_none():
    return JSONResponse(None)


@app.get("/more/json-status-204")
def more_json_status_204():
    return JSONResponse({"x": 1}, status_code=204)


@app.get("/more/dict-int-keys")
def more_dict_int_keys():
    return {1: "a", 2.5: "b", None: "c", True: "d"}


@app.get("/more/model-exclude-unset-nested", response_model=Outer, response_model_exclude_unset=True)
def more_model_exclude_unset_nested():
    return Outer(inner=InnerPublic(a=1))
