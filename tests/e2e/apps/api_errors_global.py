"""Comparison app: an app-wide `exception_handler(Exception)` (the usual "JSON 500" pattern) next to
HTTPException and validation errors, which it must not swallow."""

from api_compat import FastAPI, HTTPException, JSONResponse, Request

app = FastAPI(title="errors_global", version="1.0.0")


class DomainError(Exception):
    pass


@app.exception_handler(Exception)
async def any_exception(request: Request, exc: Exception):
    return JSONResponse(status_code=500, content={"error": type(exc).__name__, "message": str(exc),
                                                  "path": request.url.path})


@app.exception_handler(DomainError)
async def domain_error(request: Request, exc: DomainError):
    return JSONResponse(status_code=422, content={"domain": str(exc)})


@app.get("/boom")
def boom():
    raise RuntimeError("kaboom")


@app.get("/boom-async")
async def boom_async():
    raise KeyError("k")


@app.get("/domain")
def domain():
    raise DomainError("rule broken")


@app.get("/http")
def http():
    raise HTTPException(status_code=403, detail="still a normal 403")


@app.get("/validation")
def validation(n: int):
    return {"n": n}


@app.get("/ok")
def ok():
    return {"ok": True}
