"""What a handler (or a dependency) needs from a request, read once from its signature, and how it is
resolved per request. The model mirrors FastAPI's ``fastapi.dependencies.models.Dependant``, so code
written against FastAPI's (the OpenAPI generator, security schemes) reads the same fields.

Data model
----------
``Dependant`` (one per callable: the endpoint, and each ``Depends`` in its tree)
    call                 the function or class called (``None`` never: every Dependant has a call)
    name                 the parameter name its value is passed as, ``None`` for ``dependencies=[...]``
    path                 the route's path pattern
    path_params, query_params, header_params, cookie_params, body_params
                         ``list[ParamField]`` of this callable's own parameters (not of sub-dependencies)
    dependencies         ``list[Dependant]``: sub-dependencies, in call order (route/router/app-level
                         ``dependencies=[...]`` first, then the ``Depends`` parameters)
    request_param_name, response_param_name, background_tasks_param_name,
    security_scopes_param_name, http_connection_param_name
                         names of parameters receiving the ``Request``, the ``Response`` whose headers,
                         cookies and status are merged into the answer, the ``BackgroundTasks``, the
                         ``SecurityScopes`` (``None`` when absent)
    security_scopes      ``list[str]``: scopes accumulated from ``Security(..., scopes=...)`` above it
    security_requirements ``list[SecurityRequirement]``: ``(security_scheme, scopes)`` when ``call`` is
                         a security scheme (an object with ``model`` and ``scheme_name``)
    use_cache            ``Depends(use_cache=...)``; ``cache_key`` is ``(call, tuple(sorted(scopes)))``
    is_coroutine, is_gen, is_async_gen   how ``call`` is called (``async def``, ``yield``, ``async yield``)

``ParamField`` (one parameter read from the request)
    name                 the Python parameter name (the keyword the value is passed as)
    alias                the key in the request: query key, header name (``x-token``: converted from
                         ``x_token`` unless ``convert_underscores=False`` or an alias was given),
                         cookie name, body key
    in_                  ``"path" | "query" | "header" | "cookie" | "body"`` (``location`` is a synonym)
    annotation           the declared type, ``Annotated[...]`` removed, ``Optional`` kept
    type_                the declared type without ``Optional`` (the element type is in ``item_type``
                         for sequences)
    required, default    FastAPI's rules: no default (or ``...``) is required; ``Optional[X]`` without
                         default is required as well (as in FastAPI 0.92)
    field_info           the marker: a ``turboapi.params`` ``Query/Path/Header/Cookie/Body/Form/File``
                         instance (created when the parameter had none), with title, description,
                         constraints (``field_info.constraints()``), example(s), deprecated,
                         include_in_schema, embed, media_type
    is_sequence          a query/header list (``tag: list[str] = Query([])``), or a list-typed form field
    embed                body only: the value is ``body[alias]`` (several body parameters, or
                         ``Body(embed=True)``), not the whole body
    validate             ``validate(value, loc) -> (value, None) | (None, [errors])`` (see _validation)

A route's request body, as FastAPI reports it in OpenAPI, is ``APIRoute.body_fields`` (all body
params of the flattened tree) with ``APIRoute.body_embedded`` and ``APIRoute.body_is_form``.
"""

import copy
import dataclasses
import enum
import inspect
import re
import typing
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from . import params
from ._validation import (
    build_core_validator,
    build_validator,
    is_model_type,
    is_union,
    lenient_issubclass,
    native_kind,
    sequence_origin,
    unwrap_optional,
)
from .background import BackgroundTasks
from .params import Undefined
from .requests import Request
from .responses import Response

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def get_path_param_names(path: str) -> set:
    return set(_PATH_PARAM.findall(path))


class SecurityRequirement(NamedTuple):
    security_scheme: Any
    scopes: Optional[List[str]] = None


