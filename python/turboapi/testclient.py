"""``TestClient``: drive an app in-process, through the same C++ routing, validation and JSON
serialization the server runs (``turboapi._native``, the worker's dispatcher built as an extension).

    from turboapi.testclient import TestClient

    client = TestClient(app)
    r = client.get("/items/42", params={"q": "x"})
    assert r.status_code == 200 and r.json() == {"item_id": 42, "q": "x"}

``with TestClient(app) as client:`` runs the app's startup and shutdown handlers (as Starlette's
TestClient does). Unhandled exceptions in handlers are raised in the test unless
``raise_server_exceptions=False`` (then the response is the server's 500).
"""

import inspect
import json as _json
import mimetypes
import os
import uuid
import zlib
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlencode, urljoin, urlsplit

from . import _native
from ._internal import worker_loop

__all__ = ["TestClient", "TestResponse"]

_REDIRECTS = {301, 302, 303, 307, 308}


class _ResponseHeaders(Mapping[str, str]):
    """Case-insensitive, multi-valued response headers (``get_list`` / ``getlist`` for all values)."""

    def __init__(self, raw: List[Tuple[str, str]]) -> None:
        self.raw = [(k.lower(), v) for k, v in raw]

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        values = [v for k, v in self.raw if k == key]
        if not values:
            raise KeyError(key)
        return ", ".join(values) if key != "set-cookie" else values[0]

    def get_list(self, key: str) -> List[str]:
        key = key.lower()
        return [v for k, v in self.raw if k == key]

    getlist = get_list

    def __iter__(self) -> Iterator[str]:
        seen = []
        for k, _ in self.raw:
            if k not in seen:
                seen.append(k)
        return iter(seen)

    def __len__(self) -> int:
        return len(set(k for k, _ in self.raw))

    def __repr__(self) -> str:
        return f"Headers({self.raw!r})"


