"""Routes and routers, as in FastAPI.

Each route's endpoint is analysed once, when it is added (``APIRoute.dependant``, see
``turboapi.dependencies``); when the worker boots, ``APIRoute.spec(app)`` turns it into the dict the C++
dispatcher reads (docs/design/app-contract.md): ``mode: "native"`` when C++ can resolve every
parameter exactly as FastAPI does, ``"python"`` otherwise, and always a ``handler`` implementing the
complete semantics in Python.

Route metadata for the OpenAPI document lives on ``APIRoute``: ``path``, ``methods``, ``name``,
``summary``, ``description``, ``response_description``, ``tags``, ``deprecated``, ``operation_id``,
``unique_id``, ``include_in_schema``, ``responses``, ``response_model``, ``status_code``,
``response_class``, ``callbacks``, ``openapi_extra``, ``dependencies`` (the ``Depends`` markers),
``dependant`` (the analysed tree), ``body_fields`` / ``body_embedded`` / ``body_is_form`` (the request
body as FastAPI's ``get_body_field`` sees it).
"""

import email.message
import inspect
import json
import re
import typing
from asyncio.events import _set_running_loop
from contextlib import AsyncExitStack
from enum import Enum, IntEnum
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Type, Union

from . import params
from ._internal import worker_loop
from ._validation import build_validator, is_pydantic_model, lenient_issubclass, turbo_model_class
from .background import chain_background
from .dependencies import (
    Dependant,
    ParamField,
    SolveContext,
    get_dependant,
    get_parameterless_sub_dependant,
    setup_body,
    solve_dependencies,
)
from .encoders import jsonable_encoder
from .exception_handlers import is_body_allowed_for_status_code
from .exceptions import HTTPException, RequestValidationError, ValidationError
from .requests import Request
from . import responses as _responses
from .responses import JSONResponse, Response

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

# What the C++ converter supports exactly as FastAPI does (worker/app.cpp): header and cookie values
# decoded as latin-1 (Starlette), the first Cookie header with http.cookies' unquoting, repeated query
# keys as lists, turboapi.Model bodies validated in C++, dict/list bodies with pydantic's coercions.
NATIVE_SOURCES = {"path", "query", "header", "cookie"}
NATIVE_QUERY_LISTS = True
NATIVE_MODEL_BODY = True
NATIVE_RAW_BODY = True


class DefaultPlaceholder:
    """A default that a router's setting may replace (FastAPI's ``Default(...)``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def Default(value: Any) -> Any:  # noqa: N802 - FastAPI's spelling
    return DefaultPlaceholder(value)


def _value(v: Any, *fallbacks: Any) -> Any:
    """The first of ``v, *fallbacks`` that is not a placeholder, else the first placeholder's value."""
    for x in (v,) + fallbacks:
        if not isinstance(x, DefaultPlaceholder):
            return x
    return v.value


def generate_unique_id(route: "APIRoute") -> str:
    operation_id = re.sub(r"\W", "_", route.name + route.path_format)
    return operation_id + "_" + list(route.methods)[0].lower()


def _is_noop_response_model(tp: Any) -> bool:
    if tp is None or tp is type(None) or tp is Any or tp is inspect.Signature.empty:
        return True
    if tp in (dict, list, typing.Dict, typing.List, object):
        return True
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (dict, list) and all(a is Any or a is str for a in args) and (origin is dict or args == (Any,)):
        return True
    return False


def _return_annotation(endpoint: Callable[..., Any]) -> Any:
    try:
        hints = typing.get_type_hints(endpoint)
    except Exception:  # noqa: BLE001
        return None
    return hints.get("return")


