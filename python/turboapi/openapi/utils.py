"""``get_openapi(...)``: the OpenAPI document of an app's routes, the same document FastAPI 0.92
generates for the same app (``fastapi/openapi/utils.py``), key order included.

What a route must offer (``turboapi.routing.APIRoute`` attributes; FastAPI's names; anything missing
takes FastAPI's default): ``path``, ``methods``, ``endpoint``, ``name``, ``include_in_schema``,
``tags``, ``summary``, ``description``, ``operation_id``, ``unique_id``, ``deprecated``,
``status_code``, ``response_class``, ``response_model``, ``response_description``, ``responses``,
``dependencies`` (route-level ``Depends``), ``openapi_extra``, ``callbacks``,
``generate_unique_id_function``. As in FastAPI:
- ``methods``: exactly the declared methods (no implicit HEAD);
- ``tags``, ``dependencies``, ``responses``: already merged with the routers' (``include_router``);
- ``response_model``: the effective one, i.e. the return annotation when ``response_model=`` was
  not given (FastAPI >= 0.89), None when there is none or it was set to None. A route without the
  attribute gets the return annotation.
- ``description``: ``description=`` or the docstring (cut at a form feed); read from the
  endpoint when missing.

The parameters, request body and security requirements come from the endpoint's signature and its
``Depends`` / ``Security`` tree, read here the way FastAPI's ``get_dependant`` reads them (see
``analyze``): ``Query/Path/Header/Cookie/Body/Form/File`` markers (as defaults or in ``Annotated``),
by duck typing, so both turboapi's markers and FastAPI's are understood.
"""

import http.client
import inspect
import re
import typing
import warnings
from enum import Enum
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

from . import models as _models
from . import schema as _schema
from .constants import METHODS_WITH_BODY, REF_PREFIX

validation_error_definition = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
    },
    "required": ["loc", "msg", "type"],
}

validation_error_response_definition = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": REF_PREFIX + "ValidationError"},
        }
    },
}

status_code_ranges: Dict[str, str] = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
# Parameters the framework fills from the request itself, never documented (FastAPI's
# add_non_field_param_to_dependency), recognized by class name anywhere in the annotation's MRO.
_FRAMEWORK_CLASSES = {"Request", "WebSocket", "HTTPConnection", "Response", "BackgroundTasks", "SecurityScopes"}
_SEQUENCE_TYPES = (list, set, tuple, frozenset)
_MEDIA_TYPES = {"body": "application/json", "form": "application/x-www-form-urlencoded",
                "file": "multipart/form-data"}


# --- helpers over routes --------------------------------------------------------------------------

def path_format(path: str) -> str:
    """``/files/{p:path}`` -> ``/files/{p}`` (Starlette's ``path_format``)."""
    return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def generate_unique_id(route: Any) -> str:
    """fastapi.utils.generate_unique_id: ``name + path`` with non-word characters as ``_``, then
    ``_`` and the (first) method: ``read_item_items__item_id__get``."""
    operation_id = re.sub(r"\W", "_", route.name + path_format(route.path))
    assert route.methods
    return operation_id + "_" + list(route.methods)[0].lower()


def route_unique_id(route: Any) -> str:
    unique_id = getattr(route, "unique_id", None)
    if unique_id:
        return unique_id
    operation_id = getattr(route, "operation_id", None)
    if operation_id:
        return operation_id
    generate = getattr(route, "generate_unique_id_function", None)
    if callable(generate):
        return generate(route)
    return generate_unique_id(route)


def route_description(route: Any) -> str:
    description = getattr(route, "description", None) or inspect.cleandoc(route.endpoint.__doc__ or "")
    return description.split("\f")[0].strip()


