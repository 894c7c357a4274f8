"""Request-side data structures with Starlette 0.25's names and behaviour.

``UploadFile`` and ``FormData`` are what ``turboapi._native.parse_form`` produces; ``Headers``,
``QueryParams``, ``Address`` and ``URL`` are what a ``Request`` exposes. Code written against
``starlette.datastructures`` (and FastAPI, which re-exports these) works with them unchanged.
"""

from __future__ import annotations

import io
import re
import tempfile
import typing
from collections.abc import Mapping
from urllib.parse import SplitResult, urlencode, urlsplit

__all__ = [
    "Address",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "URL",
    "UploadFile",
]


class Address(typing.NamedTuple):
    host: str
    port: int


# ---------------------------------------------------------------------------------------- URL


class URL:
    """A URL string with its components parsed on first use (``scheme``, ``netloc``, ``path``, ...)."""

    __slots__ = ("_url", "_components")

    def __init__(self, url: str = "", scope: typing.Optional[typing.Mapping[str, typing.Any]] = None,
                 **components: typing.Any) -> None:
        if scope is not None:
            assert not url and not components, 'Cannot set "url" or "**components" with "scope".'
            url = _url_from_scope(scope)
        elif components:
            assert not url, 'Cannot set both "url" and "**components".'
            url = URL("").replace(**components)._url
        self._url = url
        self._components: typing.Optional[SplitResult] = None

    @property
    def components(self) -> SplitResult:
        if self._components is None:
            self._components = urlsplit(self._url)
        return self._components

    scheme = property(lambda self: self.components.scheme)
    netloc = property(lambda self: self.components.netloc)
    path = property(lambda self: self.components.path)
    query = property(lambda self: self.components.query)
    fragment = property(lambda self: self.components.fragment)
    username = property(lambda self: self.components.username)
    password = property(lambda self: self.components.password)
    hostname = property(lambda self: self.components.hostname)
    port = property(lambda self: self.components.port)

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: typing.Any) -> "URL":
        """A copy with some components replaced (``path=``, ``query=``, ``scheme=``, ``netloc=``...)."""
        if {"hostname", "port", "username", "password"} & kwargs.keys():
            kwargs["netloc"] = self._netloc_with(kwargs)
        return self.__class__(self.components._replace(**kwargs).geturl())

    def _netloc_with(self, kwargs: typing.Dict[str, typing.Any]) -> str:
        hostname = kwargs.pop("hostname", None)
        port = kwargs.pop("port", self.port)
        username = kwargs.pop("username", self.username)
        password = kwargs.pop("password", self.password)
        if hostname is None:
            hostname = self.netloc.rpartition("@")[2]
            if hostname and hostname[-1] != "]":
                hostname = hostname.rsplit(":", 1)[0]
        netloc = hostname if port is None else f"{hostname}:{port}"
        if username is not None:
            userinfo = username if password is None else f"{username}:{password}"
            netloc = f"{userinfo}@{netloc}"
        return netloc

    def include_query_params(self, **kwargs: typing.Any) -> "URL":
        params = MultiDict(QueryParams(self.query).multi_items())
        params.update({str(k): str(v) for k, v in kwargs.items()})
        return self.replace(query=urlencode(params.multi_items()))

    def replace_query_params(self, **kwargs: typing.Any) -> "URL":
        return self.replace(query=urlencode([(str(k), str(v)) for k, v in kwargs.items()]))

    def remove_query_params(self, keys: typing.Union[str, typing.Sequence[str]]) -> "URL":
        drop = {keys} if isinstance(keys, str) else set(keys)
        items = [(k, v) for k, v in QueryParams(self.query).multi_items() if k not in drop]
        return self.replace(query=urlencode(items))

    def __eq__(self, other: typing.Any) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        url = str(self.replace(password="********")) if self.password else self._url
        return f"{self.__class__.__name__}({url!r})"


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# A Host header is used only if it is a host[:port]: one with '/', '?', '#' or '@' would make the URL's
# path differ from the request's (Starlette's fix for the same injection).
_HOST_RE = re.compile(r"^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?$", re.IGNORECASE)


def _url_from_scope(scope: typing.Mapping[str, typing.Any]) -> str:
    scheme = scope.get("scheme", "http")
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    netloc = None
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host = value.decode("latin-1")
            netloc = host if _HOST_RE.fullmatch(host) else None
            break
    if netloc is None and scope.get("server"):
        host, port = scope["server"]
        netloc = host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if netloc is None:
        return f"{path}?{query}" if query else path
    return SplitResult(scheme, netloc, path, query, "").geturl()


# ---------------------------------------------------------------------------------- multi-dicts


