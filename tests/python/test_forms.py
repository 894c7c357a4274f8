"""turboapi._native.parse_form and turboapi.datastructures, with Starlette 0.25 / python-multipart as the
oracle: the same body must give the same form, and a malformed one the 400 detail FastAPI 0.92 answers.
Where TurboAPI differs on purpose, the test says so."""

import asyncio
import io
import os
import sys
import tempfile
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

from starlette import datastructures as sds  # noqa: E402
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser  # noqa: E402

from turboapi import datastructures as tds  # noqa: E402
from turboapi._native import parse_form, parse_qsl  # noqa: E402

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def run(coro):
    return asyncio.run(coro)


# ----------------------------------------------------------------------------------------- oracle


async def _normalise(items):
    out = []
    for name, value in items:
        if isinstance(value, str):
            out.append((name, value))
        else:
            await value.seek(0)
            out.append((name, (value.filename, value.content_type, await value.read(),
                               sorted(value.headers.raw))))
    return out


def starlette_form(body, content_type):
    async def stream():
        yield body
        yield b""

    async def go():
        headers = sds.Headers({"content-type": content_type})
        parser_type = MultiPartParser if content_type.startswith("multipart/") else FormParser
        form = await parser_type(headers, stream()).parse()
        return await _normalise(form.multi_items())

    return run(go())


def ours(body, content_type, **kw):
    return run(_normalise(parse_form(body, content_type, **kw)))


def multipart_body(parts, boundary=BOUNDARY, nl=b"\r\n"):
    """parts: (name, str) for fields, (name, (filename, bytes, content_type or None)) for files."""
    out = b""
    for name, value in parts:
        out += b"--" + boundary.encode() + nl
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += b'Content-Disposition: form-data; name="%s"; filename="%s"' % (name.encode(), filename.encode())
            out += nl
            if ctype:
                out += b"Content-Type: " + ctype.encode() + nl
        else:
            data = value.encode()
            out += b'Content-Disposition: form-data; name="%s"' % name.encode() + nl
        out += nl + data + nl
    return out + b"--" + boundary.encode() + b"--" + nl


# ------------------------------------------------------------------------------------- urlencoded

SAME_AS_STARLETTE = [
    b"",
    b"a=1",
    b"a=1&b=2&a=3",
    b"name=J%C3%B6rg+M%C3%BCller&city=K%C3%B6ln",
    b"a=%zz%4&b=%&c=%%41",
    b"a=%ff%fe",  # invalid UTF-8 after decoding: U+FFFD, as unquote_plus
    b"&&a=1&&b=&=c&",
    b"a=b=c&x=%3D%26%2B",
    b"username=a%20b%26c&password=%E2%9C%93+x",
    b"k=" + b"v" * 5000,
]


@pytest.mark.parametrize("body", SAME_AS_STARLETTE)
def test_urlencoded_same_as_starlette(body):
    assert ours(body, URLENCODED) == starlette_form(body, URLENCODED)


def test_urlencoded_where_we_differ_from_python_multipart():
    # A key without '=' is kept with "" wherever it is (python-multipart drops it at the very end).
    assert parse_form(b"a&b=1&c", URLENCODED) == [("a", ""), ("b", "1"), ("c", "")]
    assert starlette_form(b"a&b=1&c", URLENCODED) == [("a", ""), ("b", "1")]
    # Only '&' separates pairs (python-multipart also splits on ';', but only when there is no '&').
    assert parse_form(b"a=1;b=2", URLENCODED) == [("a", "1;b=2")]
    # Raw non-ASCII bytes are UTF-8 (Starlette reads them as Latin-1 and gives mojibake).
    assert parse_form("a=é".encode(), URLENCODED) == [("a", "é")]
    assert starlette_form("a=é".encode(), URLENCODED) == [("a", "Ã©")]


def test_urlencoded_content_type_variants_and_body_types():
    for ct in ("application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-URLEncoded",
               b"application/x-www-form-urlencoded"):
        assert parse_form(b"a=1", ct) == [("a", "1")]
    for body in (bytearray(b"a=1"), memoryview(b"xa=1")[1:]):
        assert parse_form(body, URLENCODED) == [("a", "1")]


