"""``Request``: the incoming request as a handler sees it (Starlette's API), built lazily from the
worker's ``RequestData``: nothing is converted until it is read."""

import json
from collections import namedtuple
from http import cookies as _http_cookies
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

Address = namedtuple("Address", ["host", "port"])


class ImmutableMultiDict(Mapping[str, Any]):
    """A mapping where a key may have several values: ``d[key]`` is the last, ``getlist(key)`` all."""

    __slots__ = ("_list", "_dict")

    def __init__(self, items: Any = ()) -> None:
        if isinstance(items, ImmutableMultiDict):
            pairs = list(items.multi_items())
        elif isinstance(items, Mapping):
            pairs = list(items.items())
        else:
            pairs = list(items)
        self._list: List[Tuple[str, Any]] = pairs
        self._dict: Dict[str, Any] = dict(pairs)

    def getlist(self, key: str) -> List[Any]:
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> List[Tuple[str, Any]]:
        return list(self._list)

    def keys(self):  # type: ignore[override]
        return self._dict.keys()

    def values(self):  # type: ignore[override]
        return self._dict.values()

    def items(self):  # type: ignore[override]
        return self._dict.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._dict.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, type(self)):
            return False
        return sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class QueryParams(ImmutableMultiDict):
    """The query string's parameters (Starlette's parsing: latin-1, ``parse_qsl`` keeping blanks)."""

    __slots__ = ()

    def __init__(self, items: Any = ()) -> None:
        if isinstance(items, (bytes, str)):
            text = items.decode("latin-1") if isinstance(items, bytes) else items
            items = parse_qsl(text, keep_blank_values=True)
        super().__init__(items)

    def __str__(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self._list)


class Headers(Mapping[str, str]):
    """The request's headers: case-insensitive, several values per name (``getlist``); ``h[name]``
    is the first value, as in Starlette. Values are decoded as latin-1."""

    __slots__ = ("_raw", "_first")

    def __init__(self, headers: Optional[Mapping[str, str]] = None, raw: Optional[List[Tuple[bytes, bytes]]] = None,
                 ) -> None:
        if raw is not None:
            self._raw = [(k.decode("latin-1").lower() if isinstance(k, bytes) else k.lower(),
                          v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in raw]
        elif headers is not None:
            self._raw = [(k.lower(), v) for k, v in headers.items()]
        else:
            self._raw = []
        self._first: Optional[Dict[str, str]] = None

    @property
    def raw(self) -> List[Tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self._raw]

    def _index(self) -> Dict[str, str]:
        if self._first is None:
            d: Dict[str, str] = {}
            for k, v in self._raw:
                d.setdefault(k, v)
            self._first = d
        return self._first

    def getlist(self, key: str) -> List[str]:
        key = key.lower()
        return [v for k, v in self._raw if k == key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._index().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return self._index()[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())

    def keys(self):  # type: ignore[override]
        return [k for k, _ in self._raw]

    def values(self):  # type: ignore[override]
        return [v for _, v in self._raw]

    def items(self):  # type: ignore[override]
        return list(self._raw)

    def mutablecopy(self) -> "Headers":
        h = Headers()
        h._raw = list(self._raw)
        return h

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Headers) and sorted(self._raw) == sorted(other._raw)

    def __repr__(self) -> str:
        return f"Headers({self._raw!r})"


def cookie_parser(cookie_string: str) -> Dict[str, str]:
    """Starlette's reading of a ``Cookie`` header (lenient, as browsers send them)."""
    cookie_dict: Dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        if "=" in chunk:
            key, val = chunk.split("=", 1)
        else:
            key, val = "", chunk
        key, val = key.strip(), val.strip()
        if key or val:
            cookie_dict[key] = _http_cookies._unquote(val)  # type: ignore[attr-defined]
    return cookie_dict


class URL:
    """The request URL: ``scheme``, ``netloc``, ``hostname``, ``port``, ``path``, ``query``, ``str()``."""

    def __init__(self, url: str = "") -> None:
        self._url = url
        self._parts = urlsplit(url)

    scheme = property(lambda self: self._parts.scheme)
    netloc = property(lambda self: self._parts.netloc)
    path = property(lambda self: self._parts.path)
    query = property(lambda self: self._parts.query)
    fragment = property(lambda self: self._parts.fragment)
    hostname = property(lambda self: self._parts.hostname)
    port = property(lambda self: self._parts.port)
    username = property(lambda self: self._parts.username)
    password = property(lambda self: self._parts.password)

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> "URL":
        if "hostname" in kwargs or "port" in kwargs:
            host = kwargs.pop("hostname", self.hostname) or ""
            port = kwargs.pop("port", self.port)
            kwargs["netloc"] = f"{host}:{port}" if port else host
        return URL(self._parts._replace(**kwargs).geturl())

    def include_query_params(self, **kwargs: Any) -> "URL":
        params = QueryParams(self.query)
        d = dict(params.multi_items())
        d.update({str(k): str(v) for k, v in kwargs.items()})
        from urllib.parse import urlencode

        return self.replace(query=urlencode(d))

    def __eq__(self, other: Any) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"


class State:
    """``request.state`` / ``app.state``: an object to hang attributes on."""

    def __init__(self, state: Optional[Dict[str, Any]] = None) -> None:
        super().__setattr__("_state", dict(state or {}))

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'") from None

    def __delattr__(self, key: str) -> None:
        del self._state[key]


_MISSING = object()


class Request:
    """One HTTP request, read lazily from the worker's ``RequestData`` (any object with its attributes:
    method, path, raw_path, query_string, headers, body, client, http_version, path_params)."""

    __slots__ = ("_data", "_app", "_headers", "_query", "_cookies", "_body", "_json", "_form", "_state",
                 "_url", "_path_params", "scope", "__dict__")

    def __init__(self, data: Any, app: Any = None) -> None:
        self._data = data
        self._app = app
        self._headers: Optional[Headers] = None
        self._query: Optional[QueryParams] = None
        self._cookies: Optional[Dict[str, str]] = None
        self._body: Any = _MISSING
        self._json: Any = _MISSING
        self._form: Any = None
        self._state: Optional[State] = None
        self._url: Optional[URL] = None
        self._path_params: Optional[Dict[str, Any]] = None
        self.scope = _Scope(self)

    # -- request line ------------------------------------------------------------------------------
    @property
    def method(self) -> str:
        return self._data.method

    @property
    def app(self) -> Any:
        return self._app

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(raw=self._data.headers)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self._data.query_string)
        return self._query

    @property
    def path_params(self) -> Dict[str, Any]:
        if self._path_params is None:
            self._path_params = dict(self._data.path_params)
        return self._path_params

    @property
    def cookies(self) -> Dict[str, str]:
        if self._cookies is None:
            value = self.headers.get("cookie")
            self._cookies = cookie_parser(value) if value is not None else {}
        return self._cookies

    @property
    def client(self) -> Optional[Address]:
        c = self._data.client
        return Address(c[0], c[1]) if c else None

    @property
    def url(self) -> URL:
        if self._url is None:
            raw_path = self._data.raw_path
            if isinstance(raw_path, bytes):
                raw_path = raw_path.decode("latin-1")
            qs = self._data.query_string
            if isinstance(qs, bytes):
                qs = qs.decode("latin-1")
            url = f"{str(self.base_url).rstrip('/')}{raw_path}"
            if qs:
                url += "?" + qs
            self._url = URL(url)
        return self._url

    @property
    def base_url(self) -> URL:
        host = self.headers.get("host") or "testserver"
        return URL(f"http://{host}/")

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = State()
        return self._state

    @property
    def http_version(self) -> str:
        return getattr(self._data, "http_version", "1.1")

    def url_for(self, name: str, **path_params: Any) -> str:
        app = self._app
        for route in getattr(app, "routes", []):
            if getattr(route, "name", None) == name:
                path = route.path
                for k, v in path_params.items():
                    path = path.replace("{" + k + "}", str(v)).replace("{" + k + ":path}", str(v))
                return str(self.base_url).rstrip("/") + path
        raise LookupError(f"no route named {name!r}")

    # -- body ----------------------------------------------------------------------------------------
    def _body_bytes(self) -> bytes:
        if self._body is _MISSING:
            self._body = self._data.body
        return self._body

    async def body(self) -> bytes:
        return self._body_bytes()

    async def stream(self):
        body = self._body_bytes()
        if body:
            yield body
        yield b""

    async def json(self) -> Any:
        if self._json is _MISSING:
            self._json = json.loads(self._body_bytes())
        return self._json

    def _form_sync(self) -> Any:
        if self._form is None:
            self._form = parse_form(self._body_bytes(), self.headers.get("content-type") or "")
        return self._form

    async def form(self) -> Any:
        return self._form_sync()

    async def close(self) -> None:
        form = self._form
        if form is not None and hasattr(form, "close"):
            r = form.close()
            if hasattr(r, "__await__"):
                await r

    async def is_disconnected(self) -> bool:
        return False

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __repr__(self) -> str:
        return f"<Request {self.method} {self._data.path}>"