class ParamField:
    """One parameter read from the request (see the module docstring)."""

    __slots__ = ("name", "alias", "in_", "annotation", "type_", "item_type", "required", "default",
                 "field_info", "is_sequence", "embed", "validate", "_copy_default", "native_kind",
                 "item_native_kind", "has_constraints", "str_passthrough", "validate_str")

    def __init__(self, *, name: str, alias: str, in_: str, annotation: Any, required: bool, default: Any,
                 field_info: params.FieldInfo, is_sequence: bool = False) -> None:
        self.name = name
        self.alias = alias
        self.in_ = in_
        self.annotation = annotation
        inner, _ = unwrap_optional(annotation)
        self.type_ = inner
        self.item_type = None
        if is_sequence:
            args = typing.get_args(inner)
            self.item_type = args[0] if args else Any
        self.required = required
        self.default = default
        self.field_info = field_info
        self.is_sequence = is_sequence
        self.embed = False
        constraints = field_info.constraints()
        self.has_constraints = bool(constraints)
        self.validate = build_validator(annotation, constraints, name)
        # request strings are never None: skip the Optional wrapper for them
        self.validate_str = self.validate if is_sequence else build_core_validator(annotation, constraints, name)
        self._copy_default = not _is_immutable(default)
        self.native_kind = None if self.has_constraints else native_kind(inner)
        self.item_native_kind = native_kind(self.item_type) if is_sequence else None
        self.str_passthrough = not is_sequence and self.native_kind in ("str", "any")

    @property
    def location(self) -> str:
        return self.in_

    def get_default(self) -> Any:
        return copy.deepcopy(self.default) if self._copy_default else self.default

    def __repr__(self) -> str:
        return f"ParamField({self.in_}:{self.alias} {self.annotation!r}{'' if self.required else ' optional'})"


def _is_immutable(v: Any) -> bool:
    if v is None or isinstance(v, (str, int, float, bool, bytes, enum.Enum, frozenset)):
        return True
    if isinstance(v, tuple):
        return all(_is_immutable(x) for x in v)
    return False


class Dependant:
    """A callable and what it needs (see the module docstring)."""

    def __init__(self, *, call: Callable[..., Any], name: Optional[str] = None, path: str = "",
                 security_scopes: Optional[List[str]] = None, use_cache: bool = True) -> None:
        self.call = call
        self.name = name
        self.path = path
        self.path_params: List[ParamField] = []
        self.query_params: List[ParamField] = []
        self.header_params: List[ParamField] = []
        self.cookie_params: List[ParamField] = []
        self.body_params: List[ParamField] = []
        self.dependencies: List[Dependant] = []
        self.security_requirements: List[SecurityRequirement] = []
        self.request_param_name: Optional[str] = None
        self.websocket_param_name: Optional[str] = None
        self.http_connection_param_name: Optional[str] = None
        self.response_param_name: Optional[str] = None
        self.background_tasks_param_name: Optional[str] = None
        self.security_scopes_param_name: Optional[str] = None
        self.security_scopes = security_scopes
        self.use_cache = use_cache
        self.cache_key = (call, tuple(sorted(set(security_scopes or []))))
        self.is_gen = is_gen_callable(call)
        self.is_async_gen = is_async_gen_callable(call)
        self.is_coroutine = is_coroutine_callable(call)

    @property
    def params(self) -> List[ParamField]:
        """This callable's request parameters in FastAPI's order: path, query, header, cookie, body."""
        return self.path_params + self.query_params + self.header_params + self.cookie_params + self.body_params

    def any_async(self) -> bool:
        """True when this callable or one in its tree is ``async`` (then the route's handler is)."""
        return (self.is_coroutine or self.is_async_gen or any(d.any_async() for d in self.dependencies))

    def __repr__(self) -> str:
        return f"Dependant({getattr(self.call, '__qualname__', self.call)!r}, name={self.name!r})"


def is_coroutine_callable(call: Any) -> bool:
    if inspect.isroutine(call):
        return inspect.iscoroutinefunction(call)
    if inspect.isclass(call):
        return False
    return inspect.iscoroutinefunction(getattr(call, "__call__", None))


def is_gen_callable(call: Any) -> bool:
    if inspect.isgeneratorfunction(call):
        return True
    return not inspect.isclass(call) and inspect.isgeneratorfunction(getattr(call, "__call__", None))


def is_async_gen_callable(call: Any) -> bool:
    if inspect.isasyncgenfunction(call):
        return True
    return not inspect.isclass(call) and inspect.isasyncgenfunction(getattr(call, "__call__", None))


# ------------------------------------------------------------------------------------- analysis


