"""App for tests/e2e/test_front_*.py: the HTTP front end (limits, timeouts, framing, hygiene)."""

import os
import time

from turboapi import Header, Response, TurboAPI

app = TurboAPI()


@app.get("/")
def root():
    return {"message": "Hello, World!"}


@app.get("/seq/{i}")
def seq(i: int):
    return {"i": i, "pid": os.getpid()}


@app.get("/sleep")
def sleep(s: float = 0.5, i: int = 0):
    time.sleep(s)
    return {"slept": s, "i": i, "pid": os.getpid()}


@app.post("/echo")
def echo(body: dict, x_user: str | None = Header(None), x_trailer: str | None = Header(None)):
    return {"body": body, "x_user": x_user, "x_trailer": x_trailer}


@app.post("/sleep-echo")
def sleep_echo(body: dict, s: float = 0.5):
    time.sleep(s)
    return {"body": body}


@app.get("/headers")
def headers(x_user: str | None = Header(None), x_trailer: str | None = Header(None),
            host: str | None = Header(None), x_fold: str | None = Header(None)):
    return {"x_user": x_user, "x_trailer": x_trailer, "host": host, "x_fold": x_fold}


@app.get("/no-content")
def no_content():
    return Response(status_code=204)


@app.get("/not-modified")
def not_modified():
    return Response(status_code=304, headers={"etag": '"v1"'})


@app.get("/bad-header")
def bad_header():
    return Response(b"never", headers={"x-bad": "a\r\nSet-Cookie: evil=1"})


@app.get("/bad-header-lf")
def bad_header_lf():
    return Response(b"never", headers={"x-bad": "a\nx-injected: 1"})


@app.get("/framing-headers")
def framing_headers():
    # Headers the master owns: the handler's values must not reach the wire twice.
    return Response(b"12345", headers={"content-length": "999", "x-ok": "1"})


@app.get("/bytes")
def some_bytes(n: int = 1024):
    return Response(b"x" * n, media_type="application/octet-stream")


@app.api_route("/page", methods=["GET", "HEAD"])
def page():
    return Response(b"<p>" + b"a" * 1000 + b"</p>", media_type="text/html")
