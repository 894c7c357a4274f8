"""Comparison app: the Request parameter (method, url, headers, query_params, path_params, cookies,
client, body(), json(), form())."""

from typing import Optional

from api_compat import FastAPI, Request

app = FastAPI(title="request", version="1.0.0")


def describe(request: Request) -> dict:
    return {
        "method": request.method,
        "url": str(request.url),
        "path": request.url.path,
        "query": request.url.query,
        "scheme": request.url.scheme,
        "hostname": request.url.hostname,
        "base_url": str(request.base_url),
        "query_params": dict(request.query_params),
        "query_multi": [list(kv) for kv in request.query_params.multi_items()],
        "path_params": dict(request.path_params),
        "cookies": dict(request.cookies),
        "client_host": request.client.host if request.client else None,
        "x_custom": request.headers.get("x-custom"),
        "x_custom_mixed_case": request.headers.get("X-CuStOm"),
        "x_multi": request.headers.getlist("x-multi"),
        "has_host": "host" in request.headers,
        "missing_header": request.headers.get("x-missing", "dflt"),
        "header_items": [list(kv) for kv in request.headers.items()],
        "query_str": str(request.query_params),
        "app_title": request.app.title,
    }


@app.get("/info")
def info(request: Request):
    return describe(request)


@app.api_route("/info/{a}/{b}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
async def info_path(request: Request, a: str, b: int):
    return {"typed": {"a": a, "b": b}, **describe(request)}


@app.get("/info/file/{rest:path}")
def info_rest(request: Request):
    return describe(request)


@app.post("/body")
async def body(request: Request):
    raw = await request.body()
    return {"len": len(raw), "text": raw.decode("utf-8", "replace"), "ctype": request.headers.get("content-type")}


@app.post("/body-twice")
async def body_twice(request: Request):
    a = await request.body()
    b = await request.body()
    return {"same": a == b, "len": len(a)}


@app.post("/json")
async def json_body(request: Request):
    data = await request.json()
    return {"type": type(data).__name__, "data": data}


@app.post("/form")
async def form_body(request: Request):
    form = await request.form()
    return {"items": [[k, v if isinstance(v, str) else f"file:{v.filename}"] for k, v in form.multi_items()]}


@app.get("/with-params/{item_id}")
def with_params(item_id: int, request: Request, q: Optional[str] = None):
    return {"item_id": item_id, "q": q, "path": request.url.path, "pp": request.path_params}


@app.get("/url-for/{name}", name="url_for_route")
def url_for(request: Request, name: str):
    return {"self": str(request.url_for("url_for_route", name="other")),
            "info": str(request.url_for("info"))}