def _typed_signature(call: Callable[..., Any]) -> List[Tuple[inspect.Parameter, Any]]:
    """The parameters of ``call`` with their annotations resolved (string annotations, Annotated kept)."""
    target = call
    if inspect.isclass(call):
        target = call.__init__
        sig = inspect.signature(call)
    else:
        sig = inspect.signature(call)
        if not inspect.isroutine(call) and callable(call):
            target = call.__call__
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # noqa: BLE001 - fall back to the raw annotations
        hints = {}
    out = []
    for name, p in sig.parameters.items():
        ann = hints.get(name, p.annotation)
        if isinstance(ann, str):
            globalns = getattr(target, "__globals__", {})
            try:
                ann = eval(ann, globalns, globalns)  # noqa: S307 - what typing.get_type_hints does
            except Exception as e:  # noqa: BLE001
                raise TypeError(f"{_qualname(call)}: cannot resolve the annotation {ann!r} of {name!r}: {e}") from e
        out.append((p, ann))
    return out


def _qualname(call: Any) -> str:
    return getattr(call, "__qualname__", None) or type(call).__qualname__


def _security_scopes_class() -> Optional[type]:
    try:
        from .security import SecurityScopes  # noqa: PLC0415
    except Exception:  # noqa: BLE001
        return None
    return SecurityScopes


def _is_security_scheme(obj: Any) -> bool:
    return hasattr(obj, "scheme_name") and hasattr(obj, "model")


def _is_scalar_type(tp: Any) -> bool:
    """FastAPI's ``is_scalar_field`` on a type: not a model, list, set, tuple or dict."""
    inner, _ = unwrap_optional(tp)
    if is_union(inner):
        return all(_is_scalar_type(a) for a in typing.get_args(inner) if a is not type(None))
    if typing.get_origin(inner) is typing.Annotated:
        return _is_scalar_type(typing.get_args(inner)[0])
    if sequence_origin(inner) is not None:
        return False
    origin = typing.get_origin(inner) or inner
    if origin in (dict, typing.Dict) or lenient_issubclass(origin, dict):
        return False
    if is_model_type(inner):
        return False
    return True


def _is_scalar_sequence_type(tp: Any) -> bool:
    inner, _ = unwrap_optional(tp)
    if sequence_origin(inner) is None:
        return False
    args = typing.get_args(inner)
    return all(_is_scalar_type(a) for a in args if a is not Ellipsis)


def _upload_file_class() -> Optional[type]:
    try:
        from .datastructures import UploadFile  # noqa: PLC0415
    except Exception:  # noqa: BLE001
        return None
    return UploadFile


def _split_annotated(annotation: Any) -> Tuple[Any, Optional[Any]]:
    """``Annotated[T, Query(...)]`` -> ``(T, Query(...))``; the last TurboAPI marker wins."""
    if typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        marker = None
        for m in args[1:]:
            if isinstance(m, (params.FieldInfo, params.Depends)):
                marker = m
        return args[0], marker
    return annotation, None


def get_dependant(*, path: str, call: Callable[..., Any], name: Optional[str] = None,
                  security_scopes: Optional[List[str]] = None, use_cache: bool = True) -> Dependant:
    """Reads ``call``'s signature into a Dependant (recursively for its ``Depends`` parameters)."""
    path_param_names = get_path_param_names(path)
    dependant = Dependant(call=call, name=name, path=path, security_scopes=security_scopes, use_cache=use_cache)
    for param, raw_annotation in _typed_signature(call):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue  # FastAPI ignores *args/**kwargs as well
        annotation, marker = _split_annotated(raw_annotation)
        default = param.default
        if isinstance(default, (params.FieldInfo, params.Depends)):
            marker, default = default, (default.default if isinstance(default, params.FieldInfo) else Undefined)
        elif default is inspect.Parameter.empty:
            default = marker.default if isinstance(marker, params.FieldInfo) else Undefined
        if isinstance(marker, params.Depends):
            dependency = marker.dependency or annotation
            dependant.dependencies.append(_sub_dependant(marker, dependency, path, param.name, security_scopes))
            continue
        if _add_special_param(param.name, annotation, dependant):
            continue
        field = _param_field(param.name, annotation, default, marker, path_param_names, call)
        if field.in_ == "path":
            dependant.path_params.append(field)
        elif field.in_ == "query":
            dependant.query_params.append(field)
        elif field.in_ == "header":
            dependant.header_params.append(field)
        elif field.in_ == "cookie":
            dependant.cookie_params.append(field)
        else:
            dependant.body_params.append(field)
    return dependant


