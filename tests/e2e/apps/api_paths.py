"""Comparison app: path templates where a parameter is only part of a segment (`/{name}.json`,
`/v{major}.{minor}`), which Starlette's router allows. Kept apart from api_routing.py so that a server
refusing these templates at start-up does not hide the rest of the routing comparison."""

from api_compat import FastAPI

app = FastAPI(title="paths", version="1.0.0")


@app.get("/dotted/{name}.json")
def dotted(name: str):
    return {"name": name}


@app.get("/api/v{major}.{minor}/status")
def version(major: int, minor: int):
    return {"major": major, "minor": minor}


@app.get("/item-{item_id}")
def prefixed(item_id: int):
    return {"item_id": item_id}


@app.get("/range/{start}-{end}")
def range_(start: int, end: int):
    return {"start": start, "end": end}


@app.get("/plain/{name}")
def plain(name: str):
    return {"plain": name}