class APIRoute:
    """One route: path, methods, endpoint, the analysed parameters and the response settings."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, response_model: Any = Default(None),
                 status_code: Optional[int] = None, tags: Optional[List[Union[str, Enum]]] = None,
                 dependencies: Optional[Sequence[params.Depends]] = None, summary: Optional[str] = None,
                 description: Optional[str] = None, response_description: str = "Successful Response",
                 responses: Optional[Dict[Union[int, str], Dict[str, Any]]] = None,
                 deprecated: Optional[bool] = None, name: Optional[str] = None,
                 methods: Optional[Union[Set[str], List[str]]] = None, operation_id: Optional[str] = None,
                 response_model_include: Any = None, response_model_exclude: Any = None,
                 response_model_by_alias: bool = True, response_model_exclude_unset: bool = False,
                 response_model_exclude_defaults: bool = False, response_model_exclude_none: bool = False,
                 include_in_schema: bool = True, response_class: Any = Default(JSONResponse),
                 dependency_overrides_provider: Any = None, callbacks: Optional[List[Any]] = None,
                 openapi_extra: Optional[Dict[str, Any]] = None,
                 generate_unique_id_function: Any = Default(generate_unique_id)) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route paths must start with '/', got {path!r}")
        if not callable(endpoint):
            raise TypeError("An endpoint must be a callable")
        self.path = path
        self.path_format = re.sub(r"{([^}:]+):[^}]*}", r"{\1}", path)  # "/f/{p:path}" -> "/f/{p}"
        self.endpoint = endpoint
        self.methods: Set[str] = {m.upper() for m in (methods or ["GET"])}
        unknown = self.methods - _METHODS
        if unknown:
            raise ValueError(f"unsupported HTTP method(s) {sorted(unknown)} for {path!r}")
        if isinstance(status_code, IntEnum):
            status_code = int(status_code)
        if status_code is not None and (not isinstance(status_code, int) or not 100 <= status_code <= 999):
            raise ValueError(f"status_code must be an int from 100 to 999, got {status_code!r}")
        self.status_code = status_code
        rc = _value(response_class)
        if not (isinstance(rc, type) and issubclass(rc, Response)):
            raise TypeError("response_class must be a subclass of turboapi.responses.Response")
        self.response_class = response_class
        self.name = name if name is not None else getattr(endpoint, "__name__", type(endpoint).__name__)
        self.tags = list(tags or [])
        self.summary = summary
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.include_in_schema = include_in_schema
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.dependency_overrides_provider = dependency_overrides_provider
        self.generate_unique_id_function = generate_unique_id_function
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.response_model_arg = response_model  # as given (a placeholder: inferred from the return annotation)
        inferred = isinstance(response_model, DefaultPlaceholder)
        if inferred:
            ann = _return_annotation(endpoint)
            response_model = None if (ann is None or lenient_issubclass(ann, Response)) else ann
        self.response_model = response_model
        gen = _value(generate_unique_id_function)
        self.unique_id = self.operation_id or gen(self)
        self.description = description or inspect.cleandoc(getattr(endpoint, "__doc__", None) or "")
        self.description = self.description.split("\f")[0].strip()
        self.dependencies = list(dependencies or [])
        # The analysed tree: route-level dependencies first, then the endpoint's parameters.
        self.dependant: Dependant = get_dependant(path=path, call=endpoint)
        for depends in self.dependencies[::-1]:
            self.dependant.dependencies.insert(0, get_parameterless_sub_dependant(depends=depends, path=path))
        self.body_fields, self.body_embedded, self.body_is_form = setup_body(self.dependant)
        # response_model: validated and filtered output
        self.response_validator = None
        if response_model is not None and not (inferred and _is_noop_response_model(response_model)):
            if status_code is not None and not is_body_allowed_for_status_code(status_code):
                raise AssertionError(f"Status code {status_code} must not have a response body")
            try:
                self.response_validator = build_validator(response_model, None, "Response_" + self.unique_id)
            except TypeError:
                if not inferred:
                    raise
        self.is_coroutine = inspect.iscoroutinefunction(endpoint) or (
            not inspect.isroutine(endpoint) and inspect.iscoroutinefunction(getattr(endpoint, "__call__", None)))

    # -- worker spec ---------------------------------------------------------------------------------

    @property
    def actual_response_class(self) -> Type[Response]:
        return _value(self.response_class)

    def _serialize_content(self, raw: Any) -> Any:
        """response_model filtering + jsonable_encoder, as FastAPI's ``serialize_response``."""
        if self.response_validator is None:
            return jsonable_encoder(raw)
        content = _prepare_response_content(raw, exclude_unset=self.response_model_exclude_unset,
                                            exclude_defaults=self.response_model_exclude_defaults,
                                            exclude_none=self.response_model_exclude_none)
        value, errors = self.response_validator(content, ("response",))
        if errors:
            raise ValidationError(errors, self.response_model)
        return jsonable_encoder(value, include=self.response_model_include, exclude=self.response_model_exclude,
                                by_alias=self.response_model_by_alias,
                                exclude_unset=self.response_model_exclude_unset,
                                exclude_defaults=self.response_model_exclude_defaults,
                                exclude_none=self.response_model_exclude_none)

    def native_params(self, app: Any) -> Optional[List[Dict[str, Any]]]:
        """The C++ converter's parameter specs, or None when this route needs python mode."""
        d = self.dependant
        if d.dependencies or d.request_param_name or d.response_param_name or d.background_tasks_param_name \
                or d.security_scopes_param_name or d.http_connection_param_name:
            return None
        if self.status_code is not None and not is_body_allowed_for_status_code(self.status_code):
            return None
        specs: List[Dict[str, Any]] = []
        for field in d.path_params + d.query_params + d.header_params + d.cookie_params:
            if field.in_ not in NATIVE_SOURCES or not _native_default_ok(field) or field.has_constraints:
                return None
            if field.in_ == "header" and field.alias != field.alias.lower():
                return None
            spec = {"name": field.name, "alias": field.alias, "source": field.in_, "required": field.required,
                    "default": None if field.required else field.default}
            if field.is_sequence:
                if not (NATIVE_QUERY_LISTS and field.in_ == "query" and field.item_native_kind is not None
                        and typing.get_origin(field.type_) in (list, typing.List)):
                    return None
                spec["kind"] = "list"
                spec["is_list"] = True
                spec["item_kind"] = field.item_native_kind
            else:
                if field.native_kind is None:
                    return None
                spec["kind"] = field.native_kind
            specs.append(spec)
        if d.body_params:
            if len(d.body_params) != 1 or self.body_is_form:
                return None
            field = d.body_params[0]
            if field.embed or not _native_default_ok(field) or field.has_constraints:
                return None
            kind = _native_body_kind(field)
            if kind is None:
                return None
            spec = {"name": field.name, "alias": field.alias, "source": "body", "kind": kind,
                    "required": field.required, "default": None if field.required else field.default}
            if kind == "model":
                spec["model"] = field.type_
            specs.append(spec)
        return specs

    def spec(self, app: Any, force_python: bool = False,
             middleware: Optional[Callable[[Callable[..., Any]], Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        """This route as the worker's C++ dispatcher reads it (docs/design/app-contract.md).
        ``middleware``: the app's stack as ``wrap(run) -> handler(request_data)``; the route is then
        python mode and its handler runs the middleware around the route."""
        if middleware is not None:
            handler = middleware(build_handler(self, app, in_middleware=True), self.dependant.any_async())
            force_python = True
        else:
            handler = build_handler(self, app)
        spec: Dict[str, Any] = {"methods": sorted(self.methods), "path": self.path, "handler": handler,
                                "endpoint": self.endpoint, "is_coroutine": self.is_coroutine,
                                "status_code": self.status_code or 200, "serialize": None, "params": []}
        native = None if force_python else self.native_params(app)
        if native is None:
            spec["mode"] = "python"
            return spec
        spec["mode"] = "native"
        spec["params"] = native
        response_class = self.actual_response_class
        if self.response_validator is not None or response_class is not JSONResponse:
            status_code = self.status_code
            serialize_content = self._serialize_content
            default_json = response_class is JSONResponse

            def serialize(value: Any) -> Any:
                if isinstance(value, Response):
                    return value
                content = serialize_content(value)
                if default_json:
                    return content
                if status_code is not None:
                    return response_class(content, status_code=status_code)
                return response_class(content)

            spec["serialize"] = serialize
        return spec


def _native_default_ok(field: ParamField) -> bool:
    """C++ passes a default as is, or a shallow copy of a list/dict (app.cpp default_copy): exact when
    the default is immutable or a flat list/dict of immutable values (FastAPI deep-copies)."""
    if not field._copy_default:
        return True
    from .dependencies import _is_immutable  # noqa: PLC0415

    d = field.default
    if type(d) is list:
        return all(_is_immutable(x) for x in d)
    if type(d) is dict:
        return all(_is_immutable(k) and _is_immutable(v) for k, v in d.items())
    return False


def _native_body_kind(field: ParamField) -> Optional[str]:
    tp = field.type_
    if not NATIVE_RAW_BODY:
        pass
    elif tp is Any:
        return "any"
    elif tp in (dict, typing.Dict):
        return "dict"
    elif tp in (list, typing.List):
        return "list"
    model = turbo_model_class()
    if NATIVE_MODEL_BODY and model is not None and lenient_issubclass(tp, model) and field.required:
        return "model"
    return None


def _prepare_response_content(res: Any, *, exclude_unset: bool, exclude_defaults: bool = False,
                              exclude_none: bool = False) -> Any:
    if is_pydantic_model(type(res)):
        if getattr(res.__config__, "read_with_orm_mode", None):
            return res
        return res.dict(by_alias=True, exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                        exclude_none=exclude_none)
    model = turbo_model_class()
    if model is not None and isinstance(res, model):
        return res.model_dump(by_alias=True, exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                              exclude_none=exclude_none)
    if isinstance(res, list):
        return [_prepare_response_content(x, exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                          exclude_none=exclude_none) for x in res]
    if isinstance(res, dict):
        return {k: _prepare_response_content(v, exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                             exclude_none=exclude_none) for k, v in res.items()}
    import dataclasses

    if dataclasses.is_dataclass(res) and not isinstance(res, type):
        return dataclasses.asdict(res)
    return res


# ----------------------------------------------------------------------------- python-mode handler


def _json_content_type(content_type: Optional[str]) -> bool:
    """FastAPI reads the body as JSON with no content type, ``application/json`` or ``application/*+json``."""
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


_JSON_TYPES: Dict[str, bool] = {}


def _read_body(request: Request, is_form: bool) -> Any:
    try:
        if is_form:
            try:
                return request._form_sync()
            except ValueError as e:
                detail = getattr(e, "detail", None)
                if detail is None:
                    raise
                raise HTTPException(status_code=400, detail=detail) from e
        body = request._body_bytes()
        if not body:
            return None
        ct = request.headers.get("content-type")
        is_json = _JSON_TYPES.get(ct) if ct is not None else True
        if is_json is None:
            is_json = _json_content_type(ct)
            if len(_JSON_TYPES) < 256:
                _JSON_TYPES[ct] = is_json  # type: ignore[index]
        if not is_json:
            return body
        return json.loads(body)
    except json.JSONDecodeError as e:
        err = {"loc": ("body", e.pos), "msg": str(e), "type": "value_error.jsondecode",
               "ctx": {"msg": e.msg, "doc": e.doc, "pos": e.pos, "lineno": e.lineno, "colno": e.colno}}
        raise RequestValidationError([err], body=e.doc) from e
    except HTTPException:
        raise
    except Exception as e:  # noqa: BLE001 - FastAPI answers any other failure so
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from e


def _has_generators(d: Dependant) -> bool:
    return any(s.is_gen or s.is_async_gen or _has_generators(s) for s in d.dependencies)


def build_handler(route: APIRoute, app: Any, in_middleware: bool = False) -> Callable[..., Any]:
    """The python-mode handler of ``route``: ``handler(request_data)`` -> Response, plain JSON value, or
    (when something in the route is async) a coroutine. Everything decidable is decided here, once.

    ``in_middleware``: the innermost layer of the app's middleware stack instead: ``async run(None,
    request)`` -> always a Response; only the exception handlers FastAPI runs inside the middleware
    (ExceptionMiddleware's: not 500/Exception) answer, anything else propagates to the middleware."""
    dependant = route.dependant
    endpoint = dependant.call
    endpoint_async = route.is_coroutine
    has_body = bool(route.body_fields)
    is_form = route.body_is_form
    needs_stack = _has_generators(dependant)
    any_async = dependant.any_async()
    status_code = route.status_code
    response_class = route.actual_response_class
    default_json = response_class is JSONResponse
    serialize = route._serialize_content if route.response_validator is not None else None
    body_allowed = status_code is None or is_body_allowed_for_status_code(status_code)
    overrides_provider = app
    handle_exception = app._handle_exception_inner if in_middleware else app._handle_exception
    no_deps = not dependant.dependencies
    plain_ok = default_json and not in_middleware
    # JSONResponse renders with the C++ serializer, which applies jsonable_encoder itself to what it
    # cannot write (models, dataclasses, datetimes, ...): the same bytes as jsonable_encoder + dumps,
    # without walking every value in Python first.
    encode_in_render = default_json and _responses._dumps is not None

    async def run(data: Any, request: Optional[Request] = None) -> Any:
        if request is None:
            request = Request(data, app)
        overrides = None if no_deps else overrides_provider.dependency_overrides
        stack = AsyncExitStack() if (needs_stack or overrides) else None
        try:
            body = _read_body(request, is_form) if has_body else None
            ctx = SolveContext(request, body, stack, overrides)
            values, errors = await solve_dependencies(ctx, dependant)
            if errors:
                raise RequestValidationError(errors, body=body)
            raw = endpoint(**values)
            if endpoint_async:
                raw = await raw
            if isinstance(raw, Response):
                if raw.background is None:
                    raw.background = ctx.background_tasks
                response = raw
            else:
                sub = ctx.response
                sc = status_code
                if sub is not None and sub.status_code:
                    sc = sub.status_code
                if serialize is not None:
                    content = serialize(raw)
                elif plain_ok and (sc is None or sc == 200) and sub is None and stack is None \
                        and ctx.background_tasks is None:
                    return raw  # the C++ serializer writes it (jsonable_encoder for what it cannot)
                elif encode_in_render:
                    content = raw
                else:
                    content = jsonable_encoder(raw)
                response = response_class(content, status_code=sc) if sc is not None else response_class(content)
                response.background = ctx.background_tasks
                if not is_body_allowed_for_status_code(response.status_code):
                    response.body = b""
                if sub is not None and sub.raw_headers:
                    response.raw_headers.extend(sub.raw_headers)
        except Exception as exc:  # noqa: BLE001 - the app's exception handlers decide
            if stack is not None:
                try:
                    await stack.__aexit__(type(exc), exc, exc.__traceback__)
                except Exception as exc2:  # noqa: BLE001
                    exc = exc2
            return await handle_exception(request, exc)
        if stack is not None:
            response.background = chain_background(response.background, _closer(stack))
        return response

    del body_allowed
    if in_middleware:
        return run
    if any_async:
        def handler(data: Any) -> Any:
            return run(data)  # a Task on the worker's loop: the user's code sees a current task
    else:
        def handler(data: Any) -> Any:
            return run_eagerly(run(data))

    return handler


def _closer(stack: AsyncExitStack) -> Callable[[Optional[BaseException]], Any]:
    """Runs the yield dependencies' clean-up after the response (and its background tasks)."""

    def close(exc: Optional[BaseException]) -> Any:
        if exc is None:
            return run_or_defer(stack.aclose())
        return run_or_defer(stack.__aexit__(type(exc), exc, exc.__traceback__))

    return close


def run_or_defer(coro: Any) -> Any:
    """Hands ``coro`` to the worker, which runs it as a Task on its event loop (so other requests are
    served while it awaits). Not started by hand: code inside may need a current task
    (``asyncio.timeout``, ``asyncio.current_task``, anyio/sniffio), which a hand-driven step lacks."""
    return coro


def run_eagerly(coro: Any) -> Any:
    """For a route whose endpoint and dependencies are all plain ``def``: the resolver's coroutine
    never waits on anything, so it is run at once (no Task, no loop iteration) with the worker's loop
    set as the running loop, and its value returned. If it does suspend (an ``async def`` exception
    handler that awaits), the rest is returned as a coroutine for the worker to finish on that loop."""
    loop = worker_loop()
    if loop.is_running():
        return coro
    _set_running_loop(loop)
    try:
        yielded = coro.send(None)
    except StopIteration as stop:
        return stop.value
    finally:
        _set_running_loop(None)
    return _finish(coro, yielded)


async def _finish(coro: Any, yielded: Any) -> Any:
    return await _Resume(coro, yielded)


class _Resume:
    """Awaits the rest of a coroutine that was started by hand and suspended, first yielding what it
    yielded (a future the Task running this waits on)."""

    def __init__(self, coro: Any, yielded: Any) -> None:
        self.coro = coro
        self.yielded = yielded

    def __await__(self):  # type: ignore[no-untyped-def]
        coro = self.coro
        yielded = self.yielded
        while True:
            try:
                value = yield yielded
            except BaseException as e:  # noqa: BLE001 - cancellation and errors go into the coroutine
                try:
                    yielded = coro.throw(e)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                yielded = coro.send(value)
            except StopIteration as stop:
                return stop.value


# ----------------------------------------------------------------------------------------- routers


class APIRouter:
    """A group of routes with a common prefix, tags, dependencies and responses, included into an app
    with ``app.include_router``."""

    def __init__(self, *, prefix: str = "", tags: Optional[List[Union[str, Enum]]] = None,
                 dependencies: Optional[Sequence[params.Depends]] = None,
                 default_response_class: Any = Default(JSONResponse),
                 responses: Optional[Dict[Union[int, str], Dict[str, Any]]] = None,
                 callbacks: Optional[List[Any]] = None, routes: Optional[List[Any]] = None,
                 redirect_slashes: bool = True, default: Any = None, dependency_overrides_provider: Any = None,
                 route_class: Type[APIRoute] = APIRoute, on_startup: Optional[Sequence[Callable[[], Any]]] = None,
                 on_shutdown: Optional[Sequence[Callable[[], Any]]] = None, deprecated: Optional[bool] = None,
                 include_in_schema: bool = True, generate_unique_id_function: Any = Default(generate_unique_id),
                 ) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise ValueError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise ValueError("A path prefix must not end with '/', as the routes will start with '/'")
        self.prefix = prefix
        self.tags: List[Union[str, Enum]] = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.callbacks = callbacks or []
        self.routes: List[Any] = list(routes or [])
        self.redirect_slashes = redirect_slashes
        self.dependency_overrides_provider = dependency_overrides_provider
        self.route_class = route_class
        self.on_startup: List[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: List[Callable[[], Any]] = list(on_shutdown or [])
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function

    def add_api_route(self, path: str, endpoint: Callable[..., Any], *, response_model: Any = Default(None),
                      status_code: Optional[int] = None, tags: Optional[List[Union[str, Enum]]] = None,
                      dependencies: Optional[Sequence[params.Depends]] = None, summary: Optional[str] = None,
                      description: Optional[str] = None, response_description: str = "Successful Response",
                      responses: Optional[Dict[Union[int, str], Dict[str, Any]]] = None,
                      deprecated: Optional[bool] = None, methods: Optional[Union[Set[str], List[str]]] = None,
                      operation_id: Optional[str] = None, response_model_include: Any = None,
                      response_model_exclude: Any = None, response_model_by_alias: bool = True,
                      response_model_exclude_unset: bool = False, response_model_exclude_defaults: bool = False,
                      response_model_exclude_none: bool = False, include_in_schema: bool = True,
                      response_class: Any = Default(JSONResponse), name: Optional[str] = None,
                      route_class_override: Optional[Type[APIRoute]] = None, callbacks: Optional[List[Any]] = None,
                      openapi_extra: Optional[Dict[str, Any]] = None,
                      generate_unique_id_function: Any = Default(generate_unique_id)) -> None:
        route_class = route_class_override or self.route_class
        responses = responses or {}
        combined_responses = {**self.responses, **responses}
        current_response_class = response_class if not isinstance(response_class, DefaultPlaceholder) \
            else self.default_response_class
        current_tags = self.tags.copy()
        if tags:
            current_tags.extend(tags)
        current_dependencies = self.dependencies.copy()
        if dependencies:
            current_dependencies.extend(dependencies)
        current_callbacks = self.callbacks.copy()
        if callbacks:
            current_callbacks.extend(callbacks)
        current_gen = generate_unique_id_function if not isinstance(generate_unique_id_function, DefaultPlaceholder) \
            else self.generate_unique_id_function
        route = route_class(
            self.prefix + path, endpoint=endpoint, response_model=response_model, status_code=status_code,
            tags=current_tags, dependencies=current_dependencies, summary=summary, description=description,
            response_description=response_description, responses=combined_responses,
            deprecated=deprecated or self.deprecated, methods=methods, operation_id=operation_id,
            response_model_include=response_model_include, response_model_exclude=response_model_exclude,
            response_model_by_alias=response_model_by_alias,
            response_model_exclude_unset=response_model_exclude_unset,
            response_model_exclude_defaults=response_model_exclude_defaults,
            response_model_exclude_none=response_model_exclude_none,
            include_in_schema=include_in_schema and self.include_in_schema, response_class=current_response_class,
            name=name, dependency_overrides_provider=self.dependency_overrides_provider,
            callbacks=current_callbacks, openapi_extra=openapi_extra, generate_unique_id_function=current_gen)
        self.routes.append(route)

    def api_route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(path, func, **kwargs)
            return func

        return decorator

    def _method(self, method: str, path: str, kwargs: Dict[str, Any]):
        kwargs.pop("methods", None)
        return self.api_route(path, methods=[method], **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self._method("GET", path, kwargs)

    def post(self, path: str, **kwargs: Any):
        return self._method("POST", path, kwargs)

    def put(self, path: str, **kwargs: Any):
        return self._method("PUT", path, kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self._method("PATCH", path, kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self._method("DELETE", path, kwargs)

    def head(self, path: str, **kwargs: Any):
        return self._method("HEAD", path, kwargs)

    def options(self, path: str, **kwargs: Any):
        return self._method("OPTIONS", path, kwargs)

    def trace(self, path: str, **kwargs: Any):
        return self._method("TRACE", path, kwargs)

    def on_event(self, event_type: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def add_event_handler(self, event_type: str, func: Callable[..., Any]) -> None:
        if event_type == "startup":
            self.on_startup.append(func)
        elif event_type == "shutdown":
            self.on_shutdown.append(func)
        else:
            raise ValueError(f"unknown event {event_type!r} (startup or shutdown)")

    def include_router(self, router: "APIRouter", *, prefix: str = "", tags: Optional[List[Union[str, Enum]]] = None,
                       dependencies: Optional[Sequence[params.Depends]] = None,
                       default_response_class: Any = Default(JSONResponse),
                       responses: Optional[Dict[Union[int, str], Dict[str, Any]]] = None,
                       callbacks: Optional[List[Any]] = None, deprecated: Optional[bool] = None,
                       include_in_schema: bool = True,
                       generate_unique_id_function: Any = Default(generate_unique_id)) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise ValueError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise ValueError("A path prefix must not end with '/', as the routes will start with '/'")
        if responses is None:
            responses = {}
        for route in router.routes:
            if not isinstance(route, APIRoute):
                self.routes.append(route)
                continue
            combined_responses = {**responses, **route.responses}
            use_response_class = route.response_class
            if isinstance(route.response_class, DefaultPlaceholder):
                use_response_class = Default(_first_set(router.default_response_class, default_response_class,
                                                        self.default_response_class))
            current_tags: List[Union[str, Enum]] = []
            if tags:
                current_tags.extend(tags)
            if route.tags:
                current_tags.extend(route.tags)
            current_dependencies: List[params.Depends] = []
            if dependencies:
                current_dependencies.extend(dependencies)
            if route.dependencies:
                current_dependencies.extend(route.dependencies)
            current_callbacks: List[Any] = []
            if callbacks:
                current_callbacks.extend(callbacks)
            if route.callbacks:
                current_callbacks.extend(route.callbacks)
            current_gen = _first_set_placeholder(route.generate_unique_id_function,
                                                 router.generate_unique_id_function,
                                                 generate_unique_id_function, self.generate_unique_id_function)
            response_model = route.response_model_arg
            self.add_api_route(
                prefix + route.path, route.endpoint, response_model=response_model, status_code=route.status_code,
                tags=current_tags, dependencies=current_dependencies, summary=route.summary,
                description=route.description, response_description=route.response_description,
                responses=combined_responses,
                deprecated=route.deprecated or deprecated or self.deprecated, methods=route.methods,
                operation_id=route.operation_id, response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                include_in_schema=route.include_in_schema and self.include_in_schema and include_in_schema,
                response_class=use_response_class, name=route.name,
                route_class_override=type(route), callbacks=current_callbacks, openapi_extra=route.openapi_extra,
                generate_unique_id_function=current_gen)
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)


def _first_set(*values: Any) -> Any:
    for v in values:
        if not isinstance(v, DefaultPlaceholder):
            return v
    return values[0].value


def _first_set_placeholder(*values: Any) -> Any:
    for v in values:
        if not isinstance(v, DefaultPlaceholder):
            return v
    return values[0]