def _sub_dependant(depends: params.Depends, dependency: Any, path: str, name: Optional[str],
                   security_scopes: Optional[List[str]]) -> Dependant:
    if dependency is None or dependency is inspect.Parameter.empty or not callable(dependency):
        raise TypeError(f"Depends() of parameter {name!r} has no callable dependency")
    scopes = list(security_scopes or [])
    if isinstance(depends, params.Security):
        scopes.extend(depends.scopes)
    requirement = None
    if _is_security_scheme(dependency):
        use_scopes: List[str] = []
        if type(dependency).__name__ in ("OAuth2", "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer",
                                         "OpenIdConnect") or any(
                c.__name__ in ("OAuth2", "OpenIdConnect") for c in type(dependency).__mro__):
            use_scopes = scopes
        requirement = SecurityRequirement(security_scheme=dependency, scopes=use_scopes)
    sub = get_dependant(path=path, call=dependency, name=name, security_scopes=scopes, use_cache=depends.use_cache)
    if requirement is not None:
        sub.security_requirements.append(requirement)
    return sub


def get_parameterless_sub_dependant(*, depends: params.Depends, path: str) -> Dependant:
    """A ``dependencies=[Depends(f)]`` entry: called, its value not passed to the endpoint."""
    if not callable(depends.dependency):
        raise TypeError("A parameter-less dependency must have a callable dependency")
    return _sub_dependant(depends, depends.dependency, path, None, None)


def _add_special_param(name: str, annotation: Any, dependant: Dependant) -> bool:
    if lenient_issubclass(annotation, Request):
        dependant.request_param_name = name
        return True
    if lenient_issubclass(annotation, Response):
        dependant.response_param_name = name
        return True
    if lenient_issubclass(annotation, BackgroundTasks):
        dependant.background_tasks_param_name = name
        return True
    scopes_class = _security_scopes_class()
    if scopes_class is not None and lenient_issubclass(annotation, scopes_class):
        dependant.security_scopes_param_name = name
        return True
    return False


def _param_field(name: str, annotation: Any, default: Any, marker: Optional[params.FieldInfo],
                 path_param_names: set, call: Any) -> ParamField:
    if annotation is inspect.Parameter.empty:
        annotation = Any
    if default is ...:
        default = Undefined
    upload = _upload_file_class()
    inner, _ = unwrap_optional(annotation)
    if name in path_param_names:
        if not _is_scalar_type(annotation):
            raise TypeError(f"{_qualname(call)}: path parameter {name!r} must be of a scalar type, not {annotation!r}")
        info = marker if isinstance(marker, params.Path) else params.Path(
            **_marker_kwargs(marker)) if marker is not None else params.Path()
        return _make_field(name, annotation, Undefined, info, "path", False)
    if marker is None:
        if upload is not None and (lenient_issubclass(inner, upload) or (
                sequence_origin(inner) is not None and typing.get_args(inner)
                and lenient_issubclass(typing.get_args(inner)[0], upload))):
            marker = params.File(default)
        elif _is_scalar_type(annotation):
            marker = params.Query(default)
        else:
            marker = params.Body(default)
    if isinstance(marker, params.Param):
        in_ = marker.in_.value
        if _is_scalar_type(annotation):
            return _make_field(name, annotation, default, marker, in_, False)
        if in_ in ("query", "header") and _is_scalar_sequence_type(annotation):
            return _make_field(name, annotation, default, marker, in_, True)
        raise TypeError(f"{_qualname(call)}: Param: {name} can only be a request body, using Body()")
    is_seq = sequence_origin(inner) is not None and isinstance(marker, params.Form)
    return _make_field(name, annotation, default, marker, "body", is_seq)


def _marker_kwargs(marker: params.FieldInfo) -> Dict[str, Any]:
    keys = ("alias", "title", "description", "gt", "ge", "lt", "le", "min_length", "max_length", "regex",
            "example", "examples", "deprecated", "include_in_schema")
    return {k: getattr(marker, k) for k in keys}


def _make_field(name: str, annotation: Any, default: Any, info: params.FieldInfo, in_: str,
                is_sequence: bool) -> ParamField:
    required = default is Undefined
    if in_ == "header" and not info.alias and getattr(info, "convert_underscores", True):
        alias = name.replace("_", "-")
    else:
        alias = info.alias or name
    return ParamField(name=name, alias=alias, in_=in_, annotation=annotation, required=required,
                      default=None if required else default, field_info=info, is_sequence=is_sequence)


