"""The example app `make serve` runs: turbo serve examples/app.py:app --workers 2."""

import os

from turboapi import HTTPException, TurboAPI

app = TurboAPI(title="TurboAPI example")


@app.get("/")
def hello():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
def get_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@app.post("/echo")
def echo(body: dict):
    return body


@app.get("/pid")
def pid():
    return {"pid": os.getpid()}


@app.get("/teapot")
def teapot():
    raise HTTPException(status_code=418, detail="I'm a teapot")