def route_response_model(route: Any) -> Any:
    """``response_model=`` if the route has the attribute; else, as FastAPI 0.92, the endpoint's
    return annotation unless it is a Response class."""
    if hasattr(route, "response_model"):
        return route.response_model
    try:
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
    except Exception:  # noqa: BLE001
        hints = getattr(route.endpoint, "__annotations__", {})
    annotation = hints.get("return", None)
    if annotation is None or annotation is inspect.Signature.empty or _is_response_class(annotation):
        return None
    return annotation


def _is_response_class(tp: Any) -> bool:
    return isinstance(tp, type) and any(b.__name__ == "Response" for b in tp.__mro__)


def _is_json_response_class(tp: Any) -> bool:
    return isinstance(tp, type) and any(b.__name__ == "JSONResponse" for b in tp.__mro__)


def _response_class(route: Any) -> Any:
    cls = getattr(route, "response_class", None)
    cls = getattr(cls, "value", cls)  # FastAPI's DefaultPlaceholder
    if cls is None:
        from ..responses import JSONResponse
        cls = JSONResponse
    return cls


def is_body_allowed_for_status_code(status_code: Union[int, str, None]) -> bool:
    if status_code is None:
        return True
    if status_code in {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}:
        return True
    current = int(status_code)
    return not (current < 200 or current in {204, 304})


def deep_dict_update(main_dict: Dict[Any, Any], update_dict: Dict[Any, Any]) -> None:
    for key, value in update_dict.items():
        if key in main_dict and isinstance(main_dict[key], dict) and isinstance(value, dict):
            deep_dict_update(main_dict[key], value)
        elif key in main_dict and isinstance(main_dict[key], list) and isinstance(update_dict[key], list):
            main_dict[key] = main_dict[key] + update_dict[key]
        else:
            main_dict[key] = value


# --- the dependency tree, as FastAPI's get_dependant sees it --------------------------------------

class Field:
    """One documented input: a path/query/header/cookie parameter or a body field."""

    def __init__(self, *, name: str, alias: str, location: str, annotation: Any, required: bool, default: Any,
                 marker: Any, body_kind: str = "body") -> None:
        self.name = name
        self.alias = alias
        self.location = location  # path | query | header | cookie | body
        self.annotation = annotation
        self.required = required
        self.default = default
        self.marker = marker
        self.body_kind = body_kind  # body | form | file

    def attr(self, name: str, default: Any = None) -> Any:
        value = getattr(self.marker, name, default) if self.marker is not None else default
        return default if _is_undefined(value) else value

    def info(self) -> _schema.FieldInfo:
        constraints = {}
        for key in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "regex"):
            value = self.attr(key)
            if value is None and key == "regex":
                value = self.attr("pattern")
            if value is not None:
                constraints[key] = value
        extra = self.attr("extra") or self.attr("json_schema_extra") or {}
        if not isinstance(extra, dict):
            extra = {}
        return _schema.FieldInfo(alias=self.alias, required=self.required, default=self.default,
                                 title=self.attr("title"), description=self.attr("description"),
                                 constraints=constraints, const=bool(self.attr("const")), extra=dict(extra))

    def schema(self, name_map: Dict[type, str]) -> Dict[str, Any]:
        annotation = self.annotation
        if _is_upload_file(_schema.inner_type(annotation)):
            annotation = _replace_upload_file(annotation)
        return _schema.field_schema(annotation, self.info(), name_map)


class Dependant:
    """A callable's inputs: its own fields, its sub-dependencies, its security requirements."""

    def __init__(self, call: Any, security_scopes: Optional[List[str]] = None) -> None:
        self.call = call
        self.fields: List[Field] = []
        self.dependencies: List["Dependant"] = []
        self.security_requirements: List[Tuple[Any, List[str]]] = []
        self.security_scopes = security_scopes
        self.cache_key = (call, tuple(sorted(set(security_scopes or []))))

    def fields_in(self, location: str) -> List[Field]:
        return [f for f in self.fields if f.location == location]


_SENTINEL_NAMES = {"undefinedtype", "undefined", "pydanticundefinedtype", "missing", "missingtype", "unset",
                   "unsettype", "required", "requiredtype"}


