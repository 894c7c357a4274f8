"""StreamingResponse on the wire: chunked transfer-encoding from a generator, streamed through the
rings as it is produced; known lengths; failures; a departed client stops an endless generator."""

import os
import time

import pytest

from turbo_server import APPS_DIR, TurboServer, wait_until


@pytest.fixture(scope="module")
def stream_server(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("stream")
    srv = TurboServer(str(APPS_DIR / "stream_app.py") + ":app", logdir, workers=1,
                      env={**os.environ, "STREAM_MARKER_DIR": str(logdir)}).start()
    srv.marker_dir = logdir
    yield srv
    srv.stop()


def test_sync_generator_is_sent_chunked(stream_server):
    with stream_server.connect() as c:
        r = c.request("GET", "/gen?n=3")
        assert r.status == 200
        assert r.header("transfer-encoding") == "chunked" and r.header("content-length") is None
        assert r.header("content-type") == "text/plain; charset=utf-8"
        assert r.body == b"chunk0\nchunk1\nchunk2\n"
        assert b"7\r\nchunk0\n\r\n" in r.raw and r.raw.endswith(b"0\r\n\r\n")
        # keep-alive survives a chunked response
        assert c.request("GET", "/").json() == {"ok": True}


def test_async_generator_is_streamed(stream_server):
    r = stream_server.get("/agen?n=4")
    assert r.status == 200 and r.body == b"a0\na1\na2\na3\n"


def test_empty_generator_sends_only_the_last_chunk(stream_server):
    with stream_server.connect() as c:
        r = c.request("GET", "/gen?n=0")
        assert r.status == 200 and r.body == b"" and r.raw.endswith(b"\r\n\r\n0\r\n\r\n")


def test_a_set_content_length_is_kept(stream_server):
    r = stream_server.get("/sized")
    assert r.header("content-length") == "6" and r.header("transfer-encoding") is None
    assert r.body == b"abcdef"


def test_a_stream_shorter_than_its_content_length_closes_the_connection(stream_server):
    with stream_server.connect() as c:
        c.send(b"GET /short HTTP/1.1\r\nHost: x\r\n\r\n")
        c.sock.settimeout(5.0)
        data = b""
        while True:  # until the server closes: the client must not wait for the 7 missing bytes
            piece = c.sock.recv(65536)
            if not piece:
                break
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"content-length: 10" in head and body == b"abc"
    stream_server.wait_for_output("stderr", lambda s: "7 bytes short of its content-length" in s)


def test_a_stream_longer_than_its_content_length_is_cut_there(stream_server):
    with stream_server.connect() as c:
        r = c.request("GET", "/long")
        assert r.header("content-length") == "4" and r.body == b"abcd"
        assert c.request("GET", "/").json() == {"ok": True}  # no stray bytes before the next response


def test_large_stream_arrives_whole(stream_server):
    r = stream_server.get("/big?mib=5")
    assert r.status == 200 and len(r.body) == 5 << 20 and r.body == b"x" * (5 << 20)


def test_http10_client_gets_a_close_delimited_body(stream_server):
    with stream_server.connect() as c:
        c.send(b"GET /gen?n=2 HTTP/1.0\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.header("transfer-encoding") is None
        assert r.body == b"chunk0\nchunk1\n"
        assert c.is_closed(2.0)


def test_head_of_a_stream_has_no_body(stream_server):
    with stream_server.connect() as c:
        c.send(b"HEAD /gen HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response(head_request=True)
        assert r.status == 405  # as FastAPI: a GET route does not answer HEAD
        assert c.request("GET", "/").json() == {"ok": True}  # no stray chunk bytes before this response


@pytest.mark.parametrize("path", ["/fail", "/bad-chunk"])
def test_failing_generator_closes_the_connection_and_logs(stream_server, path):
    with stream_server.connect() as c:
        c.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        c.sock.settimeout(5.0)
        data = b""
        while True:  # everything until the server closes (a timeout here fails the test)
            piece = c.sock.recv(65536)
            if not piece:
                break
            data += piece
        assert data.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in data
        assert not data.endswith(b"0\r\n\r\n"), "a stream that failed midway must not look complete"
    stream_server.wait_for_output("stderr", lambda s: "generator failed on purpose" in s or "must yield bytes or str" in s)
    assert stream_server.get("/").json() == {"ok": True}  # the worker still serves


def test_departed_client_stops_an_endless_generator(stream_server):
    marker = stream_server.marker_dir / "closed-t1"
    with stream_server.connect() as c:
        c.send(b"GET /forever?tag=t1 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while got.count(b"tick") < 3:
            got += c.sock.recv(65536)
    # the generator's finally block ran, and the only worker serves again
    wait_until(marker.exists, timeout=5.0)
    r = stream_server.get("/")
    assert r.status == 200 and r.json() == {"ok": True}