def test_other_content_types_give_an_empty_form_as_starlette():
    assert parse_form(b"a=1", "text/plain") == []
    assert parse_form(b"{}", "application/json") == []
    assert parse_form(b"a=1", "") == []


def test_urlencoded_limits_with_starlettes_messages():
    body = b"&".join(b"f%d=1" % i for i in range(1001))
    with pytest.raises(ValueError) as e:
        parse_form(body, URLENCODED)
    assert str(e.value) == "Too many fields. Maximum number of fields is 1000."
    assert e.value.detail == str(e.value)
    assert len(parse_form(body, URLENCODED, max_fields=1001)) == 1001
    with pytest.raises(ValueError, match=r"^Field exceeded maximum size of 1024KB\.$"):
        parse_form(b"a=" + b"x" * (1 << 20), URLENCODED)
    assert len(parse_form(b"a=" + b"x" * (1 << 20), URLENCODED, max_part_size=2 << 20)[0][1]) == 1 << 20


def test_parse_qsl():
    assert parse_qsl(b"a=1&b&c=%E2%9C%93+x&&a=2") == [("a", "1"), ("b", ""), ("c", "✓ x"), ("a", "2")]
    assert parse_qsl("q=caf%C3%A9") == [("q", "café")]
    assert parse_qsl(b"") == []


# -------------------------------------------------------------------------------------- multipart

TXT = ("hello.txt", b"hello world\n", "text/plain")
BIN = ("data.bin", bytes(range(256)) * 40, "application/octet-stream")

SAME_MULTIPART = [
    [("username", "alice"), ("password", "secret")],
    [("a", ""), ("b", "line1\r\nline2\r\n"), ("a", "again")],
    [("file", TXT)],
    [("file", BIN), ("note", "n"), ("file", ("empty.txt", b"", "text/plain"))],
    [("file", ("noctype.txt", b"abc", None))],
    [("tags", "x"), ("tags", "y"), ("üñí", "çødé ✓")],
    [("file", ("résumé.txt", "é".encode(), "text/plain"))],
    [("file", ("a\\b.txt", b"backslash kept", None))],
    [("file", ("C:\\Users\\me\\photo.jpg", b"IE path", "image/jpeg"))],
    [("data", "--" + BOUNDARY + "X not a boundary"), ("d2", "\r\n--" + BOUNDARY[:-1])],
]


@pytest.mark.parametrize("parts", SAME_MULTIPART)
def test_multipart_same_as_starlette(parts):
    body = multipart_body(parts)
    assert ours(body, MULTIPART) == starlette_form(body, MULTIPART)


def test_multipart_values_types_and_headers():
    body = multipart_body([("t", "hello"), ("f", TXT)])
    form = parse_form(body, MULTIPART)
    assert form[0] == ("t", "hello")
    name, upload = form[1]
    assert name == "f"
    assert isinstance(upload, tds.UploadFile)
    assert upload.filename == "hello.txt"
    assert upload.content_type == "text/plain"
    assert upload.size == len(TXT[1])
    assert upload.headers["Content-Type"] == "text/plain"
    assert upload.headers.raw == [(b"content-disposition", b'form-data; name="f"; filename="hello.txt"'),
                                  (b"content-type", b"text/plain")]
    assert isinstance(upload.file, io.BytesIO)
    assert upload.file.read() == TXT[1]


def test_multipart_quoting_escapes_and_filename_star():
    body = (b"--XyZ\r\n"
            b'Content-Disposition: form-data; name="a\\"b"; filename="x;y \\"q\\".txt"\r\n\r\n1\r\n'
            b"--XyZ\r\n"
            b"content-disposition: form-data; name=plain; filename=\"ascii.txt\"; "
            b"filename*=UTF-8''na%C3%AFve%20%E2%9C%93.txt\r\n\r\n2\r\n"
            b"--XyZ\r\n"
            b"CONTENT-DISPOSITION: form-data; name=\"latin\"; filename*=iso-8859-1''%E9t%E9.txt\r\n\r\n3\r\n"
            b"--XyZ--\r\n")
    form = parse_form(body, 'multipart/form-data; boundary="XyZ"')
    assert [(n, v.filename) for n, v in form] == [('a"b', 'x;y "q".txt'), ("plain", "naïve ✓.txt"),
                                                  ("latin", "été.txt")]


