"""HTTP/1.x on the wire: raw bytes in, raw bytes out."""

import email.utils
import json
import time
from datetime import datetime, timezone

import pytest

HELLO = b'{"message":"Hello, World!"}'


def get(path: str, version: str = "HTTP/1.1", extra: str = "") -> bytes:
    return f"GET {path} {version}\r\nHost: localhost\r\n{extra}\r\n".encode()


# --- connection management ------------------------------------------------------------------------


def test_keep_alive_is_default_in_http11(basic_server):
    with basic_server.connect() as c:
        for i in range(5):
            c.send(get(f"/items/{i}"))
            r = c.read_response()
            assert r.status == 200 and r.json() == {"item_id": i, "q": None}, r
            assert (r.header("Connection") or "").lower() != "close", r
        assert not c.is_closed(0.3)
        c.send(get("/"))
        assert c.read_response().body == HELLO


def test_http11_connection_close_is_honoured(basic_server):
    with basic_server.connect() as c:
        c.send(get("/", extra="Connection: close\r\n"))
        r = c.read_response()
        assert r.status == 200 and r.body == HELLO, r
        assert (r.header("Connection") or "").lower() == "close", r
        assert c.is_closed(5.0), "server kept the connection open after Connection: close"


def test_http10_closes_by_default(basic_server):
    with basic_server.connect() as c:
        c.send(get("/", version="HTTP/1.0"))
        r = c.read_response()
        assert r.status == 200 and r.body == HELLO, r
        assert c.is_closed(5.0), "HTTP/1.0 connection without keep-alive was not closed"


def test_http10_keep_alive_when_asked(basic_server):
    with basic_server.connect() as c:
        c.send(get("/", version="HTTP/1.0", extra="Connection: keep-alive\r\n"))
        r = c.read_response()
        assert r.status == 200 and r.body == HELLO, r
        assert (r.header("Connection") or "").lower() == "keep-alive", r
        c.send(get("/items/5", version="HTTP/1.0", extra="Connection: keep-alive\r\n"))
        r = c.read_response()
        assert r.status == 200 and r.json() == {"item_id": 5, "q": None}, r


def test_pipelined_requests_answered_in_order(basic_server):
    """The slow request goes first; with 2 workers the fast ones finish earlier but must wait."""
    with basic_server.connect() as c:
        c.send(get("/slow") + get("/items/1?q=second") + get("/items/2?q=third"))
        first, second, third = c.read_response(), c.read_response(), c.read_response()
    assert first.status == 200 and first.json() == {"slow": True}, first
    assert second.json() == {"item_id": 1, "q": "second"}, second
    assert third.json() == {"item_id": 2, "q": "third"}, third


def test_many_pipelined_requests_with_bodies(basic_server):
    reqs, expected = b"", []
    for i in range(30):
        body = json.dumps({"i": i, "pad": "x" * (i * 37)}, separators=(",", ":")).encode()
        reqs += (f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        expected.append(body)
        reqs += get(f"/items/{i}")
        expected.append(f'{{"item_id":{i},"q":null}}'.encode())
    with basic_server.connect() as c:
        c.send(reqs)
        for want in expected:
            r = c.read_response()
            assert r.status == 200 and r.body == want, r


def test_request_sent_byte_by_byte(basic_server):
    body = b'{"k":"byte by byte"}'
    raw = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    with basic_server.connect() as c:
        for i in range(len(raw)):
            c.send(raw[i:i + 1])
            if i % 16 == 0:
                time.sleep(0.002)
        r = c.read_response()
    assert r.status == 200 and r.body == body, r


def test_malformed_request_gets_400(basic_server):
    with basic_server.connect() as c:
        c.send(b"THIS IS NOT HTTP\r\n\r\n")
        try:
            r = c.read_response()
        except Exception as e:  # a bare close would be acceptable-ish; a 400 is what peers answer
            pytest.fail(f"no 400 for a malformed request line, got {e!r}")
        assert r.status == 400, r
        assert c.is_closed(5.0), "connection left open after a 400"


# --- request bodies -------------------------------------------------------------------------------


def test_chunked_request_body_echoed(basic_server):
    payload = {"chunked": True, "text": "é" * 50, "list": list(range(100))}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    pieces = [body[:1], body[1:10], body[10:200], body[200:]]
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    with basic_server.connect() as c:
        c.send(head)
        for i, p in enumerate(pieces):
            ext = b";name=value" if i == 2 else b""
            c.send(b"%x%s\r\n" % (len(p), ext) + p + b"\r\n")
            time.sleep(0.01)
        c.send(b"0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert r.json() == payload, r
        # The connection is reusable after a chunked body.
        c.send(get("/"))
        assert c.read_response().body == HELLO


def test_chunked_body_in_one_send_then_pipelined_get(basic_server):
    body = b'{"one":1}'
    raw = (b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"4\r\n" + body[:4] + b"\r\n5\r\n" + body[4:] + b"\r\n0\r\n\r\n") + get("/")
    with basic_server.connect() as c:
        c.send(raw)
        r1, r2 = c.read_response(), c.read_response()
    assert r1.status == 200 and r1.body == body, r1
    assert r2.body == HELLO, r2


def test_5mib_json_body_round_trip(basic_server):
    n = 0
    data = {}
    size = 0
    while size < 5 * 1024 * 1024:
        key = f"key{n:07d}"
        val = [n, f"value-{n}-" + "abcdefghij" * 3, {"n": n, "ok": n % 2 == 0, "none": None}]
        data[key] = val
        size += len(key) + 80
        n += 1
    body = json.dumps(data, separators=(",", ":")).encode()
    assert len(body) >= 5 * 1024 * 1024
    head = (f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with basic_server.connect(timeout=60) as c:
        c.send(head + body)
        r = c.read_response()
    assert r.status == 200, r
    assert int(r.header("Content-Length")) == len(body), r
    assert r.body == body, "5 MiB echo differs from what was sent"


def test_large_body_split_across_sends(basic_server):
    body = json.dumps({"blob": "z" * 300_000}, separators=(",", ":")).encode()
    head = (f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with basic_server.connect() as c:
        c.send(head)
        for i in range(0, len(body), 65536):
            c.send(body[i:i + 65536])
            time.sleep(0.005)
        r = c.read_response()
    assert r.status == 200 and r.body == body, r


# --- response headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/", None, 200),
    ("GET", "/nope", None, 404),
    ("GET", "/echo", None, 405),
    ("GET", "/items/x", None, 422),
    ("GET", "/error", None, 500),
    ("GET", "/teapot", None, 418),
    ("GET", "/custom", None, 202),
    ("POST", "/items", b"{}", 201),
])
def test_every_response_has_date_server_content_length(basic_server, method, path, body, status):
    r = basic_server.request(method, path, {"Content-Type": "application/json"} if body else None, body)
    assert r.status == status, r
    assert r.header("Server") == "turbo", r
    assert len(r.header_all("Content-Length")) == 1, r
    assert int(r.header("Content-Length")) == len(r.body), r
    assert r.header("Transfer-Encoding") is None, r
    date = r.header("Date")
    assert date is not None, r
    parsed = email.utils.parsedate_to_datetime(date)
    assert date.endswith(" GMT"), date
    assert abs((parsed - datetime.now(timezone.utc)).total_seconds()) < 60, date


def test_reason_phrases(basic_server):
    assert basic_server.get("/").reason == "OK"
    assert basic_server.get("/nope").reason == "Not Found"
    assert basic_server.get("/error").reason == "Internal Server Error"