def _is_undefined(value: Any) -> bool:
    """A "no value" sentinel (pydantic's Undefined, a marker's own ``_Missing``/``_UNSET``...)."""
    return value is inspect.Parameter.empty or type(value).__name__.strip("_").lower() in _SENTINEL_NAMES


def _class_names(tp: Any) -> Set[str]:
    return {b.__name__ for b in tp.__mro__} if isinstance(tp, type) else set()


def _is_upload_file(tp: Any) -> bool:
    return "UploadFile" in _class_names(tp)


def _replace_upload_file(tp: Any) -> Any:
    tp = _schema.strip_annotated(tp)
    if _is_upload_file(tp):
        return _UploadFileSchema
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if not args or origin is None:
        return tp
    new_args = tuple(_replace_upload_file(a) for a in args)
    if _schema.is_union(tp):
        return typing.Union[new_args]
    try:
        return tp.copy_with(new_args)
    except Exception:  # noqa: BLE001
        return tp


class _UploadFileSchema:
    """``{"type": "string", "format": "binary"}`` (FastAPI's UploadFile.__modify_schema__)."""

    @classmethod
    def __modify_schema__(cls, field_schema: Dict[str, Any]) -> None:
        field_schema.update({"type": "string", "format": "binary"})


def _is_depends(marker: Any) -> bool:
    return marker is not None and hasattr(marker, "dependency") and hasattr(marker, "use_cache") or (
        marker is not None and type(marker).__name__ in ("Depends", "Security", "DependsParam", "SecurityParam"))


def _is_security_marker(marker: Any) -> bool:
    return _is_depends(marker) and hasattr(marker, "scopes")


def _is_param_marker(marker: Any) -> bool:
    if marker is None or _is_depends(marker):
        return False
    return hasattr(marker, "in_") or hasattr(marker, "source") or bool(
        _class_names(type(marker)) & {"Query", "Path", "Header", "Cookie", "Body", "Form", "File", "Param",
                                      "FieldInfo"})


def _marker_location(marker: Any) -> Tuple[Optional[str], str]:
    """(path|query|header|cookie|body|None, body kind)."""
    names = _class_names(type(marker))
    source = getattr(marker, "source", None)
    if source in ("form", "file"):
        return "body", source
    if "File" in names or "FileParam" in names:
        return "body", "file"
    if "Form" in names or "FormParam" in names:
        return "body", "form"
    if "Body" in names or "BodyParam" in names or source == "body":
        return "body", "body"
    in_ = getattr(marker, "in_", None)
    in_ = getattr(in_, "value", in_)
    if in_ in ("path", "query", "header", "cookie"):
        return in_, "body"
    if source in ("path", "query", "header", "cookie"):
        return source, "body"
    return None, "body"


def _is_security_scheme(call: Any) -> bool:
    return hasattr(call, "scheme_name") and hasattr(call, "model") and not isinstance(call, type)


def scheme_dict(scheme: Any) -> Dict[str, Any]:
    model = scheme.model
    if isinstance(model, dict):
        return dict(model)
    from ..encoders import jsonable_encoder
    return jsonable_encoder(model.dict(by_alias=True, exclude_none=True))


def _scheme_uses_scopes(scheme: Any) -> bool:
    return scheme_dict(scheme).get("type") in ("oauth2", "openIdConnect")


def _signature(call: Any) -> List[Tuple[str, inspect.Parameter, Any]]:
    """(name, parameter, resolved annotation) of a dependency callable (function, class, instance)."""
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):
        return []
    target = call
    if inspect.isclass(call):
        target = call.__init__
    elif not (inspect.isfunction(call) or inspect.ismethod(call)) and callable(call):
        target = type(call).__call__
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # noqa: BLE001
        hints = {}
    out = []
    for name, parameter in signature.parameters.items():
        annotation = hints.get(name, parameter.annotation)
        if isinstance(annotation, str):
            annotation = inspect.Parameter.empty
        out.append((name, parameter, annotation))
    return out