def get_flat_dependant(dependant: Dependant, *, skip_repeats: bool = False,
                       visited: Optional[List[Any]] = None) -> Dependant:
    """All request parameters of the tree in one Dependant (FastAPI's ``get_flat_dependant``)."""
    if visited is None:
        visited = []
    visited.append(dependant.cache_key)
    flat = Dependant(call=dependant.call, path=dependant.path, use_cache=dependant.use_cache)
    flat.path_params = dependant.path_params.copy()
    flat.query_params = dependant.query_params.copy()
    flat.header_params = dependant.header_params.copy()
    flat.cookie_params = dependant.cookie_params.copy()
    flat.body_params = dependant.body_params.copy()
    flat.security_requirements = dependant.security_requirements.copy()
    for sub in dependant.dependencies:
        if skip_repeats and sub.cache_key in visited:
            continue
        f = get_flat_dependant(sub, skip_repeats=skip_repeats, visited=visited)
        flat.path_params.extend(f.path_params)
        flat.query_params.extend(f.query_params)
        flat.header_params.extend(f.header_params)
        flat.cookie_params.extend(f.cookie_params)
        flat.body_params.extend(f.body_params)
        flat.security_requirements.extend(f.security_requirements)
    return flat


def get_flat_params(dependant: Dependant) -> List[ParamField]:
    flat = get_flat_dependant(dependant, skip_repeats=True)
    return flat.path_params + flat.query_params + flat.header_params + flat.cookie_params


def setup_body(dependant: Dependant) -> Tuple[List[ParamField], bool, bool]:
    """Decides, as FastAPI's ``get_body_field``, whether the body parameters are embedded (more than one
    distinct name, or ``embed=True``) and whether the body is a form. Returns
    ``(body_params, embedded, is_form)`` and sets ``ParamField.embed``."""
    flat = get_flat_dependant(dependant)
    body = flat.body_params
    if not body:
        return [], False, False
    names = {f.name for f in body}
    embedded = not (len(names) == 1 and not getattr(body[0].field_info, "embed", False))
    for f in body:
        f.embed = embedded
    is_form = any(isinstance(f.field_info, params.Form) for f in body)
    return body, embedded, is_form


# -------------------------------------------------------------------------------------- solving


class SolveContext:
    """Per-request state while resolving a route's dependencies."""

    __slots__ = ("request", "body", "background_tasks", "response", "cache", "stack", "overrides")

    def __init__(self, request: Request, body: Any, stack: Optional[AsyncExitStack], overrides: Any) -> None:
        self.request = request
        self.body = body
        self.background_tasks: Optional[BackgroundTasks] = None
        self.response: Optional[Response] = None
        self.cache: Dict[Any, Any] = {}
        self.stack = stack
        self.overrides = overrides

    def sub_response(self) -> Response:
        if self.response is None:
            r = Response()
            r.status_code = None  # type: ignore[assignment] - "not set", as in FastAPI
            r.raw_headers = []
            self.response = r
        return self.response


_override_cache: Dict[Any, Dependant] = {}


