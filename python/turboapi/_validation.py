"""Value validation with pydantic 1's rules and error messages (what FastAPI 0.92 answers in a 422).

``build_validator(annotation, info)`` compiles, once at start-up, a function
``validate(value, loc) -> (value, None) | (None, [error, ...])``; an error is a dict
``{"loc": (..), "msg": .., "type": .., ["ctx": {..}]}`` exactly as pydantic 1's ``errors()`` gives it.

str, int, float, bool, bytes, Any, Enum, Optional/Union, list/set/tuple/dict of those and
``turboapi.Model`` are checked here; anything else (pydantic models, dataclasses, datetime, UUID,
Decimal, Literal...) is handed to pydantic (imported lazily, only when such a type is declared).
"""

import dataclasses
import enum
import inspect
import re
import types
import typing
from collections import deque
from typing import Any, Callable, Dict, List, Optional, Tuple

Validator = Callable[[Any, tuple], Tuple[Any, Optional[List[Dict[str, Any]]]]]

_NoneType = type(None)
_MAX_STR_INT = 4300


def error(loc: tuple, msg: str, type_: str, ctx: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    e: Dict[str, Any] = {"loc": loc, "msg": msg, "type": type_}
    if ctx is not None:
        e["ctx"] = ctx
    return e


def is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is typing.Union or origin is types.UnionType


def unwrap_optional(tp: Any) -> Tuple[Any, bool]:
    """``Optional[X]`` -> ``(X, True)``; ``Union[A, B, None]`` -> ``(Union[A, B], True)``."""
    if is_union(tp):
        args = typing.get_args(tp)
        if _NoneType in args:
            rest = tuple(a for a in args if a is not _NoneType)
            if len(rest) == 1:
                return rest[0], True
            return typing.Union[rest], True  # type: ignore[return-value]
    return tp, tp is Any or tp is None or tp is _NoneType


def lenient_issubclass(cls: Any, parent: Any) -> bool:
    return isinstance(cls, type) and not typing.get_origin(cls) and issubclass(cls, parent)


def turbo_model_class() -> Optional[type]:
    """``turboapi.Model`` once the models module exists, else None."""
    try:
        from .models import Model  # noqa: PLC0415 - optional, built by another part of the package
    except Exception:  # noqa: BLE001
        return None
    return Model


def is_pydantic_model(tp: Any) -> bool:
    if not isinstance(tp, type):
        return False
    for base in tp.__mro__:
        if base.__name__ == "BaseModel" and base.__module__.startswith("pydantic"):
            return True
    return False


def is_model_type(tp: Any) -> bool:
    """A class whose values come from a JSON object: pydantic model, dataclass, turboapi.Model."""
    model = turbo_model_class()
    return (is_pydantic_model(tp) or (isinstance(tp, type) and dataclasses.is_dataclass(tp))
            or (model is not None and lenient_issubclass(tp, model)))


_SEQUENCE_ORIGINS = {list: list, set: set, frozenset: frozenset, tuple: tuple, deque: list,
                     typing.List: list, typing.Set: set, typing.FrozenSet: frozenset, typing.Tuple: tuple,
                     typing.Sequence: list}
try:
    import collections.abc as _abc

    _SEQUENCE_ORIGINS[_abc.Sequence] = list
    _SEQUENCE_ORIGINS[_abc.Set] = set
    _SEQUENCE_ORIGINS[_abc.MutableSequence] = list
except Exception:  # noqa: BLE001
    pass


def sequence_origin(tp: Any) -> Optional[type]:
    """list/set/tuple for ``list[X]``, ``List[X]``, ``list``, ``Sequence[X]``... else None."""
    origin = typing.get_origin(tp) or tp
    return _SEQUENCE_ORIGINS.get(origin) if isinstance(origin, typing.Hashable) else None


def is_dict_type(tp: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    return origin in (dict, typing.Dict) or origin is getattr(__import__("collections.abc").abc, "Mapping")


# ------------------------------------------------------------------------------------- scalars


def _v_any(v: Any, loc: tuple):
    return v, None


def _v_str(v: Any, loc: tuple):
    if isinstance(v, str):
        if isinstance(v, enum.Enum):
            return v.value, None
        return v, None
    if isinstance(v, (float, int)) or type(v).__name__ == "Decimal":
        return str(v), None
    if isinstance(v, (bytes, bytearray)):
        try:
            return v.decode(), None
        except UnicodeDecodeError:
            pass
    return None, [error(loc, "str type expected", "type_error.str")]


def _v_int(v: Any, loc: tuple):
    if v.__class__ is str and len(v) <= _MAX_STR_INT:
        try:
            return int(v), None
        except ValueError:
            return None, [error(loc, "value is not a valid integer", "type_error.integer")]
    if isinstance(v, int) and not (v is True or v is False):
        return v, None
    if isinstance(v, (str, bytes, bytearray)) and len(v) > _MAX_STR_INT:
        return None, [error(loc, "value is not a valid integer", "type_error.integer")]
    try:
        return int(v), None
    except (TypeError, ValueError, OverflowError):
        return None, [error(loc, "value is not a valid integer", "type_error.integer")]


def _v_float(v: Any, loc: tuple):
    if isinstance(v, float):
        return v, None
    try:
        return float(v), None
    except (TypeError, ValueError):
        return None, [error(loc, "value is not a valid float", "type_error.float")]


_BOOL_TRUE = {1, "1", "on", "t", "true", "y", "yes"}
_BOOL_FALSE = {0, "0", "off", "f", "false", "n", "no"}


def _v_bool(v: Any, loc: tuple):
    if v is True or v is False:
        return v, None
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        v = v.lower()
    try:
        if v in _BOOL_TRUE:
            return True, None
        if v in _BOOL_FALSE:
            return False, None
    except TypeError:
        pass
    return None, [error(loc, "value could not be parsed to a boolean", "type_error.bool")]


def _v_bytes(v: Any, loc: tuple):
    if isinstance(v, bytes):
        return v, None
    if isinstance(v, bytearray):
        return bytes(v), None
    if isinstance(v, str):
        return v.encode(), None
    if isinstance(v, (float, int)):
        return str(v).encode(), None
    return None, [error(loc, "byte type expected", "type_error.bytes")]


_SCALAR_VALIDATORS = {str: _v_str, int: _v_int, float: _v_float, bool: _v_bool, bytes: _v_bytes}


def _enum_validator(tp: type) -> Validator:
    permitted = ", ".join(repr(m.value) for m in tp)
    msg = f"value is not a valid enumeration member; permitted: {permitted}"
    values = [m.value for m in tp]

    def validate(v: Any, loc: tuple):
        try:
            return tp(v), None
        except (ValueError, TypeError):
            return None, [error(loc, msg, "type_error.enum", {"enum_values": values})]

    return validate


# --------------------------------------------------------------------------------- constraints


def _with_constraints(base: Validator, tp: Any, c: Dict[str, Any]) -> Validator:
    checks: List[Callable[[Any, tuple], Optional[Dict[str, Any]]]] = []
    if tp in (str, bytes):
        lo, hi, rx = c.get("min_length"), c.get("max_length"), c.get("regex")
        if lo is not None:
            checks.append(lambda v, loc: None if len(v) >= lo else error(
                loc, f"ensure this value has at least {lo} characters", "value_error.any_str.min_length",
                {"limit_value": lo}))
        if hi is not None:
            checks.append(lambda v, loc: None if len(v) <= hi else error(
                loc, f"ensure this value has at most {hi} characters", "value_error.any_str.max_length",
                {"limit_value": hi}))
        if rx is not None and tp is str:
            compiled = re.compile(rx)
            checks.append(lambda v, loc: None if compiled.match(v) else error(
                loc, f'string does not match regex "{rx}"', "value_error.str.regex", {"pattern": rx}))
    if tp in (int, float):
        for name, op, words in (("gt", lambda a, b: a > b, "greater than"),
                                ("ge", lambda a, b: a >= b, "greater than or equal to"),
                                ("lt", lambda a, b: a < b, "less than"),
                                ("le", lambda a, b: a <= b, "less than or equal to")):
            limit = c.get(name)
            if limit is None:
                continue

            def check(v: Any, loc: tuple, limit: Any = limit, op: Any = op, name: str = name,
                      words: str = words) -> Optional[Dict[str, Any]]:
                if op(v, limit):
                    return None
                return error(loc, f"ensure this value is {words} {limit}", f"value_error.number.not_{name}",
                             {"limit_value": limit})

            checks.append(check)
        mult = c.get("multiple_of")
        if mult is not None:
            def check_mult(v: Any, loc: tuple) -> Optional[Dict[str, Any]]:
                mod = float(v) / float(mult) % 1
                if mod == 0 or abs(mod - 1) < 1e-9 or mod < 1e-9:
                    return None
                return error(loc, f"ensure this value is a multiple of {mult}", "value_error.number.not_multiple",
                             {"multiple_of": mult})

            checks.append(check_mult)
    if not checks:
        return base

    def validate(v: Any, loc: tuple):
        value, errs = base(v, loc)
        if errs:
            return None, errs
        for check in checks:
            e = check(value, loc)
            if e is not None:
                return None, [e]
        return value, None

    return validate


# ------------------------------------------------------------------------------- compositions


def _optional(inner: Validator) -> Validator:
    def validate(v: Any, loc: tuple):
        if v is None:
            return None, None
        return inner(v, loc)

    return validate


def _not_none(inner: Validator) -> Validator:
    def validate(v: Any, loc: tuple):
        if v is None:
            return None, [error(loc, "none is not an allowed value", "type_error.none.not_allowed")]
        return inner(v, loc)

    return validate


def _union(validators: List[Validator]) -> Validator:
    def validate(v: Any, loc: tuple):
        errors: List[Dict[str, Any]] = []
        for sub in validators:
            value, errs = sub(v, loc)
            if not errs:
                return value, None
            errors.extend(errs)
        return None, errors

    return validate


_SEQ_ERRORS = {list: ("value is not a valid list", "type_error.list"),
               set: ("value is not a valid set", "type_error.set"),
               frozenset: ("value is not a valid frozenset", "type_error.frozenset"),
               tuple: ("value is not a valid tuple", "type_error.tuple")}
_SEQ_WORD = {list: "list", set: "set", frozenset: "frozenset", tuple: "list"}


def _sequence(kind: type, item: Optional[Validator], c: Dict[str, Any]) -> Validator:
    msg, type_ = _SEQ_ERRORS[kind]
    lo, hi = c.get("min_items"), c.get("max_items")
    word = _SEQ_WORD[kind]

    def validate(v: Any, loc: tuple):
        if not isinstance(v, (list, tuple, set, frozenset, deque, types.GeneratorType)):
            return None, [error(loc, msg, type_)]
        if item is None:
            out: Any = list(v)
        else:
            out = []
            errors: List[Dict[str, Any]] = []
            for i, x in enumerate(v):
                value, errs = item(x, loc + (i,))
                if errs:
                    errors.extend(errs)
                else:
                    out.append(value)
            if errors:
                return None, errors
        if lo is not None and len(out) < lo:
            return None, [error(loc, f"ensure this value has at least {lo} items", f"value_error.{word}.min_items",
                                {"limit_value": lo})]
        if hi is not None and len(out) > hi:
            return None, [error(loc, f"ensure this value has at most {hi} items", f"value_error.{word}.max_items",
                                {"limit_value": hi})]
        return (out if kind is list else kind(out)), None

    return validate


def _mapping(key: Optional[Validator], value_v: Optional[Validator]) -> Validator:
    def validate(v: Any, loc: tuple):
        if not isinstance(v, dict):
            try:
                v = dict(v)
            except (TypeError, ValueError):
                return None, [error(loc, "value is not a valid dict", "type_error.dict")]
        if key is None and value_v is None:
            return v, None
        out = {}
        errors: List[Dict[str, Any]] = []
        for k, x in v.items():
            if key is not None:
                k2, errs = key(k, loc + ("__key__",))
                if errs:
                    errors.extend(errs)
                    continue
            else:
                k2 = k
            if value_v is not None:
                x2, errs = value_v(x, loc + (k,))
                if errs:
                    errors.extend(errs)
                    continue
            else:
                x2 = x
            out[k2] = x2
        if errors:
            return None, errors
        return out, None

    return validate


def _turbo_model(tp: type) -> Validator:
    from . import _native  # noqa: PLC0415

    validate_model = _native.validate_model

    def validate(v: Any, loc: tuple):
        if isinstance(v, tp):
            return v, None
        if not isinstance(v, dict):
            try:
                v = dict(v)  # pydantic 1 accepts anything dict() accepts ([["name", "x"]])
            except (TypeError, ValueError):
                return None, [error(loc, "value is not a valid dict", "type_error.dict")]
        return validate_model(tp, v, loc)  # errors located under loc

    return validate


def _pydantic(tp: Any, c: Dict[str, Any], name: str) -> Validator:
    try:
        from pydantic import BaseConfig  # noqa: PLC0415
        from pydantic.error_wrappers import flatten_errors  # noqa: PLC0415
        from pydantic.fields import FieldInfo as PydanticFieldInfo  # noqa: PLC0415
        from pydantic.fields import ModelField  # noqa: PLC0415
        from pydantic.schema import get_annotation_from_field_info  # noqa: PLC0415
    except ImportError:
        raise TypeError(f"parameter {name!r}: the type {tp!r} needs pydantic (not installed); TurboAPI checks "
                        "str, int, float, bool, bytes, Enum, Optional, list, set, tuple, dict and turboapi.Model "
                        "itself") from None
    info = PydanticFieldInfo(None, **c)
    annotation = get_annotation_from_field_info(tp, info, name) if c else tp

    class Config(BaseConfig):
        arbitrary_types_allowed = True

    field = ModelField(name=name, type_=annotation, class_validators={}, model_config=Config, default=None,
                       required=True, alias=name)

    def validate(v: Any, loc: tuple):
        value, errs = field.validate(v, {}, loc=loc)
        if errs:
            if not isinstance(errs, list):
                errs = [errs]
            out = []
            for e in flatten_errors(errs, Config):
                e["loc"] = tuple(e["loc"])
                out.append(e)
            return None, out
        return value, None

    return validate


def _upload_file(tp: type) -> Validator:
    def validate(v: Any, loc: tuple):
        if isinstance(v, tp):
            return v, None
        return None, [error(loc, f"Expected UploadFile, received: {type(v)}", "value_error")]

    return validate


def _upload_file_class() -> Optional[type]:
    try:
        from .datastructures import UploadFile  # noqa: PLC0415
    except Exception:  # noqa: BLE001
        return None
    return UploadFile


def build_validator(tp: Any, constraints: Optional[Dict[str, Any]] = None, name: str = "value",
                    allow_none: Optional[bool] = None) -> Validator:
    """The validator of a declared type (``Annotated`` already stripped). ``allow_none`` says whether
    ``None`` is a valid value (default: only for ``Optional``/``Any``)."""
    c = dict(constraints or {})
    inner, optional = unwrap_optional(tp)
    if allow_none is not None:
        optional = allow_none or optional
    core = _build_core(inner, c, name)
    return _optional(core) if optional else _not_none(core)


def build_core_validator(tp: Any, constraints: Optional[Dict[str, Any]] = None, name: str = "value") -> Validator:
    """The validator of a value known not to be None (a query, path, header or cookie string)."""
    inner, _ = unwrap_optional(tp)
    return _build_core(inner, dict(constraints or {}), name)


def _build_core(tp: Any, c: Dict[str, Any], name: str) -> Validator:
    if tp is Any or tp is inspect.Parameter.empty or tp is object:
        return _v_any
    if typing.get_origin(tp) is typing.Annotated:
        return _build_core(typing.get_args(tp)[0], c, name)
    if tp in _SCALAR_VALIDATORS:
        return _with_constraints(_SCALAR_VALIDATORS[tp], tp, c)
    if lenient_issubclass(tp, enum.Enum):
        return _enum_validator(tp)
    if is_union(tp):
        args = typing.get_args(tp)
        subs = [build_validator(a, c, name, allow_none=False) for a in args]
        return _union(subs)
    seq = sequence_origin(tp)
    if seq is not None:
        args = typing.get_args(tp)
        item: Optional[Validator] = None
        if seq is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            return _pydantic(tp, c, name)  # fixed-length tuples
        # pydantic 1 applies the scalar constraints (max_length, gt...) to each item
        item_c = {k: v for k, v in c.items() if k not in ("min_items", "max_items")}
        if args and (args[0] is not Any or item_c):
            item = build_validator(args[0], item_c, name)
        return _sequence(seq, item, c)
    if is_dict_type(tp):
        args = typing.get_args(tp)
        kv = build_validator(args[0], {}, name) if args and args[0] is not Any else None
        vv = build_validator(args[1], {}, name) if len(args) > 1 and args[1] is not Any else None
        return _mapping(kv, vv)
    model = turbo_model_class()
    if model is not None and lenient_issubclass(tp, model):
        return _turbo_model(tp)
    upload = _upload_file_class()
    if upload is not None and lenient_issubclass(tp, upload):
        return _upload_file(tp)
    return _pydantic(tp, c, name)


def native_kind(tp: Any) -> Optional[str]:
    """The C++ converter's name for a scalar type it handles exactly (see app-contract.md), or None."""
    if tp is Any or tp is inspect.Parameter.empty:
        return "any"
    return {str: "str", int: "int", float: "float", bool: "bool"}.get(tp)