def test_multipart_lf_line_ends_preamble_epilogue_padding():
    body = (b"preamble, ignored\n--XyZ  \nContent-Disposition: form-data; name=a\n\nv1\n"
            b"--XyZ\nContent-Disposition: form-data; name=b\n\n\n--XyZ--\nepilogue\n--XyZ\n")
    assert parse_form(body, "multipart/form-data; boundary=XyZ") == [("a", "v1"), ("b", "")]


def test_multipart_empty_forms():
    assert parse_form(b"", MULTIPART) == []
    # A closing boundary before any part: python-multipart refuses it, so FastAPI answers 400.
    with pytest.raises(ValueError) as e:
        parse_form(b"--" + BOUNDARY.encode() + b"--\r\n", MULTIPART)
    assert e.value.detail == "There was an error parsing the body"


def test_multipart_charset():
    body = multipart_body([("name", "@")]).replace(b"\r\n@\r\n", "\r\né\r\n".encode("latin-1"))
    # UTF-8 by default, and Latin-1 when the bytes are not UTF-8 (Starlette's _user_safe_decode).
    assert parse_form(body, MULTIPART) == [("name", "é")]
    assert parse_form(body, MULTIPART + "; charset=latin-1") == [("name", "é")]
    assert parse_form(body, MULTIPART + "; charset=no-such-codec") == [("name", "é")]
    # A non-text codec is not looked up (no decompression bombs through charset=).
    assert parse_form(body, MULTIPART + "; charset=zlib") == [("name", "é")]
    assert starlette_form(body, MULTIPART + "; charset=latin-1") == [("name", "é")]


# --------------------------------------------------------------------------- errors and FastAPI

def fastapi_answer(body, content_type):
    """What FastAPI 0.92 answers for a Form body: (status, JSON)."""
    import json

    from fastapi import FastAPI, File, Form, UploadFile

    app = FastAPI()

    @app.post("/")
    async def endpoint(a: str = Form(None), f: UploadFile = File(None)):
        return {"a": a}

    async def call():
        messages = []
        sent = False

        async def receive():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            messages.append(message)

        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"",
                 "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("t", 80),
                 "client": ("c", 1), "root_path": "", "asgi": {"version": "3.0"}}
        await app(scope, receive, send)
        return messages[0]["status"], json.loads(b"".join(m.get("body", b"") for m in messages[1:]))

    return run(call())


PART = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
CT = "multipart/form-data; boundary=XyZ"

# (body, content type, our message); FastAPI answers 400 for each, with our exception's `detail`.
ERRORS_400 = [
    (PART + b"--XyZ--\r\n", "multipart/form-data", "Missing boundary in multipart."),
    (b"--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--\r\n", CT,
     'The Content-Disposition header field "name" must be provided.'),
    (b"--XyZ\r\nX-Other: 1\r\n\r\n1\r\n--XyZ--\r\n", CT,
     'The Content-Disposition header field "name" must be provided.'),
    (PART + b"--XyZ--\r\n", "multipart/form-data; boundary=other",
     "Multipart body does not start with the boundary given in the Content-Type."),
    (b"\x00\x01garbage", CT, "Multipart body does not start with the boundary given in the Content-Type."),
    (b"--XyZ\r\nContent_Disposition; name=a\r\n\r\n1\r\n--XyZ--\r\n", CT, "Malformed header in multipart part 1."),
]


@pytest.mark.parametrize("body,ct,message", ERRORS_400)
def test_errors_read_well_and_carry_fastapis_detail(body, ct, message):
    with pytest.raises(ValueError) as e:
        parse_form(body, ct)
    assert str(e.value) == message
    assert fastapi_answer(body, ct) == (400, {"detail": e.value.detail})