class ImmutableMultiDict(Mapping):
    """A mapping that keeps every (key, value) pair in order. ``d[key]`` is the last value given for the
    key; ``getlist(key)`` all of them."""

    __slots__ = ("_dict", "_list")

    def __init__(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        assert len(args) < 2, "Too many arguments."
        value = args[0] if args else []
        items = _pairs(value)
        if kwargs:
            items = items + list(kwargs.items())
        self._list: typing.List[typing.Tuple[typing.Any, typing.Any]] = items
        self._dict: typing.Dict[typing.Any, typing.Any] = dict(items)

    def getlist(self, key: typing.Any) -> typing.List[typing.Any]:
        return [v for k, v in self._list if k == key]

    def keys(self) -> typing.KeysView:
        return self._dict.keys()

    def values(self) -> typing.ValuesView:
        return self._dict.values()

    def items(self) -> typing.ItemsView:
        return self._dict.items()

    def multi_items(self) -> typing.List[typing.Tuple[typing.Any, typing.Any]]:
        return list(self._list)

    def __getitem__(self, key: typing.Any) -> typing.Any:
        return self._dict[key]

    def __contains__(self, key: typing.Any) -> bool:
        return key in self._dict

    def __iter__(self) -> typing.Iterator[typing.Any]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: typing.Any) -> bool:
        if not isinstance(other, self.__class__):
            return False
        return sorted(self._list, key=repr) == sorted(other._list, key=repr)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.multi_items()!r})"


def _pairs(value: typing.Any) -> typing.List[typing.Tuple[typing.Any, typing.Any]]:
    if not value:
        return []
    if hasattr(value, "multi_items"):
        return list(value.multi_items())
    if hasattr(value, "items"):
        return list(value.items())
    return list(value)


class MultiDict(ImmutableMultiDict):
    """The mutable variant (Starlette's MultiDict)."""

    __slots__ = ()

    def __setitem__(self, key: typing.Any, value: typing.Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: typing.Any) -> None:
        self._list = [(k, v) for k, v in self._list if k != key]
        del self._dict[key]

    def pop(self, key: typing.Any, default: typing.Any = None) -> typing.Any:
        self._list = [(k, v) for k, v in self._list if k != key]
        return self._dict.pop(key, default)

    def popitem(self) -> typing.Tuple[typing.Any, typing.Any]:
        key, value = self._dict.popitem()
        self._list = [(k, v) for k, v in self._list if k != key]
        return key, value

    def poplist(self, key: typing.Any) -> typing.List[typing.Any]:
        values = self.getlist(key)
        self.pop(key)
        return values

    def clear(self) -> None:
        self._dict.clear()
        self._list.clear()

    def setdefault(self, key: typing.Any, default: typing.Any = None) -> typing.Any:
        if key not in self._dict:
            self.append(key, default)
        return self._dict[key]

    def setlist(self, key: typing.Any, values: typing.List[typing.Any]) -> None:
        if not values:
            self.pop(key, None)
            return
        self._list = [(k, v) for k, v in self._list if k != key] + [(key, v) for v in values]
        self._dict[key] = values[-1]

    def append(self, key: typing.Any, value: typing.Any) -> None:
        self._list.append((key, value))
        self._dict[key] = value

    def update(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        new = MultiDict(*args, **kwargs)
        self._list = [(k, v) for k, v in self._list if k not in new._dict] + new._list
        self._dict.update(new._dict)


def _parse_qsl(query: typing.Union[str, bytes]) -> typing.List[typing.Tuple[str, str]]:
    try:
        from turboapi._native import parse_qsl
    except ImportError:  # the package imported without its extension (pure-Python tooling)
        from urllib.parse import parse_qsl as stdlib_parse_qsl

        if isinstance(query, bytes):
            query = query.decode("utf-8", "replace")
        return stdlib_parse_qsl(query, keep_blank_values=True)
    return parse_qsl(query)


class QueryParams(ImmutableMultiDict):
    """The query string as a multi-dict of str. Built from a query string (``bytes`` or ``str``; '+' and
    %XX decoded, UTF-8), a mapping or a list of pairs."""

    __slots__ = ()

    def __init__(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        assert len(args) < 2, "Too many arguments."
        value = args[0] if args else []
        if isinstance(value, (str, bytes)):
            value = _parse_qsl(value)
        super().__init__(value, **kwargs)
        self._list = [(str(k), str(v)) for k, v in self._list]
        self._dict = {str(k): str(v) for k, v in self._dict.items()}

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


# ------------------------------------------------------------------------------------- headers


class Headers(Mapping):
    """Request headers: case-insensitive, multi-valued, over the raw ``[(name, value)]`` byte pairs (names
    lower-case, as the server hands them over). Lookups return the first value; ``getlist`` all."""

    __slots__ = ("_list",)

    def __init__(self, headers: typing.Optional[typing.Mapping[str, str]] = None,
                 raw: typing.Optional[typing.List[typing.Tuple[bytes, bytes]]] = None,
                 scope: typing.Optional[typing.MutableMapping[str, typing.Any]] = None) -> None:
        if headers is not None:
            assert raw is None and scope is None, 'Cannot set "raw" or "scope" with "headers".'
            self._list = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        elif raw is not None:
            assert scope is None, 'Cannot set both "raw" and "scope".'
            self._list = raw
        elif scope is not None:
            self._list = scope["headers"] = list(scope["headers"])
        else:
            self._list = []

    @property
    def raw(self) -> typing.List[typing.Tuple[bytes, bytes]]:
        return list(self._list)

    def keys(self) -> typing.List[str]:  # type: ignore[override]
        return [k.decode("latin-1") for k, _ in self._list]

    def values(self) -> typing.List[str]:  # type: ignore[override]
        return [v.decode("latin-1") for _, v in self._list]

    def items(self) -> typing.List[typing.Tuple[str, str]]:  # type: ignore[override]
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._list]

    def getlist(self, key: str) -> typing.List[str]:
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self._list if k == name]

    def get(self, key: str, default: typing.Any = None) -> typing.Any:
        name = key.lower().encode("latin-1")
        for k, v in self._list:
            if k == name:
                return v.decode("latin-1")
        return default

    def mutablecopy(self) -> "MutableHeaders":
        return MutableHeaders(raw=self._list[:])

    def __getitem__(self, key: str) -> str:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: typing.Any) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: typing.Any) -> bool:
        return isinstance(other, Headers) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{self.__class__.__name__}({as_dict!r})"
        return f"{self.__class__.__name__}(raw={self.raw!r})"


