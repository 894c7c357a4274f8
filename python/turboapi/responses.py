"""Response classes, as in FastAPI/Starlette.

A handler may return one of these instead of a plain value. The worker reads ``status_code``,
``body`` (bytes) and ``raw_headers`` (a list of ``(name, value)`` str pairs with lower-case names);
the server adds ``content-length``, ``date`` and ``server`` itself.
"""

import hashlib
import http.cookies
import json
import os
import stat
from datetime import datetime
from email.utils import format_datetime, formatdate
from mimetypes import guess_type
from typing import Any, AsyncIterable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote


class Headers(Mapping[str, str]):
    """A case-insensitive view of a response's headers that can also be set (``response.headers["x"] = "1"``)."""

    def __init__(self, raw: List[Tuple[str, str]]) -> None:
        self._raw = raw

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for name, value in self._raw:
            if name == key:
                return value
        raise KeyError(key)

    def __setitem__(self, key: str, value: str) -> None:
        key = key.lower()
        self._raw[:] = [(n, v) for n, v in self._raw if n != key]
        self._raw.append((key, str(value)))

    def __delitem__(self, key: str) -> None:
        key = key.lower()
        self._raw[:] = [(n, v) for n, v in self._raw if n != key]

    def append(self, key: str, value: str) -> None:
        self._raw.append((key.lower(), str(value)))

    def setdefault(self, key: str, value: str) -> str:
        key = key.lower()
        for name, v in self._raw:
            if name == key:
                return v
        self._raw.append((key, str(value)))
        return str(value)

    def getlist(self, key: str) -> List[str]:
        key = key.lower()
        return [v for n, v in self._raw if n == key]

    def update(self, other: Mapping[str, str]) -> None:  # type: ignore[override]
        for k, v in other.items():
            self[k] = v

    @property
    def raw(self) -> List[Tuple[str, str]]:
        return self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(n for n, _ in self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"Headers({self._raw!r})"


class Response:
    media_type: Optional[str] = None
    charset = "utf-8"
    # Read by the worker when the app has native middleware (docs/design/app-contract.md): set on an
    # instance that came through a Python middleware's call_next (Starlette streams it), and on the
    # answer of the app's 500/Exception handler (sent outside every middleware).
    _turbo_streamed = False
    _turbo_server_error = False
    # A streamed body whose content-length is below this goes out as one body message in Starlette
    # (FileResponse: one read of chunk_size), which GZip treats as a whole body.
    _turbo_single_message_below = 0

    def __init__(self, content: Any = None, status_code: int = 200, headers: Optional[Mapping[str, str]] = None,
                 media_type: Optional[str] = None, background: Any = None) -> None:
        if not isinstance(status_code, int) or not 100 <= status_code <= 999:
            raise ValueError(f"status_code must be an int from 100 to 999, got {status_code!r}")
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content)
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(f"{type(self).__name__} content must be str or bytes, not {type(content).__name__}")

    def init_headers(self, headers: Optional[Mapping[str, str]]) -> None:
        raw: List[Tuple[str, str]] = []
        if headers:
            raw = [(str(k).lower(), str(v)) for k, v in headers.items()]
        names = {n for n, _ in raw}
        if self.media_type is not None and "content-type" not in names:
            content_type = self.media_type
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += "; charset=" + self.charset
            raw.append(("content-type", content_type))
        self.raw_headers = raw

    @property
    def headers(self) -> Headers:
        return Headers(self.raw_headers)

    def set_cookie(self, key: str, value: str = "", max_age: Optional[int] = None,
                   expires: Optional[Union[datetime, str, int]] = None, path: str = "/",
                   domain: Optional[str] = None, secure: bool = False, httponly: bool = False,
                   samesite: Optional[str] = "lax") -> None:
        """Adds a ``set-cookie`` header rendered exactly as Starlette renders it."""
        cookie: "http.cookies.BaseCookie[str]" = http.cookies.SimpleCookie()
        cookie[key] = value
        if max_age is not None:
            cookie[key]["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                cookie[key]["expires"] = format_datetime(expires, usegmt=True)
            else:
                cookie[key]["expires"] = expires
        if path is not None:
            cookie[key]["path"] = path
        if domain is not None:
            cookie[key]["domain"] = domain
        if secure:
            cookie[key]["secure"] = True
        if httponly:
            cookie[key]["httponly"] = True
        if samesite is not None:
            assert samesite.lower() in ["strict", "lax", "none"], "samesite must be either 'strict', 'lax' or 'none'"
            cookie[key]["samesite"] = samesite
        self.raw_headers.append(("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(self, key: str, path: str = "/", domain: Optional[str] = None, secure: bool = False,
                      httponly: bool = False, samesite: Optional[str] = "lax") -> None:
        self.set_cookie(key, max_age=0, expires=0, path=path, domain=domain, secure=secure, httponly=httponly,
                        samesite=samesite)


class JSONResponse(Response):
    """``json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))``, done by the
    worker's C++ serializer when it is loaded (same bytes)."""

    media_type = "application/json"

    def __init__(self, content: Any = None, status_code: int = 200, headers: Optional[Mapping[str, str]] = None,
                 media_type: Optional[str] = None, background: Any = None) -> None:
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        if _dumps is not None:
            return _dumps(content)
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")


try:
    from ._native import dumps as _dumps
except Exception:  # noqa: BLE001 - the pure-Python fallback (not built yet)
    _dumps = None


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class RedirectResponse(Response):
    def __init__(self, url: str, status_code: int = 307, headers: Optional[Mapping[str, str]] = None,
                 background: Any = None) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


class StreamingResponse(Response):
    """A body produced by ``content``, a sync or async iterator of ``bytes``/``str``: the worker sends
    it chunked as it comes (or with the ``content-length`` the response sets)."""

    body_iterator: Union[Iterable[Any], AsyncIterable[Any]]

    def __init__(self, content: Any, status_code: int = 200, headers: Optional[Mapping[str, str]] = None,
                 media_type: Optional[str] = None, background: Any = None) -> None:
        if isinstance(content, (str, bytes)):
            content = iter([content])
        elif not hasattr(content, "__aiter__") and not hasattr(content, "__next__"):
            content = iter(content)
        self.body_iterator = content
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = b""
        self.init_headers(headers)


class FileResponse(Response):
    """A file, read in chunks of 64 KiB as it is sent; ``content-type`` guessed from the name,
    ``content-length``, ``last-modified`` and ``etag`` as Starlette sets them, ``filename`` ->
    ``content-disposition``."""

    chunk_size = 64 * 1024
    _turbo_single_message_below = chunk_size

    def __init__(self, path: Union[str, "os.PathLike[str]"], status_code: int = 200,
                 headers: Optional[Mapping[str, str]] = None, media_type: Optional[str] = None,
                 background: Any = None, filename: Optional[str] = None, stat_result: Optional[os.stat_result] = None,
                 method: Optional[str] = None, content_disposition_type: str = "attachment") -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.send_header_only = method is not None and method.upper() == "HEAD"
        if media_type is None:
            media_type = guess_type(filename or str(path))[0] or "text/plain"
        self.media_type = media_type
        self.background = background
        self.body = b""
        self.init_headers(headers)
        if self.filename is not None:
            quoted = quote(self.filename)
            if quoted != self.filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{self.filename}"'
            self.headers.setdefault("content-disposition", disposition)
        if stat_result is None:
            try:
                stat_result = os.stat(path)
            except FileNotFoundError:
                raise RuntimeError(f"File at path {path} does not exist.") from None
            if not stat.S_ISREG(stat_result.st_mode):
                raise RuntimeError(f"File at path {path} is not a file.")
        self.stat_result = stat_result
        self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        content_length = str(stat_result.st_size)
        last_modified = formatdate(stat_result.st_mtime, usegmt=True)
        etag_base = str(stat_result.st_mtime) + "-" + str(stat_result.st_size)
        etag = hashlib.md5(etag_base.encode(), usedforsecurity=False).hexdigest()
        self.headers.setdefault("content-length", content_length)
        self.headers.setdefault("last-modified", last_modified)
        self.headers.setdefault("etag", etag)

    @property
    def body_iterator(self) -> Iterator[bytes]:  # type: ignore[override]
        return self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        if self.send_header_only:
            return
        with open(self.path, "rb") as f:
            while True:
                chunk = f.read(self.chunk_size)
                if not chunk:
                    break
                yield chunk


__all__ = ["Response", "JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse", "StreamingResponse",
           "FileResponse", "Headers"]