@pytest.mark.parametrize("body", [
    PART.replace(b"\r\n1\r\n", b"\r\nabc"),  # no closing boundary
    PART + b"--XyZ",  # closing boundary cut
    PART,  # no closing boundary at all
    b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n',  # cut in the headers
])
def test_truncated_bodies_are_errors_where_fastapi_parses_them_short(body):
    with pytest.raises(ValueError, match="truncated") as e:
        parse_form(body, CT)
    assert e.value.detail == "There was an error parsing the body"
    # FastAPI drops the unfinished part and goes on (a required field then fails validation: 422);
    # allow_truncated=True does the same.
    assert fastapi_answer(body, CT) == (200, {"a": None})
    assert parse_form(body, CT, allow_truncated=True) == []
    complete = b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nok\r\n'
    form = parse_form(complete + body, CT, allow_truncated=True)
    assert [(name, v.file.read()) for name, v in form] == [("f", b"ok")]


def test_too_many_parts():
    fields = [(f"f{i}", "v") for i in range(1001)]
    with pytest.raises(ValueError, match=r"^Too many fields\. Maximum number of fields is 1000\.$"):
        parse_form(multipart_body(fields), MULTIPART)
    files = [(f"f{i}", ("a.txt", b"x", None)) for i in range(4)]
    with pytest.raises(ValueError, match=r"^Too many files\. Maximum number of files is 3\.$"):
        parse_form(multipart_body(files), MULTIPART, max_files=3)
    with pytest.raises(ValueError, match=r"^Part exceeded maximum size of 1KB\.$"):
        parse_form(multipart_body([("a", "x" * 1025)]), MULTIPART, max_part_size=1024)
    # A file part is not limited by max_part_size.
    assert parse_form(multipart_body([("a", ("f", b"x" * 5000, None))]), MULTIPART, max_part_size=1024)


def test_part_headers_are_limited():
    body = b"--XyZ\r\nX-Big: " + b"x" * 20000 + b"\r\n" + PART[7:] + b"--XyZ--\r\n"
    with pytest.raises(ValueError, match="headers of multipart part 1 exceed 16384 bytes"):
        parse_form(body, CT)


def test_invalid_boundaries():
    for ct in ('multipart/form-data; boundary=""', "multipart/form-data; boundary=" + "b" * 201,
               'multipart/form-data; boundary="a\x01"'):
        with pytest.raises(ValueError, match="^Invalid boundary in multipart"):
            parse_form(PART, ct)


def test_argument_errors():
    with pytest.raises(TypeError):
        parse_form("not bytes", URLENCODED)
    with pytest.raises(TypeError):
        parse_form(b"", 1)
    with pytest.raises(TypeError):
        parse_form(b"", URLENCODED, bogus=1)
    with pytest.raises(ValueError):
        parse_form(b"", URLENCODED, -1)


# --------------------------------------------------------------------------------------- spooling


def test_small_files_stay_in_memory_large_ones_go_to_a_temp_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    small, exact, large = b"s" * 100, b"e" * 1000, os.urandom(1001)
    body = multipart_body([("small", ("s", small, None)), ("exact", ("e", exact, None)),
                           ("large", ("l", large, None))])
    form = dict(parse_form(body, MULTIPART, 1000))
    assert isinstance(form["small"].file, io.BytesIO)
    assert isinstance(form["exact"].file, io.BytesIO)
    disk = form["large"].file
    assert not isinstance(disk, io.BytesIO)
    assert os.readlink(f"/proc/self/fd/{disk.fileno()}").startswith(str(tmp_path))
    assert os.fstat(disk.fileno()).st_size == len(large)
    assert disk.tell() == 0
    assert disk.read() == large
    assert form["large"].size == len(large)
    run(tds.FormData(list(form.items())).close())
    assert disk.closed and form["small"].file.closed


def test_large_upload_round_trip_and_zero_spool():
    data = os.urandom(3 << 20)
    body = multipart_body([("f", ("big.bin", data, "application/octet-stream")), ("after", "x")])
    form = parse_form(body, MULTIPART)
    assert form[0][1].file.read() == data
    assert form[1] == ("after", "x")
    # spool_max_bytes=0: every non-empty file on disk.
    form = parse_form(multipart_body([("f", ("a", b"x", None)), ("g", ("b", b"", None))]), MULTIPART, 0)
    assert not isinstance(form[0][1].file, io.BytesIO)
    assert isinstance(form[1][1].file, io.BytesIO)