_MISSING = object()


class MutableHeaders(Headers):
    """Headers that can be set (``h[k] = v`` replaces every field of that name), appended and deleted."""

    __slots__ = ()

    @property
    def raw(self) -> typing.List[typing.Tuple[bytes, bytes]]:
        return self._list

    def __setitem__(self, key: str, value: str) -> None:
        name, data = key.lower().encode("latin-1"), value.encode("latin-1")
        for i, (k, _) in enumerate(self._list):
            if k == name:
                self._list[i] = (name, data)
                self._list[i + 1:] = [(k2, v2) for k2, v2 in self._list[i + 1:] if k2 != name]
                return
        self._list.append((name, data))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self._list[:] = [(k, v) for k, v in self._list if k != name]

    def __ior__(self, other: typing.Mapping[str, str]) -> "MutableHeaders":
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        self.update(other)
        return self

    def __or__(self, other: typing.Mapping[str, str]) -> "MutableHeaders":
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        new = self.mutablecopy()
        new.update(other)
        return new

    def setdefault(self, key: str, value: str) -> str:
        existing = self.get(key, _MISSING)
        if existing is not _MISSING:
            return existing
        self.append(key, value)
        return value

    def update(self, other: typing.Mapping[str, str]) -> None:  # type: ignore[override]
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        self._list.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def add_vary_header(self, vary: str) -> None:
        existing = self.get("vary")
        self["vary"] = vary if existing is None else f"{existing}, {vary}"


# ------------------------------------------------------------------------------- forms, uploads


class UploadFile:
    """An uploaded file (a multipart part with a filename), as Starlette's UploadFile.

    ``file`` is an ``io.BytesIO`` up to ``parse_form``'s spool_max_bytes and a ``tempfile.TemporaryFile``
    (unnamed, in Python's default temp dir) above it; Starlette's is a SpooledTemporaryFile, which reads
    the same. The async methods call the file directly: a worker serves one request at a time, so
    Starlette's thread hop would only add latency.
    """

    def __init__(self, file: typing.BinaryIO, *, size: typing.Optional[int] = None,
                 filename: typing.Optional[str] = None, headers: typing.Optional[Headers] = None) -> None:
        self.filename = filename
        self.file = file
        self.size = size
        self.headers = headers or Headers()

    @property
    def content_type(self) -> typing.Optional[str]:
        return self.headers.get("content-type", None)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def seek(self, offset: int) -> None:
        self.file.seek(offset)

    async def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(filename={self.filename!r}, size={self.size!r}, "
                f"headers={self.headers!r})")


class FormData(ImmutableMultiDict):
    """A parsed form: str values and UploadFiles, in body order. ``await form.close()`` closes the files."""

    __slots__ = ()

    async def close(self) -> None:
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


def _upload_file(filename: str, headers: typing.List[typing.Tuple[bytes, bytes]],
                 data: typing.Union[bytes, memoryview], spool_max_bytes: int) -> UploadFile:
    """Called by ``turboapi._native.parse_form`` for each file part. ``data`` is ``bytes`` (kept in memory:
    BytesIO shares it, no copy) or, for a part bigger than spool_max_bytes, a memoryview into the request
    body, written once to an unnamed temporary file.

    Plain BytesIO / TemporaryFile rather than Starlette's SpooledTemporaryFile: they read the same, and
    a SpooledTemporaryFile costs several microseconds to create and finalize per file."""
    if isinstance(data, memoryview):
        file: typing.BinaryIO = tempfile.TemporaryFile()
        try:
            file.write(data)
            file.seek(0)
        except BaseException:
            file.close()
            raise
    else:
        file = io.BytesIO(data)
    return UploadFile(file, size=len(data), filename=filename, headers=Headers(raw=headers))
