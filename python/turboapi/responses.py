"""Response classes, as in FastAPI/Starlette.

A handler may return one of these instead of a plain value. The worker reads ``status_code``,
``body`` (bytes) and ``raw_headers`` (a list of ``(name, value)`` str pairs with lower-case names);
the server adds ``content-length``, ``date`` and ``server`` itself.
"""

import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple
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

    def __iter__(self) -> Iterator[str]:
        return iter(n for n, _ in self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"Headers({self._raw!r})"


class Response:
    media_type: Optional[str] = None
    charset = "utf-8"

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

    def set_cookie(self, key: str, value: str = "", max_age: Optional[int] = None, expires: Optional[int] = None,
                   path: str = "/", domain: Optional[str] = None, secure: bool = False, httponly: bool = False,
                   samesite: Optional[str] = "lax") -> None:
        from http.cookies import SimpleCookie

        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            morsel["samesite"] = samesite
        self.raw_headers.append(("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(self, key: str, path: str = "/", domain: Optional[str] = None, secure: bool = False,
                      httponly: bool = False, samesite: Optional[str] = "lax") -> None:
        self.set_cookie(key, max_age=0, expires=0, path=path, domain=domain, secure=secure, httponly=httponly,
                        samesite=samesite)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class RedirectResponse(Response):
    def __init__(self, url: str, status_code: int = 307, headers: Optional[Mapping[str, str]] = None,
                 background: Any = None) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


__all__ = ["Response", "JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse", "Headers"]