def test_parses_in_threads():
    data = [os.urandom(200_000 + i) for i in range(8)]
    errors = []

    def work(i):
        try:
            for _ in range(5):
                form = parse_form(multipart_body([("f", ("x", data[i], None)), ("n", str(i))]), MULTIPART,
                                  100_000)
                assert form[0][1].file.read() == data[i] and form[1] == ("n", str(i))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ----------------------------------------------------------------------------- UploadFile, FormData


def test_upload_file_async_api_as_starlette():
    async def go(module):
        upload = module.UploadFile(io.BytesIO(), size=0, filename="f.txt",
                                   headers=module.Headers(raw=[(b"content-type", b"text/plain")]))
        await upload.write(b"hello ")
        await upload.write(b"world")
        await upload.seek(0)
        first = await upload.read(5)
        rest = await upload.read()
        await upload.seek(0)
        sync = upload.file.read()
        await upload.close()
        return first, rest, sync, upload.size, upload.filename, upload.content_type, upload.file.closed

    assert run(go(tds)) == run(go(sds)) == (b"hello", b" world", b"hello world", 11, "f.txt", "text/plain",
                                            True)
    assert tds.UploadFile(io.BytesIO()).content_type is None


def test_form_data_multi_dict():
    upload = tds.UploadFile(io.BytesIO(b"x"), filename="a")
    items = [("a", "1"), ("b", "2"), ("a", "3"), ("f", upload)]
    ours_, theirs = tds.FormData(items), sds.FormData([(k, v) for k, v in items])
    for form in (ours_, theirs):
        assert form["a"] == "3"
        assert form.getlist("a") == ["1", "3"]
        assert form.getlist("missing") == []
        assert list(form.keys()) == ["a", "b", "f"]
        assert list(form.items())[0] == ("a", "3")
        assert form.multi_items() == items
        assert len(form) == 3 and "b" in form and "z" not in form
        assert form.get("z", "d") == "d"
    assert tds.FormData(items) == tds.FormData(list(reversed(items)))
    assert repr(tds.FormData([("a", "1")])) == "FormData([('a', '1')])"
    assert tds.FormData({"k": "v"}, x="y").multi_items() == [("k", "v"), ("x", "y")]
    run(ours_.close())
    assert upload.file.closed


def test_multidict_mutation_as_starlette():
    for module in (tds, sds):
        d = module.MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
        d["a"] = "x"
        d.append("c", "4")
        d.setlist("b", ["5", "6"])
        d.update({"c": "7"})
        assert d.multi_items() == [("a", "x"), ("b", "5"), ("b", "6"), ("c", "7")]
        assert d.poplist("b") == ["5", "6"]
        assert d.setdefault("z", "0") == "0"
        del d["a"]
        assert d.multi_items() == [("c", "7"), ("z", "0")]


# -------------------------------------------------------------------- Headers, QueryParams, URL


RAW = [(b"content-type", b"text/html"), (b"x-multi", b"1"), (b"x-multi", b"2"), (b"host", b"example.com")]


def test_headers_as_starlette():
    for h in (tds.Headers(raw=list(RAW)), sds.Headers(raw=list(RAW))):
        assert h["Content-Type"] == "text/html"
        assert h["X-MULTI"] == "1"
        assert h.getlist("x-multi") == ["1", "2"]
        assert h.get("missing") is None and h.get("missing", "d") == "d"
        assert "HOST" in h and "nope" not in h
        assert h.keys() == ["content-type", "x-multi", "x-multi", "host"]
        assert h.items()[1] == ("x-multi", "1")
        assert len(h) == 4
        assert h.raw == RAW
        with pytest.raises(KeyError):
            h["nope"]
    assert tds.Headers({"X-A": "b"}).raw == sds.Headers({"X-A": "b"}).raw
    assert tds.Headers(raw=list(RAW)) == tds.Headers(raw=list(reversed(RAW)))
    scope = {"headers": ((b"a", b"1"),)}
    assert tds.Headers(scope=scope)["a"] == "1" and scope["headers"] == [(b"a", b"1")]
    assert repr(tds.Headers(raw=[(b"a", b"1")])) == repr(sds.Headers(raw=[(b"a", b"1")]))