def _decode_content(content: bytes, encoding: Optional[str]) -> bytes:
    """As httpx: a gzip or deflate body is decoded (the content-encoding header stays)."""
    if not content or not encoding:
        return content
    for coding in reversed([c.strip().lower() for c in encoding.split(",")]):
        if coding == "gzip":
            content = zlib.decompress(content, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            try:
                content = zlib.decompress(content)
            except zlib.error:
                content = zlib.decompress(content, -zlib.MAX_WBITS)
        elif coding not in ("identity", ""):
            break
    return content


class TestResponse:
    """What a request through the TestClient answered (the parts of httpx.Response tests use)."""

    __test__ = False  # not a pytest test class

    def __init__(self, method: str, url: str, status_code: int, headers: List[Tuple[str, str]],
                 content: bytes, history: Optional[List["TestResponse"]] = None) -> None:
        self.request_method = method
        self.url = url
        self.status_code = status_code
        self.headers = _ResponseHeaders(headers)
        self.content = _decode_content(content, self.headers.get("content-encoding"))
        self.history = history or []

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def encoding(self) -> str:
        ctype = self.headers.get("content-type", "")
        for piece in ctype.split(";")[1:]:
            name, _, value = piece.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        return _json.loads(self.content)

    @property
    def cookies(self) -> Dict[str, str]:
        jar: Dict[str, str] = {}
        for header in self.headers.get_list("set-cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for key, morsel in parsed.items():
                jar[key] = morsel.value
        return jar

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        return self.status_code in _REDIRECTS and "location" in self.headers

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise AssertionError(f"{self.status_code} {self.reason_phrase} for {self.request_method} {self.url}")

    def iter_bytes(self) -> Iterator[bytes]:
        yield self.content

    def __repr__(self) -> str:
        return f"<TestResponse [{self.status_code}]>"


FileSpec = Union[bytes, str, Any, Tuple[str, Any], Tuple[str, Any, str]]


def _encode_multipart(data: Mapping[str, Any], files: Mapping[str, FileSpec]) -> Tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()

    def part(disposition: str, content: bytes, content_type: Optional[str]) -> None:
        out.extend(f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n".encode())
        if content_type:
            out.extend(f"Content-Type: {content_type}\r\n".encode())
        out.extend(b"\r\n")
        out.extend(content)
        out.extend(b"\r\n")

    for name, value in data.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            part(f'name="{name}"', str(v).encode() if not isinstance(v, bytes) else v, None)
    items = files.items() if isinstance(files, Mapping) else files
    for name, spec in items:
        filename, content, ctype = name, spec, None
        if isinstance(spec, tuple):
            filename, content = spec[0], spec[1]
            ctype = spec[2] if len(spec) > 2 else None
        elif hasattr(spec, "read"):
            filename = os.path.basename(getattr(spec, "name", name) or name)
        if hasattr(content, "read"):
            content = content.read()
        if isinstance(content, str):
            content = content.encode()
        if ctype is None:
            ctype = (mimetypes.guess_type(filename)[0] if filename else None) or "application/octet-stream"
        part(f'name="{name}"; filename="{filename}"', bytes(content), ctype)
    out.extend(f"--{boundary}--\r\n".encode())
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class TestClient:
    """An in-process client for a TurboAPI app (requests/httpx-style methods)."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: Any, base_url: str = "http://testserver", raise_server_exceptions: bool = True,
                 root_path: str = "", cookies: Optional[Mapping[str, str]] = None,
                 headers: Optional[Mapping[str, str]] = None, follow_redirects: bool = True) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.raise_server_exceptions = raise_server_exceptions
        self.follow_redirects = follow_redirects
        self.headers: Dict[str, str] = {"user-agent": "testclient", **dict(headers or {})}
        self.cookies: Dict[str, str] = dict(cookies or {})
        self._native = _native.App(app, raise_server_exceptions)
        self._started = False

    # -- lifecycle (``with TestClient(app) as client``) -------------------------------------------
    def __enter__(self) -> "TestClient":
        self._native.startup()
        self._started = True
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._started:
            self._started = False
            self._native.shutdown()

    # -- requests -----------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, params: Any = None, headers: Optional[Mapping[str, str]] = None,
                cookies: Optional[Mapping[str, str]] = None, content: Union[bytes, str, None] = None,
                data: Any = None, files: Any = None, json: Any = None, auth: Optional[Tuple[str, str]] = None,
                follow_redirects: Optional[bool] = None, allow_redirects: Optional[bool] = None,
                timeout: Any = None) -> TestResponse:
        method = method.upper()
        merged = {k.lower(): str(v) for k, v in self.headers.items()}
        merged.update({k.lower(): str(v) for k, v in (headers or {}).items()})
        body = b""
        if json is not None:
            body = _json.dumps(json).encode()
            merged.setdefault("content-type", "application/json")
        elif files:
            body, ctype = _encode_multipart(data or {}, files)
            merged["content-type"] = ctype
        elif isinstance(data, Mapping):
            body = urlencode(data, doseq=True).encode()
            merged.setdefault("content-type", "application/x-www-form-urlencoded")
        elif data is not None:
            body = data.encode() if isinstance(data, str) else bytes(data)
        elif content is not None:
            body = content.encode() if isinstance(content, str) else bytes(content)
        if auth is not None:
            import base64

            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            merged["authorization"] = f"Basic {token}"
        jar = dict(self.cookies)
        jar.update(cookies or {})
        if jar and "cookie" not in merged:
            merged["cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        follow = self.follow_redirects
        if follow_redirects is not None:
            follow = follow_redirects
        elif allow_redirects is not None:
            follow = allow_redirects
        history: List[TestResponse] = []
        response = self._send(method, url, params, merged, body)
        while follow and response.is_redirect and len(history) < 20:
            history.append(response)
            url = urljoin(response.url, response.headers["location"])
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, body = "GET", b""
                merged.pop("content-type", None)
            response = self._send(method, url, None, merged, body)
        response.history = history
        return response

    def _send(self, method: str, url: str, params: Any, headers: Dict[str, str], body: bytes) -> TestResponse:
        full = url if "://" in url else self.base_url + ("" if url.startswith("/") else "/") + url
        parts = urlsplit(full)
        query = parts.query
        if params:
            extra = urlencode(params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        headers = dict(headers)
        headers.setdefault("host", parts.netloc or "testserver")
        if body:
            headers["content-length"] = str(len(body))
        status, raw_headers, content, stream, background = self._native.handle(
            method, parts.path or "/", query, list(headers.items()), body, "testclient:50000")
        if stream is not None:
            content = self._drain(stream)
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            content = b""
        elif stream is None and not any(k == "content-length" for k, _ in raw_headers):
            raw_headers = raw_headers + [("content-length", str(len(content)))]
        if background is not None:
            result = background()
            if inspect.isawaitable(result):
                worker_loop().run_until_complete(result)
        response = TestResponse(method, full if not query else f"{full.split('?')[0]}?{query}", status,
                                raw_headers, content)
        for key, value in response.cookies.items():
            morsel_expired = any("max-age=0" in h.lower() for h in response.headers.get_list("set-cookie")
                                 if h.startswith(f"{key}="))
            if morsel_expired:
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value
        return response

    @staticmethod
    def _drain(stream: Any) -> bytes:
        chunks: List[bytes] = []

        def add(chunk: Any) -> None:
            chunks.append(chunk.encode() if isinstance(chunk, str) else bytes(chunk))

        if hasattr(stream, "__anext__"):
            async def collect() -> None:
                async for chunk in stream:
                    add(chunk)

            worker_loop().run_until_complete(collect())
        else:
            for chunk in stream:
                add(chunk)
        return b"".join(chunks)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", url, **kwargs)
