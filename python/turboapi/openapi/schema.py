"""JSON Schema of one field (a parameter, a body, a response model), as pydantic 1.10's
``field_schema`` writes it for FastAPI 0.92: titles from aliases (``item_id`` -> "Item Id"),
constraints (``gt`` -> ``exclusiveMinimum``), defaults, arrays, objects, unions, enums and models as
``$ref`` to ``components.schemas`` (``allOf`` when the field adds a title, description or default).

Works without pydantic. Models: pydantic ``BaseModel`` subclasses (their definitions come from
pydantic itself, as in FastAPI) and ``turboapi.Model`` subclasses (from their ``model_json_schema()``).
"""

import collections
import dataclasses
import datetime
import decimal
import enum
import inspect
import ipaddress
import pathlib
import re
import types
import typing
import uuid
from typing import Any, Dict, Optional, Set, Tuple

from ..encoders import jsonable_encoder
from .constants import REF_PREFIX

_CLASS_SCHEMAS = (  # pydantic.schema.field_class_to_schema; order matters (subclasses first)
    (pathlib.Path, {"type": "string", "format": "path"}),
    (datetime.datetime, {"type": "string", "format": "date-time"}),
    (datetime.date, {"type": "string", "format": "date"}),
    (datetime.time, {"type": "string", "format": "time"}),
    (datetime.timedelta, {"type": "number", "format": "time-delta"}),
    (ipaddress.IPv4Network, {"type": "string", "format": "ipv4network"}),
    (ipaddress.IPv6Network, {"type": "string", "format": "ipv6network"}),
    (ipaddress.IPv4Interface, {"type": "string", "format": "ipv4interface"}),
    (ipaddress.IPv6Interface, {"type": "string", "format": "ipv6interface"}),
    (ipaddress.IPv4Address, {"type": "string", "format": "ipv4"}),
    (ipaddress.IPv6Address, {"type": "string", "format": "ipv6"}),
    (re.Pattern, {"type": "string", "format": "regex"}),
    (str, {"type": "string"}),
    (bytes, {"type": "string", "format": "binary"}),
    (bool, {"type": "boolean"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (decimal.Decimal, {"type": "number"}),
    (uuid.UUID, {"type": "string", "format": "uuid"}),
    (dict, {"type": "object"}),
    (list, {"type": "array", "items": {}}),
    (tuple, {"type": "array", "items": {}}),
    (set, {"type": "array", "items": {}, "uniqueItems": True}),
    (frozenset, {"type": "array", "items": {}, "uniqueItems": True}),
)
_SEQUENCE_ORIGINS = {list: "list", collections.abc.Sequence: "list", collections.abc.MutableSequence: "list",
                     collections.abc.Iterable: "list", collections.deque: "list", set: "set",
                     collections.abc.Set: "set", collections.abc.MutableSet: "set", frozenset: "set"}
_MAPPING_ORIGINS = {dict, collections.abc.Mapping, collections.abc.MutableMapping, collections.OrderedDict,
                    collections.defaultdict, collections.Counter}
_STR_CONSTRAINTS = (("max_length", "maxLength"), ("min_length", "minLength"), ("regex", "pattern"))
_NUM_CONSTRAINTS = (("gt", "exclusiveMinimum"), ("lt", "exclusiveMaximum"), ("ge", "minimum"),
                    ("le", "maximum"), ("multiple_of", "multipleOf"))


def _issubclass(cls: Any, base: Any) -> bool:
    try:
        return isinstance(cls, type) and issubclass(cls, base)
    except TypeError:
        return False


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__fields__") and hasattr(tp, "schema") and \
        any(b.__name__ == "BaseModel" and b.__module__.startswith("pydantic") for b in tp.__mro__)


def is_turbo_model(tp: Any) -> bool:
    return isinstance(tp, type) and callable(getattr(tp, "model_json_schema", None)) and not is_pydantic_model(tp)


def is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and not is_pydantic_model(tp)


def is_model(tp: Any) -> bool:
    return is_pydantic_model(tp) or is_turbo_model(tp) or is_dataclass_type(tp)


def is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is typing.Union or origin is types.UnionType


def strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def unwrap_optional(tp: Any) -> Tuple[Any, bool]:
    """``Optional[X]`` -> ``(X, True)``; ``Union[A, B, None]`` -> ``(Union[A, B], True)``."""
    tp = strip_annotated(tp)
    if is_union(tp):
        args = typing.get_args(tp)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) < len(args):
            if len(rest) == 1:
                return rest[0], True
            return typing.Union[rest], True
    return tp, False


def shape(tp: Any) -> Tuple[str, Any]:
    """The field's pydantic shape and inner type: ``("list"|"set"|"tuple_ellipsis"|"tuple"|"mapping"|
    "union"|"singleton", inner)``; ``inner`` is the element (list/set), value (mapping), the args
    (tuple/union) or the type itself."""
    tp, _ = unwrap_optional(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if is_union(tp):
        return "union", args
    if origin in _SEQUENCE_ORIGINS and args:
        return _SEQUENCE_ORIGINS[origin], args[0]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return "tuple_ellipsis", args[0]
        return "tuple", args
    if origin in _MAPPING_ORIGINS and args:
        return "mapping", args[1]
    return "singleton", tp


def inner_type(tp: Any) -> Any:
    """pydantic's ``ModelField.type_``: the innermost element type (constraints apply to it)."""
    kind, inner = shape(tp)
    if kind in ("list", "set", "tuple_ellipsis", "mapping"):
        return inner_type(inner)
    if kind == "singleton":
        return strip_annotated(inner)
    return unwrap_optional(tp)[0]


def walk_types(tp: Any):
    """Every model and enum class that appears in an annotation (not inside models)."""
    tp = strip_annotated(tp)
    if isinstance(tp, type) and (is_model(tp) or issubclass(tp, enum.Enum)):
        yield tp
        return
    for arg in typing.get_args(tp):
        if arg is not Ellipsis and not isinstance(arg, (str, int, bytes, bool)):
            yield from walk_types(arg)


def title_from_alias(alias: str) -> str:
    return alias.title().replace("_", " ")


def encode_default(value: Any) -> Any:
    """pydantic.schema.encode_default."""
    if is_model(type(value)) or (hasattr(value, "__dataclass_fields__") and not isinstance(value, type)):
        value = jsonable_encoder(value)
    if isinstance(value, dict):
        return {encode_default(k): encode_default(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(encode_default(v) for v in value) if not hasattr(value, "_fields") else \
            type(value)(*(encode_default(v) for v in value))
    return jsonable_encoder(value)


def enum_schema(cls: type) -> Dict[str, Any]:
    """pydantic.schema.enum_process_schema."""
    schema: Dict[str, Any] = {
        "title": cls.__name__,
        "description": inspect.cleandoc(cls.__doc__ or "An enumeration."),
        "enum": [item.value for item in cls],
    }
    _add_class_schema(cls, schema)
    return schema


def _add_class_schema(tp: Any, schema: Dict[str, Any]) -> None:
    for base, class_schema in _CLASS_SCHEMAS:
        if _issubclass(tp, base):
            schema.update(class_schema)
            return


class FieldInfo:
    """What the schema of one field depends on besides its type (a ``Query()`` / ``Body()`` /
    ``Field()`` marker's settings). Constraint names as pydantic 1 / FastAPI 0.92 spell them."""

    def __init__(self, *, alias: str, required: bool, default: Any = None, title: Optional[str] = None,
                 description: Optional[str] = None, constraints: Optional[Dict[str, Any]] = None,
                 const: bool = False, extra: Optional[Dict[str, Any]] = None) -> None:
        self.alias = alias
        self.required = required
        self.default = default
        self.title = title
        self.description = description
        self.constraints = constraints or {}
        self.const = const
        self.extra = extra or {}


def field_schema(tp: Any, info: FieldInfo, name_map: Dict[type, str]) -> Dict[str, Any]:
    """pydantic.schema.field_schema with ``ref_prefix="#/components/schemas/"``."""
    tp = strip_annotated(tp)
    inner = inner_type(tp)
    is_enum = _issubclass(inner, enum.Enum)
    s: Dict[str, Any] = {}
    overrides = False
    if info.title or not is_enum:
        s["title"] = info.title or title_from_alias(info.alias)
    if info.title:
        overrides = True
    if info.description:
        s["description"] = info.description
        overrides = True
    if not info.required and info.default is not None and not callable_type(tp):
        s["default"] = encode_default(info.default)
        overrides = True
    validations: Dict[str, Any] = {}
    if is_enum:
        validations.update(info.extra)
    else:
        if _issubclass(inner, (str, bytes)):
            for attr, key in _STR_CONSTRAINTS:
                value = info.constraints.get(attr)
                if isinstance(value, (int, float, decimal.Decimal) if attr != "regex" else str):
                    validations[key] = value
        if _issubclass(inner, (int, float, decimal.Decimal)) and not _issubclass(inner, bool):
            for attr, key in _NUM_CONSTRAINTS:
                value = info.constraints.get(attr)
                if isinstance(value, (int, float, decimal.Decimal)):
                    validations[key] = value
        if info.const:
            validations["const"] = info.default
        validations.update(info.extra)
    if validations:
        s.update(validations)
        overrides = True
    f_schema = type_schema(tp, name_map, overrides=overrides, info=info, leaf=info.constraints)
    if "$ref" in f_schema:
        return f_schema
    s.update(f_schema)
    return s


def callable_type(tp: Any) -> bool:
    tp = unwrap_optional(tp)[0]
    return tp is typing.Callable or typing.get_origin(tp) is collections.abc.Callable


def type_schema(tp: Any, name_map: Dict[type, str], *, overrides: bool = False,
                info: Optional[FieldInfo] = None, leaf: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """pydantic.schema.field_type_schema: the schema of the type alone. ``leaf``: the field's
    constraints, which pydantic moves onto every str/bytes/number inside the type (``List[str]``
    with ``max_length`` -> ``List[constr(max_length=...)]``), so they show on the items too."""
    kind, inner = shape(tp)
    if kind in ("list", "set", "tuple_ellipsis"):
        out = {"type": "array", "items": singleton_schema(inner, name_map, leaf=leaf)}
        if kind == "set":
            out["uniqueItems"] = True
        return out
    if kind == "mapping":
        out = {"type": "object"}
        items = singleton_schema(inner, name_map, leaf=leaf)
        if items:
            out["additionalProperties"] = items
        return out
    if kind == "tuple":
        subs = [type_schema(a, name_map, leaf=leaf) for a in inner]
        out = {"type": "array", "minItems": len(subs), "maxItems": len(subs)}
        if subs:
            out["items"] = subs
        return out
    return singleton_schema(tp, name_map, overrides=overrides, info=info, leaf=leaf)


def _leaf_constraints(tp: Any, leaf: Optional[Dict[str, Any]], schema: Dict[str, Any]) -> None:
    """What pydantic's constr/conbytes/conint/confloat/condecimal add in ``__modify_schema__``."""
    if not leaf or not isinstance(tp, type) or issubclass(tp, enum.Enum):
        return
    if issubclass(tp, (str, bytes)):
        pairs = _STR_CONSTRAINTS if issubclass(tp, str) else _STR_CONSTRAINTS[:2]
    elif issubclass(tp, (int, float, decimal.Decimal)) and not issubclass(tp, bool):
        pairs = _NUM_CONSTRAINTS
    else:
        return
    for attr, key in pairs:
        if leaf.get(attr) is not None:
            schema[key] = leaf[attr]


def singleton_schema(tp: Any, name_map: Dict[type, str], *, overrides: bool = False,
                     info: Optional[FieldInfo] = None, leaf: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """pydantic.schema.field_singleton_schema."""
    tp, _ = unwrap_optional(tp)
    if is_union(tp):
        subs = []
        for arg in typing.get_args(tp):
            sub = type_schema(arg, name_map, overrides=overrides, leaf=leaf)
            if overrides and "allOf" in sub:
                sub = sub["allOf"][0]
            subs.append(sub)
        return {"anyOf": subs}
    kind, _ = shape(tp)
    if kind != "singleton":
        return type_schema(tp, name_map, leaf=leaf)
    if tp is typing.Any or tp is object or isinstance(tp, typing.TypeVar) or tp is inspect.Parameter.empty \
            or typing.get_origin(tp) is type:
        return {}
    if tp is None or tp is type(None):
        return {"type": "null"}
    f_schema: Dict[str, Any] = {}
    if info is not None and info.const:
        f_schema["const"] = info.default
    if typing.get_origin(tp) is typing.Literal:
        values = _literal_values(tp)
        classes = []
        for v in values:
            if type(v) not in classes:
                classes.append(type(v))
        if len(classes) > 1:
            return {"anyOf": [singleton_schema(typing.Literal[tuple(v for v in values if type(v) is c)], name_map)
                              for c in classes]}
        f_schema["enum"] = list(values)
        _add_class_schema(classes[0], f_schema)
        return f_schema
    if _issubclass(tp, enum.Enum):
        f_schema = {}
        if info is not None:
            if info.title:
                f_schema["title"] = info.title
                overrides = True
            if info.description:
                f_schema["description"] = info.description
                overrides = True
            if not info.required and info.default is not None:
                f_schema["default"] = encode_default(info.default)
                overrides = True
        f_schema.update(_ref(name_map[tp], overrides))
        return f_schema
    if is_model(tp):
        return _ref(name_map[tp], overrides)
    _add_class_schema(tp, f_schema)
    _leaf_constraints(tp, leaf, f_schema)
    modify = getattr(tp, "__modify_schema__", None)
    if modify is not None:
        modify(f_schema)
    if f_schema:
        return f_schema
    typing_origin = typing.get_origin(tp)
    if typing_origin is not None:  # e.g. Type[X], generic aliases pydantic treats as plain
        return {}
    raise ValueError(f"Value not declarable with JSON Schema: {tp!r}")


def _literal_values(tp: Any):
    out = []
    for v in typing.get_args(tp):
        if typing.get_origin(v) is typing.Literal:
            out.extend(_literal_values(v))
        else:
            out.append(v)
    return tuple(out)


def _ref(name: str, overrides: bool) -> Dict[str, Any]:
    ref = {"$ref": REF_PREFIX + name}
    return {"allOf": [ref]} if overrides else ref


# --- definitions (components.schemas) --------------------------------------------------------------

def normalize_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", name)


def long_name(model: type) -> str:
    return f"{model.__module__}__{model.__qualname__}".replace(".", "__")


def flat_models(types_: Set[type]) -> Set[type]:
    """The models and enums, with every model they reference (pydantic's get_flat_models...)."""
    out: Set[type] = set()
    for tp in types_:
        if is_pydantic_model(tp):
            from pydantic.schema import get_flat_models_from_model
            out |= get_flat_models_from_model(tp)
        elif is_dataclass_type(tp):
            if tp not in out:
                out.add(tp)
                out |= flat_models({t for f in _dataclass_fields(tp) for t in walk_types(f[1])} - out)
        else:
            out.add(tp)
    return out


def _dataclass_fields(cls: type):
    """(name, annotation, required, default) of a dataclass's fields."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception:  # noqa: BLE001
        hints = {}
    out = []
    for f in dataclasses.fields(cls):
        has_default = f.default is not dataclasses.MISSING
        has_factory = f.default_factory is not dataclasses.MISSING  # type: ignore[misc]
        out.append((f.name, hints.get(f.name, f.type), not (has_default or has_factory),
                    f.default if has_default else None))
    return out


def dataclass_schema(cls: type, name_map: Dict[type, str]) -> Dict[str, Any]:
    """A dataclass as pydantic 1 documents it (its generated model: fields, no docstring)."""
    properties = {}
    required = []
    for name, annotation, is_required, default in _dataclass_fields(cls):
        properties[name] = field_schema(annotation, FieldInfo(alias=name, required=is_required, default=default),
                                        name_map)
        if is_required:
            required.append(name)
    return object_schema(cls.__name__, properties, required)


def model_name_map(models: Set[type]) -> Dict[type, str]:
    """pydantic.schema.get_model_name_map: class names, or long module-qualified names for clashes."""
    by_name: Dict[str, type] = {}
    conflicting: Set[str] = set()
    for model in models:
        name = normalize_name(model.__name__)
        if name in conflicting:
            by_name[long_name(model)] = model
        elif name in by_name:
            conflicting.add(name)
            other = by_name.pop(name)
            by_name[long_name(other)] = other
            by_name[long_name(model)] = model
        else:
            by_name[name] = model
    return {v: k for k, v in by_name.items()}


def _rewrite_refs(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/definitions/"):
                v = REF_PREFIX + v[len("#/definitions/"):]
            out[k] = _rewrite_refs(v)
        return out
    if isinstance(value, list):
        return [_rewrite_refs(v) for v in value]
    return value


def model_definitions(models: Set[type], name_map: Dict[type, str], *, split: bool = True) -> Dict[str, Any]:
    """fastapi.utils.get_model_definitions: each model's and enum's schema by its name.

    ``split=False``: descriptions whole, as the definitions pydantic returns for the models nested
    in another (FastAPI's generated ``Body_*`` models) are."""
    definitions: Dict[str, Any] = {}
    for model in models:
        name = name_map[model]
        if is_pydantic_model(model):
            from pydantic.schema import model_process_schema
            m_schema, m_defs, _ = model_process_schema(model, model_name_map=name_map, ref_prefix=REF_PREFIX)
            definitions.update(m_defs)
        elif isinstance(model, type) and issubclass(model, enum.Enum):
            m_schema = enum_schema(model)
        elif is_dataclass_type(model):
            m_schema = dataclass_schema(model, name_map)
        else:  # turboapi.Model: pydantic 1's .schema() with "#/definitions/" refs
            m_schema = dict(model.model_json_schema())
            sub_definitions = m_schema.pop("definitions", None) or {}
            if set(m_schema) == {"$ref"} and m_schema["$ref"].rsplit("/", 1)[-1] in sub_definitions:
                # a self-referencing model: .schema() is a $ref to its own definition
                m_schema = dict(sub_definitions.pop(m_schema["$ref"].rsplit("/", 1)[-1]))
            for sub_name, sub_schema in sub_definitions.items():
                definitions.setdefault(sub_name, _rewrite_refs(sub_schema))
            m_schema = _rewrite_refs(m_schema)
        if split and "description" in m_schema:
            m_schema["description"] = m_schema["description"].split("\f")[0]
        definitions[name] = m_schema
    return definitions


def object_schema(title: str, properties: Dict[str, Dict[str, Any]], required: list) -> Dict[str, Any]:
    """A generated model (``Body_<operation id>``), as pydantic's model_process_schema writes it."""
    out: Dict[str, Any] = {"title": title, "type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out
