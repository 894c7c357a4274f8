"""``Request``: the incoming request as a handler sees it (Starlette's API), built lazily from the
worker's ``RequestData``: nothing is converted until it is read."""

import json
from http import cookies as _http_cookies
from typing import Any, Dict, List, Optional

from .datastructures import _parse_qsl  # noqa: F401 - the C++ parser when built
from .datastructures import URL, Address, FormData, Headers, ImmutableMultiDict, QueryParams, UploadFile

__all__ = ["Request", "HTTPConnection", "State", "Headers", "QueryParams", "URL", "Address", "FormData",
           "UploadFile", "ImmutableMultiDict", "cookie_parser"]

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
                 "_url", "_path_params", "_scope", "__dict__")

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
        self._scope: Optional[_Scope] = None

    @property
    def scope(self) -> Dict[str, Any]:
        """A little of the ASGI scope (type, method, path, query_string, headers, client, app...)."""
        if self._scope is None:
            self._scope = _Scope(self)
        return self._scope

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
            self._headers = Headers(raw=self._data.headers)  # (bytes, bytes) pairs, names lower-case
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if self._query is None or self._query.__class__ is _QueryLookup:
            self._query = QueryParams(self._query_lookup()._pairs)
        return self._query

    def _query_lookup(self) -> Any:
        """The query as the parameter resolver reads it (get / getlist), parsed once, without building
        a full QueryParams."""
        q = self._query
        if q is None:
            q = self._query = _QueryLookup(_parse_qsl(self._data.query_string))
        return q

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
            self._url = URL(scope=self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        sc = self.scope
        scope = {"scheme": sc["scheme"], "headers": sc["headers"], "server": sc["server"]}
        scope["path"] = "/"
        scope["query_string"] = b""
        scope["root_path"] = ""
        return URL(scope=scope)

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = State()
        return self._state

    @property
    def http_version(self) -> str:
        return getattr(self._data, "http_version", "1.1")

    def url_for(self, __name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route named ``__name`` with its path parameters filled in."""
        import re  # noqa: PLC0415

        for route in getattr(self._app, "routes", []):
            if getattr(route, "name", None) != __name:
                continue
            names = set(re.findall(r"{([^}:]+)(?::[^}]*)?}", route.path))
            if names != set(path_params):
                continue
            path = re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: str(path_params[m.group(1)]), route.path)
            return URL(str(self.base_url).rstrip("/") + path)
        raise LookupError(f'No route exists for name "{__name}" and params "{", ".join(path_params)}".')

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


class _QueryLookup:
    __slots__ = ("_pairs", "_dict")

    def __init__(self, pairs: List[Any]) -> None:
        self._pairs = pairs
        self._dict: Optional[Dict[str, str]] = None

    def get(self, key: str, default: Any = None) -> Any:
        d = self._dict
        if d is None:
            d = self._dict = dict(self._pairs)
        return d.get(key, default)

    def getlist(self, key: str) -> List[str]:
        return [v for k, v in self._pairs if k == key]


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
        elif key == "server":
            value = None
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
    from . import _native  # noqa: PLC0415

    try:
        items = _native.parse_form(body, content_type, 1024 * 1024, allow_truncated=True)
    except TypeError:  # a parser built before allow_truncated
        items = _native.parse_form(body, content_type, 1024 * 1024)
    return FormData(items)