def _is_scalar(annotation: Any) -> bool:
    """FastAPI's is_scalar_field (for a field whose marker is not a Body)."""
    tp = _schema.strip_annotated(annotation)
    kind, inner = _schema.shape(tp)
    if kind == "union":
        return all(_is_scalar(a) for a in inner)
    if kind != "singleton":
        return False
    tp = _schema.unwrap_optional(tp)[0]
    if tp is inspect.Parameter.empty or tp is Any:
        return True
    origin = typing.get_origin(tp) or tp
    if _schema.is_model(origin) or hasattr(origin, "__dataclass_fields__"):
        return False
    if isinstance(origin, type) and issubclass(origin, _SEQUENCE_TYPES + (dict,)):
        return False
    return True


def _is_scalar_sequence(annotation: Any) -> bool:
    tp = _schema.unwrap_optional(_schema.strip_annotated(annotation))[0]
    kind, inner = _schema.shape(tp)
    if kind in ("list", "set", "tuple_ellipsis") and not _schema.is_model(inner):
        return _is_scalar(inner)
    return isinstance(tp, type) and issubclass(tp, _SEQUENCE_TYPES)


def analyze(call: Any, path: str, security_scopes: Optional[List[str]] = None) -> Dependant:
    """fastapi.dependencies.utils.get_dependant, for documentation only."""
    path_names = set(_PATH_PARAM.findall(path))
    dependant = Dependant(call, security_scopes)
    for name, parameter, annotation in _signature(call):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        marker = None
        default = parameter.default
        if typing.get_origin(annotation) is typing.Annotated:
            extras = typing.get_args(annotation)
            annotation = extras[0]
            for extra in extras[1:]:
                if _is_depends(extra) or _is_param_marker(extra):
                    marker = extra
        if _is_depends(default) or _is_param_marker(default):
            marker = default
            default = inspect.Parameter.empty
        if _is_depends(marker):
            dependency = getattr(marker, "dependency", None) or annotation
            dependant.dependencies.append(_sub_dependant(marker, dependency, path, security_scopes))
            continue
        if _class_names(_schema.unwrap_optional(annotation)[0]) & _FRAMEWORK_CLASSES:
            continue
        if marker is not None:
            marker_default = getattr(marker, "default", ...)
            default = inspect.Parameter.empty if _is_undefined(marker_default) else marker_default
        field = _make_field(name, annotation, default, marker, path_names)
        if field is not None:
            dependant.fields.append(field)
    return dependant  # a security scheme's requirement is recorded by its parent (_sub_dependant)


def _sub_dependant(marker: Any, dependency: Any, path: str, security_scopes: Optional[List[str]]) -> Dependant:
    """fastapi.dependencies.utils.get_sub_dependant (including its sharing of the scopes list)."""
    scopes = security_scopes or []
    if _is_security_marker(marker):
        scopes.extend(getattr(marker, "scopes", None) or [])
    requirement = None
    if _is_security_scheme(dependency):
        requirement = (dependency, scopes if _scheme_uses_scopes(dependency) else [])
    sub = analyze(dependency, path, scopes)
    if requirement is not None:
        sub.security_requirements.append(requirement)
    return sub


