"""Comparison app: HTTPException, exception handlers (classes and status codes), a RequestValidationError
override, and unhandled exceptions (500)."""

from typing import Optional

from pydantic import BaseModel

from api_compat import (FastAPI, HTTPException, JSONResponse, PlainTextResponse, Request, RequestValidationError,
                        jsonable_encoder)

app = FastAPI(title="errors", version="1.0.0")


class Item(BaseModel):
    name: str
    price: float


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


class SpecialUnicorn(UnicornException):
    pass


class TextError(Exception):
    pass


class BrokenHandlerError(Exception):
    pass


@app.exception_handler(UnicornException)
async def unicorn_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something.",
                                                  "path": request.url.path}, headers={"X-Unicorn": exc.name})


@app.exception_handler(TextError)
def text_error_handler(request: Request, exc: TextError):
    return PlainTextResponse(f"text error: {exc}", status_code=409)


@app.exception_handler(BrokenHandlerError)
def broken_handler(request: Request, exc: BrokenHandlerError):
    raise RuntimeError("the handler itself fails")


@app.exception_handler(RequestValidationError)
async def validation_handler(request: Request, exc: RequestValidationError):
    return JSONResponse(status_code=400, content=jsonable_encoder({"errors": exc.errors(), "body": exc.body,
                                                                    "custom": True}))


@app.exception_handler(404)
async def not_found_handler(request: Request, exc):
    return JSONResponse(status_code=404, content={"custom_404": True, "path": request.url.path,
                                                  "detail": getattr(exc, "detail", None)})


@app.exception_handler(409)
async def conflict_handler(request: Request, exc):
    return JSONResponse(status_code=409, content={"conflict": exc.detail}, headers=getattr(exc, "headers", None))


@app.get("/http/404")
def http_404():
    raise HTTPException(status_code=404, detail="Item not found")


@app.get("/http/400-str")
def http_400_str():
    raise HTTPException(status_code=400, detail="bad thing")


@app.get("/http/400-dict")
def http_400_dict():
    raise HTTPException(status_code=400, detail={"code": 17, "msg": "bad", "fields": ["a", "b"]})


@app.get("/http/400-list")
def http_400_list():
    raise HTTPException(status_code=400, detail=[{"loc": ["x"]}, "two", 3])


@app.get("/http/400-int")
def http_400_int():
    raise HTTPException(status_code=400, detail=5)


@app.get("/http/400-none")
def http_400_none():
    raise HTTPException(status_code=400, detail=None)


@app.get("/http/403-default-detail")
def http_403_default():
    raise HTTPException(status_code=403)


@app.get("/http/headers")
def http_headers():
    raise HTTPException(status_code=400, detail="with headers",
                        headers={"X-Error": "There goes my error", "X-Other": "2"})


@app.get("/http/401-www-authenticate")
def http_401():
    raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})


@app.get("/http/500")
def http_500():
    raise HTTPException(status_code=500, detail="explicit 500")


@app.get("/http/503-retry")
def http_503():
    raise HTTPException(status_code=503, detail="later", headers={"Retry-After": "30"})


@app.get("/http/unicode")
def http_unicode():
    raise HTTPException(status_code=400, detail="ünïcödé ✓")


@app.get("/http/async")
async def http_async():
    raise HTTPException(status_code=402, detail="pay up")


@app.get("/http/409-status-handler")
def http_409():
    raise HTTPException(status_code=409, detail="already exists", headers={"X-C": "c"})


@app.get("/custom/unicorn/{name}")
def custom_unicorn(name: str):
    raise UnicornException(name=name)


@app.get("/custom/special-unicorn")
async def custom_special_unicorn():
    raise SpecialUnicorn(name="special")


@app.get("/custom/text")
def custom_text():
    raise TextError("plain")


@app.get("/custom/broken-handler")
def custom_broken_handler():
    raise BrokenHandlerError()


@app.get("/unhandled/value-error")
def unhandled_value_error():
    raise ValueError("boom")


@app.get("/unhandled/async")
async def unhandled_async():
    return 1 / 0


@app.get("/unhandled/key-error")
def unhandled_key_error():
    return {}["missing"]


@app.get("/unhandled/bad-return")
def unhandled_bad_return():
    return {"obj": object()}


@app.get("/validation/query")
def validation_query(n: int, m: Optional[int] = None):
    return {"n": n, "m": m}


@app.get("/validation/path/{v}")
def validation_path(v: int):
    return {"v": v}


@app.post("/validation/body")
def validation_body(item: Item):
    return item


@app.get("/http/204")
def http_204():
    raise HTTPException(status_code=204)


@app.get("/http/304-headers")
def http_304():
    raise HTTPException(status_code=304, headers={"ETag": '"v1"'})


@app.get("/http/999")
def http_999():
    raise HTTPException(status_code=599, detail="nonstandard")


@app.get("/ok")
def ok():
    return {"ok": True}