async def solve_dependencies(ctx: SolveContext, dependant: Dependant) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The keyword arguments for ``dependant.call`` and the validation errors, in FastAPI's order
    (sub-dependencies first, then path, query, header, cookie, body)."""
    values: Dict[str, Any] = {}
    errors: List[Dict[str, Any]] = []
    for sub in dependant.dependencies:
        call = sub.call
        use_sub = sub
        overrides = ctx.overrides
        if overrides:
            call = overrides.get(sub.call, sub.call)
            if call is not sub.call:
                key = (call, sub.path, sub.name)
                use_sub = _override_cache.get(key)  # type: ignore[assignment]
                if use_sub is None:
                    use_sub = get_dependant(path=sub.path, call=call, name=sub.name,
                                            security_scopes=sub.security_scopes)
                    _override_cache[key] = use_sub
        sub_values, sub_errors = await solve_dependencies(ctx, use_sub)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        cache_key = sub.cache_key
        if sub.use_cache and cache_key in ctx.cache:
            solved = ctx.cache[cache_key]
        elif use_sub.is_gen or use_sub.is_async_gen:
            stack = ctx.stack
            if use_sub.is_gen:
                solved = stack.enter_context(contextmanager(call)(**sub_values))  # type: ignore[union-attr]
            else:
                solved = await stack.enter_async_context(asynccontextmanager(call)(**sub_values))  # type: ignore
        elif use_sub.is_coroutine:
            solved = await call(**sub_values)
        else:
            solved = call(**sub_values)
        if sub.name is not None:
            values[sub.name] = solved
        if cache_key not in ctx.cache:
            ctx.cache[cache_key] = solved
    request = ctx.request
    if dependant.path_params:
        _read_params(dependant.path_params, request._data.path_params, values, errors, None)
    if dependant.query_params:
        _read_params(dependant.query_params, request._query_lookup(), values, errors, "q")
    if dependant.header_params:
        _read_params(dependant.header_params, request.headers, values, errors, "h")
    if dependant.cookie_params:
        _read_params(dependant.cookie_params, request.cookies, values, errors, None)
    if dependant.body_params:
        await _read_body(dependant.body_params, ctx.body, values, errors)
    if dependant.request_param_name:
        values[dependant.request_param_name] = request
    if dependant.http_connection_param_name:
        values[dependant.http_connection_param_name] = request
    if dependant.background_tasks_param_name:
        if ctx.background_tasks is None:
            ctx.background_tasks = BackgroundTasks()
        values[dependant.background_tasks_param_name] = ctx.background_tasks
    if dependant.response_param_name:
        values[dependant.response_param_name] = ctx.sub_response()
    if dependant.security_scopes_param_name:
        scopes_class = _security_scopes_class()
        values[dependant.security_scopes_param_name] = scopes_class(scopes=dependant.security_scopes)  # type: ignore
    return values, errors


def _read_params(fields: List[ParamField], received: Any, values: Dict[str, Any], errors: List[Dict[str, Any]],
                 multi: Optional[str]) -> None:
    for field in fields:
        if field.is_sequence and multi is not None:
            value = received.getlist(field.alias) or field.default
        else:
            value = received.get(field.alias)
        if value is None:
            if field.required:
                errors.append({"loc": (field.in_, field.alias), "msg": "field required",
                               "type": "value_error.missing"})
            else:
                values[field.name] = field.get_default()
            continue
        if value.__class__ is str:
            if field.str_passthrough:
                values[field.name] = value  # str/Any without constraints: nothing to check
                continue
            v, errs = field.validate_str(value, (field.in_, field.alias))
        else:
            v, errs = field.validate(value, (field.in_, field.alias))
        if errs:
            errors.extend(errs)
        else:
            values[field.name] = v


async def _read_body(fields: List[ParamField], body: Any, values: Dict[str, Any], errors: List[Dict[str, Any]]) -> None:
    first = fields[0]
    omitted = len(fields) == 1 and not first.embed
    if omitted:
        body = {first.alias: body}
    for field in fields:
        loc = ("body",) if omitted else ("body", field.alias)
        info = field.field_info
        is_form = isinstance(info, params.Form)
        value: Any = None
        if body is not None:
            if is_form and field.is_sequence and hasattr(body, "getlist"):
                value = body.getlist(field.alias)
            else:
                try:
                    value = body.get(field.alias)
                except AttributeError:
                    errors.append({"loc": loc, "msg": "field required", "type": "value_error.missing"})
                    continue
        if value is None or (is_form and (value == "" or (field.is_sequence and len(value) == 0))):
            if field.required:
                errors.append({"loc": loc, "msg": "field required", "type": "value_error.missing"})
            else:
                values[field.name] = field.get_default()
            continue
        if isinstance(info, params.File) and _wants_bytes(field):
            if field.is_sequence:
                value = [await _read_upload(v) for v in value]
            else:
                value = await _read_upload(value)
        v, errs = field.validate(value, loc)
        if errs:
            errors.extend(errs)
        else:
            values[field.name] = v


def _wants_bytes(field: ParamField) -> bool:
    tp = field.item_type if field.is_sequence else field.type_
    return lenient_issubclass(tp, bytes)


async def _read_upload(value: Any) -> Any:
    read = getattr(value, "read", None)
    if read is None:
        return value
    r = read()
    if inspect.isawaitable(r):
        r = await r
    return r


def is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)