HTTPConnection = Request


class _Scope(dict):
    """A little of the ASGI scope, computed on first read (``request.scope["path"]``...)."""

    def __init__(self, request: Request) -> None:
        super().__init__()
        self._request = request

    def __missing__(self, key: str) -> Any:
        r = self._request
        d = r._data
        value: Any
        if key == "type":
            value = "http"
        elif key == "method":
            value = d.method
        elif key == "path":
            value = d.path
        elif key == "raw_path":
            value = d.raw_path
        elif key == "query_string":
            value = d.query_string
        elif key == "headers":
            value = list(d.headers)
        elif key == "client":
            value = d.client
        elif key == "path_params":
            value = r.path_params
        elif key == "app":
            value = r.app
        elif key == "http_version":
            value = r.http_version
        elif key == "scheme":
            value = "http"
        elif key == "root_path":
            value = ""
        elif key == "state":
            value = r.state._state
        else:
            raise KeyError(key)
        self[key] = value
        return value

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default


def parse_form(body: bytes, content_type: str) -> Any:
    """A form body as ``FormData`` (the C++ parser when built, else urlencoded bodies in Python)."""
    items: List[Tuple[str, Any]]
    try:
        from . import _native  # noqa: PLC0415

        parse = getattr(_native, "parse_form")
    except (ImportError, AttributeError):
        parse = None
    if parse is not None:
        items = list(parse(body, content_type, 1024 * 1024))
    elif content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded" or not content_type:
        items = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    else:
        raise RuntimeError("multipart forms need turboapi._native.parse_form")
    try:
        from .datastructures import FormData  # noqa: PLC0415

        return FormData(items)
    except ImportError:
        return FormData_(items)


class FormData_(ImmutableMultiDict):
    """A parsed form, until ``turboapi.datastructures.FormData`` exists."""

    __slots__ = ()

    async def close(self) -> None:
        for _, v in self._list:
            close = getattr(v, "close", None)
            if close is not None:
                r = close()
                if hasattr(r, "__await__"):
                    await r