def _make_field(name: str, annotation: Any, default: Any, marker: Any, path_names: Set[str]) -> Optional[Field]:
    location, body_kind = _marker_location(marker) if marker is not None else (None, "body")
    if name in path_names:
        keep_marker = marker if location == "path" else None
        return Field(name=name, alias=_alias(name, keep_marker, "path"), location="path", annotation=annotation,
                     required=True, default=None, marker=keep_marker)
    required = default is inspect.Parameter.empty or default is ...
    value = None if required else default
    if location is None:
        location = "query"
        if _is_upload_file(_schema.inner_type(annotation)):  # FastAPI: a bare UploadFile is a File()
            location, body_kind = "body", "file"
    if location != "body" and _is_scalar(annotation):
        return Field(name=name, alias=_alias(name, marker, location), location=location, annotation=annotation,
                     required=required, default=value, marker=marker)
    if marker is not None and location in ("query", "header") and _is_scalar_sequence(annotation):
        return Field(name=name, alias=_alias(name, marker, location), location=location, annotation=annotation,
                     required=required, default=value, marker=marker)
    marker_for_body = marker if location == "body" else None  # not scalar, no body marker: the body
    return Field(name=name, alias=_alias(name, marker_for_body, "body"), location="body", annotation=annotation,
                 required=required, default=value, marker=marker_for_body, body_kind=body_kind)


def _alias(name: str, marker: Any, location: str) -> str:
    alias = getattr(marker, "alias", None) if marker is not None else None
    if alias:
        return alias
    if location == "header" and getattr(marker, "convert_underscores", True):
        return name.replace("_", "-")
    return name


def route_dependant(route: Any) -> Dependant:
    """The route's tree: the endpoint's, with route-level ``dependencies=[...]`` first."""
    path = path_format(route.path)
    dependant = analyze(route.endpoint, path)
    for depends in list(getattr(route, "dependencies", None) or [])[::-1]:
        dependency = getattr(depends, "dependency", None)
        dependant.dependencies.insert(0, _sub_dependant(depends, dependency, path, None))
    return dependant


def flatten(dependant: Dependant, *, skip_repeats: bool = False,
            visited: Optional[List[Any]] = None) -> Tuple[List[Field], List[Tuple[Any, List[str]]]]:
    """fastapi.dependencies.utils.get_flat_dependant: (fields, security requirements), the
    dependant's own first, then each sub-dependency's, depth first."""
    if visited is None:
        visited = []
    visited.append(dependant.cache_key)
    by_location: Dict[str, List[Field]] = {k: dependant.fields_in(k)
                                          for k in ("path", "query", "header", "cookie", "body")}
    security = list(dependant.security_requirements)
    for sub in dependant.dependencies:
        if skip_repeats and sub.cache_key in visited:
            continue
        sub_fields, sub_security = flatten(sub, skip_repeats=skip_repeats, visited=visited)
        for f in sub_fields:
            by_location[f.location].append(f)
        security.extend(sub_security)
    fields = [f for k in ("path", "query", "header", "cookie", "body") for f in by_location[k]]
    return fields, security


class BodyField:
    """The request body as one field (FastAPI's get_body_field): the single body parameter itself,
    or a generated ``Body_<operation id>`` object of all of them."""

    def __init__(self, fields: List[Field], unique_id: str) -> None:
        self.fields = fields
        names = {f.name for f in fields}
        first = fields[0]
        # Form() and File() are always embedded (FastAPI: embed=True): a Body_* object even for one field
        self.single = len(names) == 1 and not first.attr("embed", first.body_kind in ("form", "file"))
        if self.single:
            self.required = first.required
            self.media_type = first.attr("media_type") or _MEDIA_TYPES[first.body_kind]
            self.marker = first.marker
            self.model_name = None
        else:
            self.required = any(f.required for f in fields)
            kinds = {f.body_kind for f in fields}
            if "file" in kinds:
                self.media_type = _MEDIA_TYPES["file"]
            elif "form" in kinds:
                self.media_type = _MEDIA_TYPES["form"]
            else:
                media = {f.attr("media_type") or "application/json" for f in fields if f.body_kind == "body"}
                self.media_type = media.pop() if len(media) == 1 else "application/json"
            self.marker = None
            self.model_name = "Body_" + unique_id
            unique: Dict[str, Field] = {}
            for f in fields:
                unique[f.name] = f
            self.fields = list(unique.values())

    def schema(self, name_map: Dict[type, str]) -> Dict[str, Any]:
        if self.single:
            return self.fields[0].schema(name_map)
        return {"$ref": REF_PREFIX + _schema.normalize_name(self.model_name)}

    def definition(self, name_map: Dict[type, str]) -> Dict[str, Any]:
        properties = {f.alias: f.schema(name_map) for f in self.fields}
        return _schema.object_schema(self.model_name, properties, [f.alias for f in self.fields if f.required])


