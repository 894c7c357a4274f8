"""Comparison app: api_route, add_api_route, head/options, trailing-slash redirects, 404, 405 with
Allow, route order, path convertors; default /docs, /redoc and /openapi.json."""

from api_compat import APIRouter, FastAPI, Request, Response

app = FastAPI(title="routing", version="1.0.0")


@app.api_route("/multi", methods=["GET", "POST", "PATCH"])
def multi(request: Request):
    return {"method": request.method}


def added(item_id: int):
    return {"added": item_id}


app.add_api_route("/added/{item_id}", added, methods=["PUT", "DELETE"])
app.add_api_route("/added-get", lambda: {"lambda": True})


@app.get("/same")
def same_get():
    return {"op": "get"}


@app.post("/same")
def same_post():
    return {"op": "post"}


@app.delete("/same")
def same_delete():
    return {"op": "delete"}


@app.head("/head-only")
def head_only(response: Response):
    response.headers["X-Head"] = "h"
    return None


@app.options("/opts")
def opts():
    return Response(headers={"Allow": "GET, OPTIONS"})


@app.get("/opts")
def opts_get():
    return {"opts": True}


@app.get("/slash/")
def slash():
    return {"slash": True}


@app.post("/slash-post/")
def slash_post():
    return {"slash_post": True}


@app.get("/noslash")
def noslash():
    return {"noslash": True}


@app.get("/users/me")
def user_me():
    return {"user": "me"}


@app.get("/users/{user_id}")
def user(user_id: str):
    return {"user": user_id}


@app.get("/conv/{n:int}")
def conv_int(n: int):
    return {"n": n}


@app.get("/conv/{n:int}/float/{f:float}")
def conv_float(n: int, f: float):
    return {"n": n, "f": f}


@app.get("/files/{file_path:path}")
def files(file_path: str):
    return {"file_path": file_path}


@app.get("/deep/a/b/c/d")
def deep():
    return {"deep": True}


@app.get("/", include_in_schema=False)
def root():
    return {"root": True}


router = APIRouter(prefix="/r")


@router.get("")
def router_empty_path():
    return {"router": "empty"}


@router.get("/x")
def router_x():
    return {"router": "x"}


app.include_router(router)