def test_mutable_headers_as_starlette():
    for module in (tds, sds):
        h = module.MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
        h["A"] = "x"
        h.append("c", "4")
        assert h.setdefault("c", "9") == "4"
        h.add_vary_header("Accept")
        h.add_vary_header("Cookie")
        del h["b"]
        assert h.raw == [(b"a", b"x"), (b"c", b"4"), (b"vary", b"Accept, Cookie")], module


@pytest.mark.parametrize("qs", [b"", b"a=1&b=2&a=3", b"x=%41+b&empty=&flag", "q=%E2%9C%93&q=2", b"a=%zz"])
def test_query_params_as_starlette(qs):
    ours_, theirs = tds.QueryParams(qs), sds.QueryParams(qs)
    assert ours_.multi_items() == theirs.multi_items()
    assert str(ours_) == str(theirs)
    assert repr(ours_) == repr(theirs)
    assert dict(ours_) == dict(theirs)


def test_query_params_other_inputs():
    assert tds.QueryParams({"a": 1}).multi_items() == [("a", "1")]
    assert tds.QueryParams([("a", "1"), ("a", "2")]).getlist("a") == ["1", "2"]
    assert tds.QueryParams("a=1", b="2").multi_items() == [("a", "1"), ("b", "2")]
    # Raw UTF-8 in a query string is text, like the dispatcher's query parameters (Starlette: Latin-1).
    assert tds.QueryParams("q=é".encode())["q"] == "é"


def test_address():
    a = tds.Address("127.0.0.1", 8000)
    assert a.host == "127.0.0.1" and a.port == 8000 and tuple(a) == ("127.0.0.1", 8000)


@pytest.mark.parametrize("url", ["http://user:pw@example.com:8080/p/a?q=1&r=2#frag", "https://example.com/",
                                 "/relative?x=y", ""])
def test_url_as_starlette(url):
    ours_, theirs = tds.URL(url), sds.URL(url)
    for attr in ("scheme", "netloc", "path", "query", "fragment", "username", "password", "hostname", "port",
                 "is_secure"):
        assert getattr(ours_, attr) == getattr(theirs, attr), attr
    assert str(ours_) == str(theirs) and repr(ours_) == repr(theirs)
    assert ours_ == url


def test_url_replace_and_query_helpers():
    u = tds.URL("http://example.com:8080/p?a=1&b=2")
    s = sds.URL("http://example.com:8080/p?a=1&b=2")
    for call in (lambda x: x.replace(path="/q"), lambda x: x.replace(port=9000), lambda x: x.replace(hostname="h"),
                 lambda x: x.replace(scheme="https", query=""), lambda x: x.include_query_params(c=3, a=9),
                 lambda x: x.replace_query_params(z=1), lambda x: x.remove_query_params("a"),
                 lambda x: x.remove_query_params(["a", "b"]), lambda x: x.replace(username="u", password="p")):
        assert str(call(u)) == str(call(s))


def test_url_from_scope_as_starlette():
    scopes = [
        {"scheme": "http", "server": ("testserver", 80), "path": "/p", "query_string": b"a=1",
         "headers": [(b"host", b"example.com:8000")]},
        {"scheme": "https", "server": ("10.0.0.1", 443), "path": "/p", "query_string": b"", "headers": []},
        {"scheme": "http", "server": ("10.0.0.1", 8080), "path": "/x", "root_path": "/api", "query_string": b"",
         "headers": []},
        {"path": "/only", "query_string": b"q", "headers": []},
        {"scheme": "http", "server": ("10.0.0.1", 80), "path": "/p", "query_string": b"",
         "headers": [(b"host", b"evil.com/admin?")]},
        {"scheme": "http", "server": ("s", 81), "path": "/p", "query_string": b"", "headers": [(b"host", b"[::1]:8")]},
    ]
    for scope in scopes:
        assert str(tds.URL(scope=scope)) == str(sds.URL(scope=scope))
    assert str(tds.URL(scheme="https", netloc="h", path="/p", query="a=1")) == "https://h/p?a=1"
    assert str(tds.URL(scheme="https", hostname="h", port=8443, path="/p")) == str(
        sds.URL(scheme="https", hostname="h", port=8443, path="/p"))
