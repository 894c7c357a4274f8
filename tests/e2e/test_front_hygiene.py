"""Response hygiene: header injection from handlers, the Server header, and the headers the master
owns (exactly one content-length, a date) on every kind of response."""

import email.utils
import re

import pytest

from turbo_server import FRONT_APP, TurboServer, assert_serves, parse_responses, raw_exchange


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp("front-hygiene"), workers=1, extra_args=[
        "--header-timeout", "1", "--body-timeout", "1", "--limit-request-body", "1000", "--graceful-timeout", "3"]).start()
    yield srv
    srv.stop()


def exchange(srv, data, timeout=5.0):
    return raw_exchange(srv.address, data, srv.family, timeout)


@pytest.mark.parametrize("path", ["/bad-header", "/bad-header-lf"])
def test_crlf_in_a_handler_header_value_gives_500(server, path):
    before = server.stderr().count("invalid header")
    with server.connect(timeout=10) as c:
        r = c.request("GET", path)
        assert r.status == 500, r
        assert b"evil" not in r.raw and b"x-injected" not in r.raw.lower(), r
        assert b"x-bad" not in r.raw.lower(), r
        assert b"never" not in r.raw, r
        assert r.header("set-cookie") is None, r
        # The connection is still in a sane state: the next response parses and is right.
        r2 = c.request("GET", "/seq/1")
        assert r2.status == 200 and r2.json()["i"] == 1, r2
    text = server.wait_for_output("stderr", lambda t: t.count("invalid header") > before)
    assert text.count("invalid header") > before, f"no error logged for the bad header:\n{text[-2000:]}"
    line = [ln for ln in text.splitlines() if "invalid header" in ln][-1]
    assert "error" in line.lower(), line
    assert path in line, f"the log line does not name the request: {line}"


def test_handler_cannot_set_framing_headers(server):
    """The handler says content-length: 999; the wire says the real length, once."""
    r = server.get("/framing-headers")
    assert r.status == 200 and r.body == b"12345", r
    assert r.header_all("content-length") == ["5"], r
    assert r.header("x-ok") == "1", r


def test_server_header_by_default(server):
    r = server.get("/")
    assert r.header_all("server") == ["turbo"], r


def test_no_server_header(make_server):
    srv = make_server(FRONT_APP, workers=1, extra_args=["--no-server-header", "--limit-request-fields", "5"])
    for path in ["/", "/nope", "/no-content", "/bad-header"]:
        r = srv.get(path)
        assert r.header("server") is None, r
        assert r.header("date"), r
    # Answers made by the master itself too.
    ex = raw_exchange(srv.address, b"BAD\r\n\r\n", srv.family, timeout=5)
    assert ex.response().status == 400 and b"server:" not in ex.raw.lower(), ex
    ex = raw_exchange(srv.address, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(6)) + b"\r\n",
                      srv.family, timeout=5)
    assert ex.response().status == 431 and b"server:" not in ex.raw.lower(), ex


# Every kind of response, made by the worker or by the master.
CASES = {
    "200 json": b"GET /seq/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "200 bytes": b"GET /bytes?n=5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "200 empty body": b"GET /bytes?n=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "404": b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "405": b"DELETE /seq/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "422": b"GET /seq/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "500 bad header": b"GET /bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "handler content-length": b"GET /framing-headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "HTTP/1.0": b"GET /seq/2 HTTP/1.0\r\n\r\n",
    "HTTP/1.0 keep-alive": b"GET /seq/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /seq/3 HTTP/1.0\r\n\r\n",
    "400": b"NOT HTTP\r\n\r\n",
    "413": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
    "417": b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: nope\r\nContent-Length: 2\r\n\r\n{}",
    "505": b"GET / HTTP/1.7\r\nHost: x\r\n\r\n",
    "501": b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n",
    "408": [(b"GET / HTTP/1.1\r\nHost: x\r\n", 0.0)],
}


@pytest.mark.parametrize("name", list(CASES))
def test_exactly_one_content_length_and_a_date(server, name):
    ex = exchange(server, CASES[name], timeout=4.0)
    rs = parse_responses(ex.raw)
    assert rs, ex
    for r in rs:
        assert len(r.header_all("content-length")) == 1, r
        assert int(r.header("content-length")) == len(r.body), r
        assert r.header("transfer-encoding") is None, r
        dates = r.header_all("date")
        assert len(dates) == 1, r
        assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", dates[0]), r
        assert email.utils.parsedate_to_datetime(dates[0]) is not None
        names = [k.lower() for k, _ in r.headers]
        for once in ("server", "connection", "content-type"):
            assert names.count(once) <= 1, r
        # Header names on the wire are tokens, values carry no control characters.
        for k, v in r.headers:
            assert re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", k), r
            assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", v), r
    assert ex.closed, f"{name}: connection left open: {ex}"


@pytest.mark.parametrize("path,status", [("/no-content", 204), ("/not-modified", 304)])
def test_bodiless_statuses_have_a_date_and_no_content_length(server, path, status):
    ex = exchange(server, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    r = ex.response()
    assert r.status == status, ex
    assert r.header_all("content-length") == [], ex
    assert len(r.header_all("date")) == 1, ex
    assert ex.raw.endswith(b"\r\n\r\n"), ex
    assert_serves(server)