# --- the document ---------------------------------------------------------------------------------

class _RouteInfo:
    """Everything the document needs from one route, computed once."""

    def __init__(self, route: Any) -> None:
        self.route = route
        self.path = path_format(route.path)
        self.unique_id = route_unique_id(route)
        self.dependant = route_dependant(route)
        self.params, _ = flatten(self.dependant, skip_repeats=True)
        self.params = [f for f in self.params if f.location != "body"]
        all_fields, _ = flatten(self.dependant)
        body_fields = [f for f in all_fields if f.location == "body"]
        self.body = BodyField(body_fields, self.unique_id) if body_fields else None
        self.response_model = route_response_model(route)
        self.responses = dict(getattr(route, "responses", None) or {})
        # OpenAPI callbacks (``callbacks=router.routes``): documented as operations of their own
        self.callbacks = [_RouteInfo(cb) for cb in (getattr(route, "callbacks", None) or [])
                          if hasattr(cb, "endpoint") and getattr(cb, "methods", None)]

    def annotations(self) -> List[Any]:
        out = [f.annotation for f in self.params]
        if self.body is not None:
            out += [f.annotation for f in self.body.fields]
        if self.response_model is not None:
            out.append(self.response_model)
        for response in self.responses.values():
            if isinstance(response, dict) and response.get("model") is not None:
                out.append(response["model"])
        for callback in self.callbacks:
            if getattr(callback.route, "include_in_schema", True):
                out += callback.annotations()
        return out


def _documented_routes(routes: Sequence[Any]) -> List[Any]:
    return [r for r in routes if getattr(r, "include_in_schema", True) and hasattr(r, "endpoint")
            and getattr(r, "methods", None) and hasattr(r, "path")]


def get_openapi_security_definitions(
        requirements: List[Tuple[Any, List[str]]]) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    definitions: Dict[str, Any] = {}
    operation_security: List[Dict[str, Any]] = []
    for scheme, scopes in requirements:
        definitions[scheme.scheme_name] = scheme_dict(scheme)
        operation_security.append({scheme.scheme_name: scopes})
    return definitions, operation_security


def get_openapi_operation_parameters(params: List[Field], name_map: Dict[type, str]) -> List[Dict[str, Any]]:
    from ..encoders import jsonable_encoder
    parameters = []
    for param in params:
        if param.attr("include_in_schema", True) is False:
            continue
        parameter: Dict[str, Any] = {
            "name": param.alias,
            "in": param.location,
            "required": param.required,
            "schema": param.schema(name_map),
        }
        description = param.attr("description")
        if description:
            parameter["description"] = description
        examples = param.attr("examples")
        example = param.attr("example", inspect.Parameter.empty)
        if examples:
            parameter["examples"] = jsonable_encoder(examples)
        elif not _is_undefined(example) and hasattr(param.marker, "example"):
            parameter["example"] = jsonable_encoder(example)
        if param.attr("deprecated"):
            parameter["deprecated"] = param.attr("deprecated")
        parameters.append(parameter)
    return parameters


def get_openapi_operation_request_body(body: Optional[BodyField], name_map: Dict[type, str]) -> Optional[Dict]:
    from ..encoders import jsonable_encoder
    if body is None:
        return None
    request_body: Dict[str, Any] = {}
    if body.required:
        request_body["required"] = body.required
    content: Dict[str, Any] = {"schema": body.schema(name_map)}
    marker = body.marker
    if marker is not None:
        examples = getattr(marker, "examples", None)
        example = getattr(marker, "example", inspect.Parameter.empty)
        if examples and not _is_undefined(examples):
            content["examples"] = jsonable_encoder(examples)
        elif hasattr(marker, "example") and not _is_undefined(example):
            content["example"] = jsonable_encoder(example)
    request_body["content"] = {body.media_type: content}
    return request_body


