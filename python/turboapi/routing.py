"""Routes and routers. Each handler's signature is read once, when the route is added, into the
parameter specs the worker's C++ dispatcher uses for every request."""

import inspect
import re
import types
import typing
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import params as _params
from .responses import JSONResponse, Response

_SCALARS = {str: "str", int: "int", float: "float", bool: "bool"}
_SOURCE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3, "body": 4}
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}


def _unwrap_optional(annotation: Any) -> Any:
    """``Optional[X]`` / ``X | None`` -> ``X``; anything else unchanged."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _kind(annotation: Any) -> Optional[str]:
    if annotation is inspect.Parameter.empty or annotation is typing.Any:
        return "any"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation) or annotation
    if origin in (dict, typing.Dict):
        return "dict"
    if origin in (list, typing.List):
        return "list"
    return None


def analyze_endpoint(endpoint: Callable[..., Any], path: str) -> List[Dict[str, Any]]:
    """The parameter specs of a handler, in FastAPI's error order (path, query, header, body)."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except Exception as e:  # noqa: BLE001 - name the handler in the error
        raise TypeError(f"cannot read the type hints of {endpoint.__qualname__}: {e}") from e
    path_names = set(_PATH_PARAM.findall(path))
    specs = []
    for name, parameter in inspect.signature(endpoint).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(f"{endpoint.__qualname__}: *args and **kwargs parameters are not supported")
        annotation = hints.get(name, parameter.annotation)
        marker = None
        if typing.get_origin(annotation) is typing.Annotated:
            extras = typing.get_args(annotation)
            annotation = extras[0]
            marker = next((m for m in extras[1:] if isinstance(m, _params.Param)), None)
        default = parameter.default
        if isinstance(default, _params.Param):
            marker, default = default, default.default
        elif marker is not None and default is inspect.Parameter.empty:
            default = marker.default
        required = default is inspect.Parameter.empty or default is ...
        kind = _kind(_unwrap_optional(annotation))
        if kind is None:
            raise TypeError(
                f"{endpoint.__qualname__}: parameter {name!r} has type {annotation!r}, which TurboAPI "
                "does not support yet (supported: str, int, float, bool, dict, list and Optional of them)")
        if marker is not None:
            source = marker.source
        elif name in path_names:
            source = "path"
        elif kind in ("dict", "list"):
            source = "body"
        else:
            source = "query"
        if source == "path" and name not in path_names:
            raise TypeError(f"{endpoint.__qualname__}: Path parameter {name!r} is not in the path {path!r}")
        alias = (marker.alias if marker is not None and marker.alias else None) or name
        if source == "header" and not (marker is not None and marker.alias):
            if getattr(marker, "convert_underscores", True):
                alias = alias.replace("_", "-")
        if source == "header":
            alias = alias.lower()
        specs.append({
            "name": name,
            "alias": alias,
            "source": source,
            "kind": kind,
            "required": required,
            "default": None if required else default,
        })
    missing = path_names - {s["name"] for s in specs if s["source"] == "path"}
    if missing:
        raise TypeError(f"{endpoint.__qualname__}: the path {path!r} names {sorted(missing)} but the handler has "
                        "no such parameters")
    specs.sort(key=lambda s: _SOURCE_ORDER[s["source"]])
    return specs


class APIRoute:
    def __init__(self, path: str, endpoint: Callable[..., Any], *, methods: Optional[Sequence[str]] = None,
                 status_code: Optional[int] = None, response_class: type = JSONResponse, name: Optional[str] = None,
                 tags: Optional[List[str]] = None, summary: Optional[str] = None,
                 description: Optional[str] = None, include_in_schema: bool = True,
                 deprecated: Optional[bool] = None) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route paths must start with '/', got {path!r}")
        self.path = path
        self.endpoint = endpoint
        self.methods = {m.upper() for m in (methods or ["GET"])}
        unknown = self.methods - _METHODS
        if unknown:
            raise ValueError(f"unsupported HTTP method(s) {sorted(unknown)} for {path!r}")
        if status_code is not None and (not isinstance(status_code, int) or not 100 <= status_code <= 999):
            raise ValueError(f"status_code must be an int from 100 to 999, got {status_code!r}")
        if not (isinstance(response_class, type) and issubclass(response_class, Response)):
            raise TypeError("response_class must be a subclass of turboapi.responses.Response")
        self.status_code = status_code
        self.response_class = response_class
        self.name = name or getattr(endpoint, "__name__", "endpoint")
        self.tags = list(tags or [])
        self.summary = summary
        self.description = description
        self.include_in_schema = include_in_schema
        self.deprecated = deprecated
        self.params = analyze_endpoint(endpoint, path)
        self.is_coroutine = inspect.iscoroutinefunction(endpoint)

    def spec(self) -> Dict[str, Any]:
        endpoint = self.endpoint
        if self.response_class is not JSONResponse:
            endpoint = _wrap_response_class(endpoint, self.response_class, self.status_code, self.is_coroutine)
        return {
            "methods": sorted(self.methods),
            "path": self.path,
            "endpoint": endpoint,
            "params": self.params,
            "status_code": self.status_code or 200,
            "is_coroutine": self.is_coroutine,
        }


def _wrap_response_class(endpoint: Callable[..., Any], response_class: type, status_code: Optional[int],
                         is_coroutine: bool) -> Callable[..., Any]:
    """``response_class=HTMLResponse``: a plain return value becomes that response."""

    def convert(result: Any) -> Any:
        if isinstance(result, Response):
            return result
        if status_code is None:
            return response_class(result)
        return response_class(result, status_code=status_code)

    if is_coroutine:
        async def async_wrapper(**kwargs: Any) -> Any:
            return convert(await endpoint(**kwargs))

        return async_wrapper

    def wrapper(**kwargs: Any) -> Any:
        return convert(endpoint(**kwargs))

    return wrapper


class APIRouter:
    """A group of routes with a common prefix, included into an app with ``app.include_router``."""

    def __init__(self, *, prefix: str = "", tags: Optional[List[str]] = None) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError("a router prefix must start with '/' and must not end with '/'")
        self.prefix = prefix
        self.tags = list(tags or [])
        self.routes: List[APIRoute] = []

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        tags = self.tags + list(kwargs.pop("tags", None) or [])
        self.routes.append(APIRoute(self.prefix + path, endpoint, tags=tags, **kwargs))

    def api_route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(path, func, **kwargs)
            return func

        return decorator

    def get(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["GET"], **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["POST"], **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["PUT"], **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["PATCH"], **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["DELETE"], **kwargs)

    def head(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["HEAD"], **kwargs)

    def options(self, path: str, **kwargs: Any):
        return self.api_route(path, methods=["OPTIONS"], **kwargs)

    def include_router(self, router: "APIRouter", *, prefix: str = "", tags: Optional[List[str]] = None) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError("a router prefix must start with '/' and must not end with '/'")
        for route in router.routes:
            self.routes.append(APIRoute(
                self.prefix + prefix + route.path, route.endpoint, methods=route.methods,
                status_code=route.status_code, response_class=route.response_class, name=route.name,
                tags=self.tags + list(tags or []) + route.tags, summary=route.summary,
                description=route.description, include_in_schema=route.include_in_schema,
                deprecated=route.deprecated))