def _response_field_schema(tp: Any, name: str, name_map: Dict[type, str]) -> Dict[str, Any]:
    return _schema.field_schema(tp, _schema.FieldInfo(alias=name, required=False, default=None), name_map)


def get_openapi_path(info: _RouteInfo, name_map: Dict[type, str],
                     operation_ids: Set[str]) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    route = info.route
    path: Dict[str, Any] = {}
    security_schemes: Dict[str, Any] = {}
    definitions: Dict[str, Any] = {}
    response_class = _response_class(route)
    media_type = getattr(response_class, "media_type", None)
    status_code_attr = getattr(route, "status_code", None)
    if not getattr(route, "include_in_schema", True):
        return path, security_schemes, definitions
    for method in route.methods:
        operation: Dict[str, Any] = {}
        tags = list(getattr(route, "tags", None) or [])
        if tags:
            operation["tags"] = [getattr(t, "value", t) for t in tags]
        operation["summary"] = getattr(route, "summary", None) or route.name.replace("_", " ").title()
        description = route_description(route)
        if description:
            operation["description"] = description
        operation_id = getattr(route, "operation_id", None) or info.unique_id
        if operation_id in operation_ids:
            message = f"Duplicate Operation ID {operation_id} for function {route.endpoint.__name__}"
            file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
            if file_name:
                message += f" at {file_name}"
            warnings.warn(message)
        operation_ids.add(operation_id)
        operation["operationId"] = operation_id
        if getattr(route, "deprecated", None):
            operation["deprecated"] = route.deprecated
        _, requirements = flatten(info.dependant, skip_repeats=True)
        scheme_defs, operation_security = get_openapi_security_definitions(requirements)
        if operation_security:
            operation.setdefault("security", []).extend(operation_security)
        if scheme_defs:
            security_schemes.update(scheme_defs)
        parameters = get_openapi_operation_parameters(info.params, name_map)
        if parameters:
            all_parameters = {(p["in"], p["name"]): p for p in parameters}
            required_parameters = {(p["in"], p["name"]): p for p in parameters if p.get("required")}
            all_parameters.update(required_parameters)
            operation["parameters"] = list(all_parameters.values())
        if method.upper() in METHODS_WITH_BODY:
            request_body = get_openapi_operation_request_body(info.body, name_map)
            if request_body:
                operation["requestBody"] = request_body
        if getattr(route, "callbacks", None):
            callbacks = {}
            for callback in info.callbacks:
                cb_path, _, _ = get_openapi_path(callback, name_map, operation_ids)
                callbacks[callback.route.name] = {callback.route.path: cb_path}
            operation["callbacks"] = callbacks
        if status_code_attr is not None:
            status_code = str(status_code_attr)
        else:
            status_code = "200"
            try:
                default = inspect.signature(response_class.__init__).parameters.get("status_code")
            except (TypeError, ValueError):
                default = None
            if default is not None and isinstance(default.default, int):
                status_code = str(default.default)
        operation.setdefault("responses", {}).setdefault(status_code, {})["description"] = \
            getattr(route, "response_description", None) or "Successful Response"
        if media_type and is_body_allowed_for_status_code(status_code_attr):
            response_schema: Dict[str, Any] = {"type": "string"}
            if _is_json_response_class(response_class):
                if info.response_model is not None:
                    response_schema = _response_field_schema(info.response_model, "Response_" + info.unique_id,
                                                             name_map)
                else:
                    response_schema = {}
            operation["responses"].setdefault(status_code, {}).setdefault("content", {}).setdefault(
                media_type, {})["schema"] = response_schema
        if info.responses:
            operation_responses = operation.setdefault("responses", {})
            for additional_status_code, additional_response in info.responses.items():
                process_response = dict(additional_response)
                model = process_response.pop("model", None)
                status_code_key = str(additional_status_code).upper()
                if status_code_key == "DEFAULT":
                    status_code_key = "default"
                openapi_response = operation_responses.setdefault(status_code_key, {})
                if model is not None:
                    field_schema = _response_field_schema(
                        model, f"Response_{additional_status_code}_{info.unique_id}", name_map)
                    additional_schema = process_response.setdefault("content", {}).setdefault(
                        media_type or "application/json", {}).setdefault("schema", {})
                    deep_dict_update(additional_schema, field_schema)
                try:
                    status_text: Optional[str] = status_code_ranges.get(str(additional_status_code).upper()) or \
                        http.client.responses.get(int(additional_status_code))
                except ValueError:
                    status_text = None
                description = (process_response.get("description") or openapi_response.get("description")
                               or status_text or "Additional Response")
                deep_dict_update(openapi_response, process_response)
                openapi_response["description"] = description
        http422 = "422"
        if (info.params or info.body is not None) and not any(
                status in operation["responses"] for status in (http422, "4XX", "default")):
            operation["responses"][http422] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            if "ValidationError" not in definitions:
                definitions.update({"ValidationError": validation_error_definition,
                                    "HTTPValidationError": validation_error_response_definition})
        openapi_extra = getattr(route, "openapi_extra", None)
        if openapi_extra:
            deep_dict_update(operation, openapi_extra)
        path[method.lower()] = operation
    return path, security_schemes, definitions


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.0.2",
    description: Optional[str] = None,
    routes: Sequence[Any],
    tags: Optional[List[Dict[str, Any]]] = None,
    servers: Optional[List[Dict[str, Union[str, Any]]]] = None,
    terms_of_service: Optional[str] = None,
    contact: Optional[Dict[str, Union[str, Any]]] = None,
    license_info: Optional[Dict[str, Union[str, Any]]] = None,
) -> Dict[str, Any]:
    """The OpenAPI document (a JSON-ready dict) of ``routes``, as FastAPI 0.92's ``get_openapi``."""
    info: Dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    output: Dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers
    components: Dict[str, Dict[str, Any]] = {}
    paths: Dict[str, Dict[str, Any]] = {}
    operation_ids: Set[str] = set()
    infos = [_RouteInfo(route) for route in _documented_routes(routes)]
    found: Set[type] = set()
    for route_info in infos:
        for annotation in route_info.annotations():
            found.update(_schema.walk_types(annotation))
    flat = _schema.flat_models(found)
    name_map = _schema.model_name_map(flat)
    definitions = _schema.model_definitions(flat, name_map)
    for route_info in infos:
        if route_info.body is not None and not route_info.body.single:
            # FastAPI's Body_* models are pydantic models made after the user's: processing them
            # again yields their nested models' definitions, with descriptions not cut at "\f".
            nested: Set[type] = set()
            for f in route_info.body.fields:
                nested.update(t for t in _schema.walk_types(f.annotation) if not isinstance(t, type(Enum)))
            definitions.update(_schema.model_definitions(nested, name_map, split=False))
            definitions[_schema.normalize_name(route_info.body.model_name)] = route_info.body.definition(name_map)
    for route_info in infos:
        path, security_schemes, path_definitions = get_openapi_path(route_info, name_map, operation_ids)
        if path:
            paths.setdefault(route_info.path, {}).update(path)
        if security_schemes:
            components.setdefault("securitySchemes", {}).update(security_schemes)
        if path_definitions:
            definitions.update(path_definitions)
    if definitions:
        components["schemas"] = {k: definitions[k] for k in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = paths
    if tags:
        output["tags"] = tags
    return _models.normalize(_models.OpenAPI, output)
