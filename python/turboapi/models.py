"""``turboapi.Model`` and ``turboapi.Field``: pydantic-1-style models validated in C++.

    class User(Model):
        name: str
        age: int = Field(0, ge=0)

    class Item(Model):
        name: str
        price: float
        tags: list[str] = []
        owner: Optional[User] = None
        code: str = Field(..., min_length=2, regex="^[a-z]+$", alias="c")

Validation follows pydantic 1.10's default (non-strict) rules and reports pydantic 1's errors
(``loc``, ``msg``, ``type``, ``ctx``), so a FastAPI app's 422 answers do not change.

How it is wired:

- ``ModelMeta`` computes, once per class, ``__turbo_fields__``: a tuple of plain tuples that
  ``worker/model.cpp`` parses once into C++ structures (kept in a capsule in the class's own
  ``__dict__``). Nothing is re-read per request. Forward references that cannot be resolved when
  the class is created are resolved on first use.
- Instances are built without calling ``__init__``: C++ allocates the object (``tp_alloc``), hands
  it a fresh ``__dict__`` holding every field in declaration order, and records which fields were
  given in the ``_turbo_set`` slot (None when all of them were, the common case, which saves a
  set per instance).
- ``_native.validate_model(cls, data) -> (instance, None) | (None, errors)`` is the request path;
  ``Model(**data)``, ``model_validate`` and ``parse_obj`` call the same C++ code.
- C++ checks str, int, float, bool, Any, list, dict, nested models, Optional and Enum itself. Other
  annotations (unions, set, tuple, bytes, Literal, datetime, UUID, Decimal...) are checked by the
  validator ``turboapi._validation.build_validator`` compiles for them, called from C++.
- Settings (``class Config`` or ``model_config``): ``extra`` ("ignore"/"forbid"),
  ``allow_population_by_field_name``/``populate_by_name``, ``title``, ``schema_extra``.
"""

from __future__ import annotations

import copy
import enum
import inspect
import re
import types
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _native

__all__ = ["Field", "FieldInfo", "Model", "ValidationError"]

_NoneType = type(None)


class _Missing:
    def __repr__(self) -> str:
        return "PydanticUndefined"

    def __bool__(self) -> bool:
        return False


_UNSET: Any = _Missing()


# ----------------------------------------------------------------------------------------- Field


class FieldInfo:
    """What ``Field(...)`` returns: a field's default, alias, constraints and schema extras."""

    __slots__ = (
        "default",
        "default_factory",
        "alias",
        "title",
        "description",
        "gt",
        "ge",
        "lt",
        "le",
        "multiple_of",
        "min_length",
        "max_length",
        "regex",
        "min_items",
        "max_items",
        "extra",
        "annotation",
        "name",
        "required",
    )

    def __init__(
        self,
        default: Any = _UNSET,
        *,
        default_factory: Optional[Callable[[], Any]] = None,
        alias: Optional[str] = None,
        title: Optional[str] = None,
        description: Optional[str] = None,
        gt: Any = None,
        ge: Any = None,
        lt: Any = None,
        le: Any = None,
        multiple_of: Any = None,
        min_length: Optional[int] = None,
        max_length: Optional[int] = None,
        regex: Optional[str] = None,
        pattern: Optional[str] = None,
        min_items: Optional[int] = None,
        max_items: Optional[int] = None,
        **extra: Any,
    ) -> None:
        if default is not _UNSET and default is not Ellipsis and default_factory is not None:
            raise ValueError("cannot specify both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.gt, self.ge, self.lt, self.le, self.multiple_of = gt, ge, lt, le, multiple_of
        self.min_length, self.max_length = min_length, max_length
        if regex is not None and pattern is not None and regex != pattern:
            raise ValueError("give regex or pattern, not both")
        self.regex = regex if regex is not None else pattern
        self.min_items, self.max_items = min_items, max_items
        self.extra = extra  # example, examples, ...: copied into the JSON schema as pydantic 1 does
        self.annotation: Any = None
        self.name = ""
        self.required = False

    def is_required(self) -> bool:
        return self.required

    def get_default(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        return copy.deepcopy(self.default) if _copy_mode(self.default) else self.default

    def _constraints(self) -> Dict[str, Any]:
        names = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "regex", "min_items", "max_items")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def __repr__(self) -> str:
        args = [f"default={self.default!r}"] if self.default is not _UNSET else []
        if self.default_factory is not None:
            args.append(f"default_factory={self.default_factory!r}")
        for n in ("alias", "title", "description"):
            if getattr(self, n) is not None:
                args.append(f"{n}={getattr(self, n)!r}")
        args += [f"{k}={v!r}" for k, v in self._constraints().items()]
        args += [f"{k}={v!r}" for k, v in self.extra.items()]
        return f"FieldInfo({', '.join(args)})"


def Field(default: Any = _UNSET, **kwargs: Any) -> Any:
    """pydantic's ``Field``: ``Field(...)`` is required; ``Field(0, ge=0, lt=100)``; ``alias=``,
    ``default_factory=``, ``title=``, ``description=``, ``example=``/``examples=``, ``gt/ge/lt/le``,
    ``multiple_of``, ``min_length/max_length``, ``regex=``/``pattern=``, ``min_items/max_items``."""
    return FieldInfo(default, **kwargs)


# ------------------------------------------------------------------------------- ValidationError


class ValidationError(ValueError):
    """Raised by ``Model(**data)`` and ``Model.model_validate``; ``errors()`` lists pydantic-1 error
    dicts (``loc``, ``msg``, ``type`` and, when pydantic gives one, ``ctx``)."""

    def __init__(self, errors: List[Dict[str, Any]], model: Any) -> None:
        super().__init__(errors)
        self._errors = errors
        self.model = model

    def errors(self) -> List[Dict[str, Any]]:
        return self._errors

    def json(self, *, indent: Optional[int] = 2) -> str:
        import json

        from .encoders import jsonable_encoder

        return json.dumps(jsonable_encoder(self._errors), indent=indent)

    def __str__(self) -> str:
        n = len(self._errors)
        lines = [f'{n} validation error{"" if n == 1 else "s"} for {getattr(self.model, "__name__", self.model)}']
        for e in self._errors:
            loc = " -> ".join(str(x) for x in e["loc"]) or "__root__"
            ctx = "".join(f"; {k}={v}" for k, v in e.get("ctx", {}).items())
            lines.append(f"{loc}\n  {e['msg']} (type={e['type']}{ctx})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ValidationError(model={getattr(self.model, '__name__', self.model)!r}, errors={self._errors!r})"


# ------------------------------------------------------------------------- the C++ field table
#
# __turbo_fields__ = ((name, alias, spec, required, default, default_factory, copy_mode), ...)
# spec = (kind, nullable, constraints, a, b):
#   kind "str" | "int" | "float" | "bool" | "any": a, b unused
#   kind "list": a = item spec or None (a bare list keeps its items as they are)
#   kind "dict": a = key spec or None, b = value spec or None
#   kind "model": a = the Model subclass
#   kind "enum": a = the Enum class, b = (value -> member map, error message, members, is IntEnum)
# constraints = None or (gt, ge, lt, le, multiple_of, min_length, max_length, regex source,
#   compiled regex's match, min_items, max_items), each None when absent.
# copy_mode: 0 share the default, 1 a new empty list, 2 a new empty dict, 3 copy.deepcopy
# (pydantic 1's smart_deepcopy).

_IMMUTABLE = (int, float, complex, str, bytes, bool, type, _NoneType, enum.Enum, types.FunctionType, range)


def _copy_mode(default: Any) -> int:
    if isinstance(default, _IMMUTABLE):
        return 0
    if type(default) is list and not default:
        return 1
    if type(default) is dict and not default:
        return 2
    if type(default) is tuple and all(isinstance(x, _IMMUTABLE) for x in default):
        return 0
    return 3


_NUMBER_CONS = ("gt", "ge", "lt", "le", "multiple_of")
_STR_CONS = ("min_length", "max_length", "regex")
_LIST_CONS = ("min_items", "max_items")


class _Spec:
    """A field's type, analysed once (kept for the schema and model_dump)."""

    __slots__ = ("kind", "nullable", "cons", "item", "key", "cls", "regex", "validator")

    def __init__(self, kind: str, nullable: bool = False) -> None:
        self.kind = kind
        self.nullable = nullable
        self.cons: Dict[str, Any] = {}
        self.item: Optional[_Spec] = None
        self.key: Optional[_Spec] = None
        self.cls: Any = None
        self.regex: Any = None
        self.validator: Any = None  # kind "python": validate(value, loc) -> (value, errors)

    def table(self) -> tuple:
        c = self.cons
        cons = None
        if c:
            cons = tuple(c.get(n) for n in _NUMBER_CONS + ("min_length", "max_length", "regex")) + (
                self.regex.match if self.regex is not None else None,
                c.get("min_items"),
                c.get("max_items"),
            )
        if self.kind == "list":
            return (self.kind, self.nullable, cons, self.item.table() if self.item else None, None)
        if self.kind == "dict":
            key = self.key.table() if self.key else None
            return (self.kind, self.nullable, cons, key, self.item.table() if self.item else None)
        if self.kind == "model":
            return (self.kind, self.nullable, cons, self.cls, None)
        if self.kind == "enum":
            members = list(self.cls)
            permitted = ", ".join(repr(m.value) for m in members)
            msg = f"value is not a valid enumeration member; permitted: {permitted}"
            info = (self.cls._value2member_map_, msg, members, issubclass(self.cls, int))
            return (self.kind, self.nullable, cons, self.cls, info)
        if self.kind == "python":
            return (self.kind, self.nullable, None, self.validator, None)
        return (self.kind, self.nullable, cons, None, None)


def _analyse(tp: Any, cons: Dict[str, Any], used: set, where: str) -> _Spec:
    """The spec of annotation `tp`. Constraints reach the leaves through Optional, list items and
    dict values, as pydantic 1's get_annotation_with_constraints pushes them."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _analyse(args[0], cons, used, where)
    if tp is Any or tp is object:
        return _Spec("any", True)
    if origin is Union or origin is types.UnionType:
        rest = [a for a in args if a is not _NoneType]
        if len(rest) != 1:
            spec = _python_spec(Union[tuple(rest)], cons, used, where)  # type: ignore[arg-type]
        else:
            spec = _analyse(rest[0], cons, used, where)
        if len(rest) == len(args):
            return spec
        spec.nullable = True
        return spec
    if tp is list or tp is List or origin is list:
        spec = _Spec("list")
        if args:
            used.update(_LIST_CONS)
            spec.cons = {k: cons[k] for k in _LIST_CONS if k in cons}
            spec.item = _analyse(args[0], cons, used, where)
        return spec
    if tp is dict or tp is Dict or origin is dict:
        spec = _Spec("dict")
        if args:
            spec.key = _analyse(args[0], {}, set(), where)
            spec.item = _analyse(args[1], cons, used, where)
        return spec
    if isinstance(tp, type) and issubclass(tp, Model):
        spec = _Spec("model")
        spec.cls = tp
        return spec
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        spec = _Spec("enum")
        spec.cls = tp
        return spec
    if tp is bool:
        return _Spec("bool")
    if tp is int or tp is float:
        spec = _Spec(tp.__name__)
        used.update(_NUMBER_CONS)
        spec.cons = {k: cons[k] for k in _NUMBER_CONS if k in cons}
        return spec
    if tp is str:
        spec = _Spec("str")
        used.update(_STR_CONS)
        spec.cons = {k: cons[k] for k in _STR_CONS if k in cons}
        if "regex" in spec.cons:
            # Python's re, compiled once per field; C++ calls its match (pydantic 1 uses re.match).
            spec.regex = re.compile(spec.cons["regex"])
        return spec
    if isinstance(tp, str) or isinstance(tp, typing.ForwardRef):
        raise NameError(f"{where}: unresolved forward reference {tp!r}")
    return _python_spec(tp, cons, used, where)


def _python_spec(tp: Any, cons: Dict[str, Any], used: set, where: str) -> _Spec:
    """Types C++ does not check itself (Union, set, tuple, bytes, Literal, datetime, UUID,
    Decimal, pydantic models...): the field calls turboapi._validation's validator for the type,
    which has pydantic 1's rules too (and hands the rarer types to pydantic itself)."""
    from ._validation import build_validator

    try:
        validator = build_validator(tp, cons, where.rpartition(".")[2], allow_none=False)
    except TypeError as e:
        raise TypeError(f"{where}: type {tp!r} is not supported by turboapi.Model ({e})") from None
    used.update(cons)
    spec = _Spec("python")
    spec.cls = tp
    spec.cons = dict(cons)
    spec.validator = validator
    return spec


class _FieldDef:
    """One field as the Python side keeps it: its FieldInfo and analysed type."""

    __slots__ = ("name", "alias", "info", "spec", "required", "default", "factory")

    def __init__(self, name: str, info: FieldInfo, spec: _Spec) -> None:
        self.name = name
        self.alias = info.alias or name
        self.info = info
        self.spec = spec
        self.factory = info.default_factory
        self.default = None if info.default in (_UNSET, Ellipsis) else info.default
        self.required = info.required


def _field_info(name: str, annotation: Any, value: Any) -> FieldInfo:
    info = None
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            if isinstance(meta, FieldInfo):
                info = copy.copy(meta)
        if info is not None and value is not _UNSET and not isinstance(value, FieldInfo):
            info.default = value
    if isinstance(value, FieldInfo):
        info = value
    elif info is None:
        info = FieldInfo(value)
    info.name = name
    info.annotation = annotation
    return info


def _is_optional(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _is_optional(typing.get_args(tp)[0])
    if tp is Any or tp is object:
        return True
    return (origin is Union or origin is types.UnionType) and _NoneType in typing.get_args(tp)


def _build_fields(cls: type) -> Tuple[Dict[str, _FieldDef], tuple]:
    """Resolves the annotations of `cls` (and its Model bases) into field definitions and the
    compact table C++ reads. Raises NameError while a forward reference cannot be resolved."""
    module = __import__("sys").modules.get(cls.__module__)
    globalns = dict(vars(module)) if module else {}
    localns = {cls.__name__: cls}
    defs: Dict[str, _FieldDef] = {}
    for base in reversed(cls.__mro__[1:]):
        if isinstance(base, ModelMeta) and base is not Model:
            defs.update(base._turbo_defs())
    own = cls.__dict__.get("__annotations__", {})
    values = cls.__dict__.get("_turbo_values", {})
    for name, raw in own.items():
        if name.startswith("_"):
            continue
        if isinstance(raw, str):
            try:
                tp = eval(raw, globalns, localns)  # noqa: S307 - annotations are the app's own code
            except NameError as e:
                raise NameError(f"{cls.__name__}.{name}: {e}") from None
        else:
            tp = raw
        tp = _resolve_refs(tp, globalns, localns)
        if typing.get_origin(tp) is typing.ClassVar or tp is typing.ClassVar:
            continue
        info = _field_info(name, tp, values.get(name, _UNSET))
        cons = info._constraints()
        used: set = set()
        where = f"{cls.__name__}.{name}"
        spec = _analyse(tp, cons, used, where)
        unused = set(cons) - used
        if unused:
            raise ValueError(
                f'On field "{name}" the following field constraints are set but not enforced: '
                f'{", ".join(sorted(unused))}.'
            )
        # pydantic 1: a field is required when it has no default (or Field(...)), except that an
        # Optional (or Any) field without default is optional with default None; a None default
        # makes any field nullable.
        no_default = info.default is _UNSET or info.default is Ellipsis
        info.required = info.default_factory is None and (
            info.default is Ellipsis or (no_default and not _is_optional(tp))
        )
        if not info.required and info.default_factory is None and (no_default or info.default is None):
            spec.nullable = True
        defs[name] = _FieldDef(name, info, spec)
    config = _config(cls)
    by_name = bool(config.get("populate_by_name", config.get("allow_population_by_field_name", False)))
    table = tuple(
        (
            d.name,
            d.alias,
            d.spec.table(),
            d.required,
            d.default,
            d.factory,
            _copy_mode(d.default) if d.factory is None else 0,
            d.name if by_name and d.alias != d.name else None,
        )
        for d in defs.values()
    )
    return defs, table


_EXTRA = {"ignore": False, "forbid": True}


def _config(cls: type) -> Dict[str, Any]:
    """The model's settings: pydantic 1's ``class Config`` attributes and pydantic 2's
    ``model_config`` dict, inherited from Model bases. Supported: ``title``, ``schema_extra`` /
    ``json_schema_extra``, ``allow_population_by_field_name`` / ``populate_by_name`` and
    ``extra`` ("ignore" or "forbid"); other settings are ignored."""
    out: Dict[str, Any] = {}
    for c in reversed(cls.__mro__):
        conf = c.__dict__.get("Config")
        if isinstance(conf, type):
            out.update({k: v for k, v in vars(conf).items() if not k.startswith("__")})
        mc = c.__dict__.get("model_config")
        if isinstance(mc, dict):
            out.update(mc)
    extra = out.get("extra", "ignore")
    extra = getattr(extra, "value", extra)
    if extra not in _EXTRA:
        raise TypeError(f"{cls.__name__}: extra={extra!r} is not supported (use 'ignore' or 'forbid')")
    out["extra"] = extra
    return out


def _resolve_refs(tp: Any, globalns: dict, localns: dict) -> Any:
    """Evaluates string / ForwardRef arguments inside typing constructs (list["User"])."""
    if isinstance(tp, str):
        return _resolve_refs(eval(tp, globalns, localns), globalns, localns)  # noqa: S307
    if isinstance(tp, typing.ForwardRef):
        return _resolve_refs(eval(tp.__forward_arg__, globalns, localns), globalns, localns)  # noqa: S307
    if typing.get_origin(tp) is typing.Literal:
        return tp  # its strings are values, not forward references
    args = typing.get_args(tp)
    if not args or not any(isinstance(a, (str, typing.ForwardRef)) or typing.get_args(a) for a in args):
        return tp
    origin = typing.get_origin(tp)
    new = tuple(_resolve_refs(a, globalns, localns) for a in args)
    if origin is typing.Annotated:
        return typing.Annotated[(new[0], *tp.__metadata__)]
    if origin is Union or origin is types.UnionType:
        return Union[new]
    if origin in (list, dict):
        return origin[new]
    return tp


# ---------------------------------------------------------------------------------------- Model


class ModelMeta(type):
    """Collects the fields of a Model subclass once, at class creation (or at first use when a
    forward reference is not defined yet)."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> "ModelMeta":
        if "__slots__" in namespace and any(isinstance(b, ModelMeta) for b in bases):
            raise TypeError("turboapi.Model subclasses keep their fields in __dict__; remove __slots__")
        annotations = namespace.get("__annotations__", {})
        # Field defaults are not class attributes (as in pydantic 1): the instance's __dict__ holds
        # every field, and Item.name is not a misleading default.
        values = {n: namespace.pop(n) for n in list(annotations) if n in namespace and not n.startswith("_")}
        namespace["_turbo_values"] = values
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        if any(isinstance(b, ModelMeta) for b in bases):
            try:
                cls._turbo_prepare()
            except NameError:
                pass  # a forward reference to a class defined later: resolved at first use
        return cls

    @property
    def model_fields(cls) -> Dict[str, FieldInfo]:
        """Field name -> FieldInfo (annotation, alias, default, constraints, required)."""
        return {n: d.info for n, d in cls._turbo_defs().items()}


class Model(metaclass=ModelMeta):
    """Base class of models validated in C++ (see the module docstring)."""

    # Which fields were given (None: all of them); set by C++ without going through __setattr__.
    __slots__ = ("_turbo_set",)

    # --- class-level machinery

    @classmethod
    def _turbo_prepare(cls) -> tuple:
        """(__turbo_fields__, forbid extra keys) of this very class, computed once (C++ calls it
        on first use)."""
        table = cls.__dict__.get("__turbo_fields__")
        if table is None:
            defs, table = _build_fields(cls)
            type.__setattr__(cls, "_turbo_defs_", defs)
            type.__setattr__(cls, "_turbo_config_", _config(cls))
            type.__setattr__(cls, "__turbo_fields__", table)
        return table, _EXTRA[cls.__dict__["_turbo_config_"]["extra"]]

    @classmethod
    def _turbo_defs(cls) -> Dict[str, _FieldDef]:
        defs = cls.__dict__.get("_turbo_defs_")
        if defs is None:
            cls._turbo_prepare()
            defs = cls.__dict__["_turbo_defs_"]
        return defs

    # --- construction

    # __init__(self, /, **data): validates `data` in C++ into self's __dict__, or raises
    # ValidationError (an instancemethod around a C function: no Python frame per construction).
    __init__ = _native.model_init_method

    @classmethod
    def model_validate(cls, obj: Any) -> Any:
        if isinstance(obj, cls):
            return obj.model_copy()
        if not isinstance(obj, dict):
            try:
                obj = dict(obj)
            except (TypeError, ValueError):
                msg = f"{cls.__name__} expected dict not {type(obj).__name__}"
                raise ValidationError([{"loc": ("__root__",), "msg": msg, "type": "type_error"}], cls) from None
        instance, errors = _native.validate_model(cls, obj)
        if errors:
            raise ValidationError(errors, cls)
        return instance

    @classmethod
    def model_construct(cls, _fields_set: Optional[set] = None, **values: Any) -> Any:
        """An instance from trusted values, without validation (defaults fill the gaps)."""
        m = cls.__new__(cls)
        d: Dict[str, Any] = {}
        for name, f in cls._turbo_defs().items():
            if f.alias != name and f.alias in values:
                d[name] = values[f.alias]
            elif name in values:
                d[name] = values[name]
            elif not f.required:
                d[name] = f.info.get_default()
        d.update((k, v) for k, v in values.items() if k not in d and k not in {f.alias for f in cls._turbo_defs().values()})
        object.__setattr__(m, "__dict__", d)
        object.__setattr__(m, "_turbo_set", set(values) if _fields_set is None else set(_fields_set))
        return m

    # --- attributes

    @property
    def model_fields(self) -> Dict[str, FieldInfo]:
        return type(self).model_fields

    @property
    def model_fields_set(self) -> set:
        try:
            s = self._turbo_set
        except AttributeError:
            s = None
        return set(type(self)._turbo_defs()) if s is None else s

    __fields_set__ = model_fields_set

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            return object.__setattr__(self, name, value)
        if name not in type(self)._turbo_defs():
            raise ValueError(f'"{type(self).__name__}" object has no field "{name}"')
        self.__dict__[name] = value
        s = self._turbo_set
        if s is not None:
            s.add(name)

    # --- output

    def model_dump(
        self,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> Dict[str, Any]:
        return _dump_model(
            self,
            _items(include),
            _items(exclude),
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        )

    def model_dump_json(
        self,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> str:
        """Compact JSON (the C++ serializer). Without options and without aliases in play this
        is one native pass over the instance."""
        if not (include or exclude or exclude_unset or exclude_defaults or exclude_none) and (
            by_alias or not _has_alias(type(self))
        ):
            return _native.dumps(self).decode()
        return _native.dumps(
            self.model_dump(
                include=include,
                exclude=exclude,
                by_alias=by_alias,
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
            )
        ).decode()

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, ref_template: str = "#/definitions/{model}") -> Dict[str, Any]:
        """The JSON schema pydantic 1.10's ``.schema()`` gives for the equivalent BaseModel."""
        return _model_schema_top(cls, by_alias, ref_template)

    def model_copy(self, *, update: Optional[Dict[str, Any]] = None, deep: bool = False) -> Any:
        cls = type(self)
        m = cls.__new__(cls)
        d = copy.deepcopy(self.__dict__) if deep else dict(self.__dict__)
        if update:
            d.update(update)
        object.__setattr__(m, "__dict__", d)
        s = self.model_fields_set if (update or self._turbo_set is not None) else None
        object.__setattr__(m, "_turbo_set", (set(s) | set(update or ())) if s is not None else None)
        return m

    # --- pydantic 1 names

    dict = model_dump  # type: ignore[assignment]
    copy = model_copy  # type: ignore[assignment]

    def json(self, **kwargs: Any) -> str:
        return self.model_dump_json(**kwargs)

    @classmethod
    def parse_obj(cls, obj: Any) -> Any:
        return cls.model_validate(obj)

    @classmethod
    def construct(cls, _fields_set: Optional[set] = None, **values: Any) -> Any:
        return cls.model_construct(_fields_set, **values)

    @classmethod
    def schema(cls, by_alias: bool = True, ref_template: str = "#/definitions/{model}") -> Dict[str, Any]:
        return cls.model_json_schema(by_alias=by_alias, ref_template=ref_template)

    @classmethod
    def schema_json(cls, *, by_alias: bool = True, **dumps_kwargs: Any) -> str:
        import json

        return json.dumps(cls.model_json_schema(by_alias=by_alias), **dumps_kwargs)

    # --- Python protocol

    def __eq__(self, other: Any) -> bool:
        # pydantic 1: the field values are compared (a model also equals the same dict).
        if isinstance(other, Model):
            return self.model_dump() == other.model_dump()
        return self.model_dump() == other

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Any:
        yield from self.__dict__.items()

    def __repr_args__(self) -> List[Tuple[str, Any]]:
        return list(self.__dict__.items())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__repr_args__())})"

    def __str__(self) -> str:
        return " ".join(f"{k}={v!r}" for k, v in self.__repr_args__())

    def __copy__(self) -> Any:
        return self.model_copy()

    def __deepcopy__(self, memo: dict) -> Any:
        return self.model_copy(deep=True)

    def __getstate__(self) -> Dict[str, Any]:
        return {"__dict__": self.__dict__, "_turbo_set": getattr(self, "_turbo_set", None)}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", state["__dict__"])
        object.__setattr__(self, "_turbo_set", state["_turbo_set"])


_native._register_model_base(Model, ModelMeta, ValidationError)


# ------------------------------------------------------------------------------------ model_dump


def _items(spec: Any) -> Optional[Dict[Any, Any]]:
    """include / exclude as pydantic 1 takes them (a set, or a dict of nested specs, with
    "__all__" for every list item), normalised to a dict whose values are True or a nested dict."""
    if spec is None:
        return None
    if isinstance(spec, dict):
        return {k: (True if v is True or v is ... else _items(v)) for k, v in spec.items()}
    return {k: True for k in spec}


def _sub(items: Optional[Dict[Any, Any]], key: Any) -> Any:
    """The nested spec of `key`: None (no restriction), True (whole value) or a dict."""
    if items is None:
        return None
    v = items.get(key)
    a = items.get("__all__")
    if v is None:
        return a
    if a is None or a is True or v is True:
        return v if v is not None else a
    merged = dict(a)
    merged.update(v)
    return merged


def _dump_model(
    m: Model,
    include: Any,
    exclude: Any,
    by_alias: bool,
    exclude_unset: bool,
    exclude_defaults: bool,
    exclude_none: bool,
) -> Dict[str, Any]:
    defs = type(m)._turbo_defs()
    fields_set = m.model_fields_set if exclude_unset else None
    out: Dict[str, Any] = {}
    for name, value in m.__dict__.items():
        if fields_set is not None and name not in fields_set:
            continue
        inc = _sub(include, name) if include is not None else None
        if include is not None and inc is None:
            continue
        exc = _sub(exclude, name) if exclude is not None else None
        if exc is True:
            continue
        if exclude_none and value is None:
            continue
        f = defs.get(name)
        if exclude_defaults and f is not None and not f.required:
            # pydantic 1 compares with field.default, which is None for a default_factory.
            if value == f.default:
                continue
        key = f.alias if by_alias and f is not None else name
        out[key] = _dump_value(
            value,
            None if inc is True else inc,
            exc,
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
        )
    return out


def _dump_value(v: Any, include: Any, exclude: Any, *flags: Any) -> Any:
    if isinstance(v, Model):
        return _dump_model(v, include, exclude, *flags)
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            inc = _sub(include, k) if include is not None else None
            if include is not None and inc is None:
                continue
            exc = _sub(exclude, k) if exclude is not None else None
            if exc is True:
                continue
            if flags[3] and x is None:  # exclude_none
                continue
            out[k] = _dump_value(x, None if inc is True else inc, exc, *flags)
        return out
    if isinstance(v, (list, tuple)):
        out_l = []
        for i, x in enumerate(v):
            inc = _sub(include, i) if include is not None else None
            if include is not None and inc is None:
                continue
            exc = _sub(exclude, i) if exclude is not None else None
            if exc is True:
                continue
            out_l.append(_dump_value(x, None if inc is True else inc, exc, *flags))
        return type(v)(out_l) if isinstance(v, tuple) else out_l
    return v


def _has_alias(cls: Any, seen: Optional[set] = None) -> bool:
    """Whether serializing by alias differs from by name anywhere in the model tree (cached)."""
    cached = cls.__dict__.get("_turbo_has_alias")
    if cached is not None:
        return cached
    seen = seen or set()
    seen.add(cls)

    def spec_has(spec: Optional[_Spec]) -> bool:
        if spec is None:
            return False
        if spec.kind == "model":
            return spec.cls not in seen and _has_alias(spec.cls, seen)
        return spec_has(spec.item)

    result = any(f.alias != f.name or spec_has(f.spec) for f in cls._turbo_defs().values())
    type.__setattr__(cls, "_turbo_has_alias", result)
    return result


# ----------------------------------------------------------------------------------- JSON schema
# Mirrors pydantic 1.10's schema.py for the types Model supports: field titles from the alias,
# "$ref" for models and enums ("allOf": [{"$ref"}] when the field adds title, description,
# default or extras), constraint keywords, definitions in pydantic's order.


def _docstring(cls: type, stop: type) -> Optional[str]:
    for c in cls.__mro__:
        if c is stop or c is object:
            return None
        doc = c.__dict__.get("__doc__")
        if doc is not None:
            return inspect.cleandoc(doc)
    return None


def _encode_default(d: Any) -> Any:
    if isinstance(d, enum.Enum):
        return d.value
    if isinstance(d, (int, float, str)) or d is None:
        return d
    if isinstance(d, (list, tuple)):
        return type(d)(_encode_default(v) for v in d)
    if isinstance(d, dict):
        return {_encode_default(k): _encode_default(v) for k, v in d.items()}
    if isinstance(d, Model):
        return d.model_dump()
    from .encoders import jsonable_encoder

    return jsonable_encoder(d)


class _SchemaCtx:
    def __init__(self, by_alias: bool, ref_template: str) -> None:
        self.by_alias = by_alias
        self.ref_template = ref_template
        self.definitions: Dict[str, Any] = {}
        self.known: set = set()
        self.circular: set = set()  # models referred to while their own schema was being built

    def ref(self, cls: type) -> str:
        return self.ref_template.format(model=cls.__name__)


def _model_schema_top(cls: Any, by_alias: bool, ref_template: str) -> Dict[str, Any]:
    ctx = _SchemaCtx(by_alias, ref_template)
    ctx.known.add(cls)
    s = _model_schema(cls, ctx)
    if cls in ctx.circular:
        # A model that refers to itself: pydantic makes the top level a definition and a $ref.
        ctx.definitions[cls.__name__] = s
        s = {"$ref": ctx.ref(cls)}
    if ctx.definitions:
        s["definitions"] = ctx.definitions
    return s


def _model_schema(cls: Any, ctx: _SchemaCtx) -> Dict[str, Any]:
    config = cls.__dict__.get("_turbo_config_") or _config(cls)
    s: Dict[str, Any] = {"title": config.get("title") or cls.__name__}
    doc = _docstring(cls, Model)
    if doc:
        s["description"] = doc
    s["type"] = "object"
    props: Dict[str, Any] = {}
    required = []
    for f in cls._turbo_defs().values():
        key = f.alias if ctx.by_alias else f.name
        props[key] = _field_schema(f, ctx)
        if f.required:
            required.append(key)
    s["properties"] = props
    if required:
        s["required"] = required
    if config.get("extra") == "forbid":
        s["additionalProperties"] = False
    extra = config.get("schema_extra", config.get("json_schema_extra"))
    if callable(extra):
        if len(inspect.signature(extra).parameters) == 1:
            extra(s)
        else:
            extra(s, cls)
    elif extra:
        s.update(extra)
    return s


def _validations(leaf: _Spec, info: FieldInfo) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if leaf.kind == "enum":
        out.update(info.extra)
        return out
    if leaf.kind == "str":
        for attr, kw in (("max_length", "maxLength"), ("min_length", "minLength"), ("regex", "pattern")):
            v = getattr(info, attr)
            if v is not None:
                out[kw] = v
    if leaf.kind in ("int", "float"):
        for attr, kw in (
            ("gt", "exclusiveMinimum"),
            ("lt", "exclusiveMaximum"),
            ("ge", "minimum"),
            ("le", "maximum"),
            ("multiple_of", "multipleOf"),
        ):
            v = getattr(info, attr)
            if isinstance(v, (int, float)):
                out[kw] = v
    out.update(info.extra)
    return out


def _leaf(spec: _Spec) -> _Spec:
    # pydantic's field.type_: the innermost type through list items and dict values.
    while spec.kind in ("list", "dict") and spec.item is not None:
        spec = spec.item
    return spec


def _field_schema(f: _FieldDef, ctx: _SchemaCtx) -> Dict[str, Any]:
    info = f.info
    leaf = _leaf(f.spec)
    s: Dict[str, Any] = {}
    overrides = False
    if info.title or leaf.kind != "enum":
        s["title"] = info.title or f.alias.title().replace("_", " ")
    if info.title:
        overrides = True
    if info.description:
        s["description"] = info.description
        overrides = True
    if not f.required and f.default is not None and f.factory is None:
        s["default"] = _encode_default(f.default)
        overrides = True
    v = _validations(leaf, info)
    if v:
        s.update(v)
        overrides = True
    if f.spec.kind == "list" and f.spec.cons:
        for attr, kw in (("min_items", "minItems"), ("max_items", "maxItems")):
            if f.spec.cons.get(attr) is not None:
                s[kw] = f.spec.cons[attr]
    t = _type_schema(f.spec, ctx, overrides, f, top=True)
    if "$ref" in t:
        return t
    s.update(t)
    return s


def _type_schema(spec: _Spec, ctx: _SchemaCtx, overrides: bool, f: _FieldDef, top: bool = False) -> Dict[str, Any]:
    kind = spec.kind
    if kind == "list":
        items = _type_schema(spec.item, ctx, False, f) if spec.item is not None else {}
        return {"type": "array", "items": items}
    if kind == "dict":
        out: Dict[str, Any] = {"type": "object"}
        if spec.item is not None:
            items = _type_schema(spec.item, ctx, False, f)
            if items:
                out["additionalProperties"] = items
        return out
    if kind == "any":
        return {}
    if kind == "python":
        return _pydantic_type_schema(spec, ctx)
    if kind == "model":
        cls = spec.cls
        if cls not in ctx.known:
            ctx.known.add(cls)
            sub = _model_schema(cls, ctx)
            ctx.definitions[cls.__name__] = sub
        else:
            ctx.circular.add(cls)
        ref = {"$ref": ctx.ref(cls)}
        return {"allOf": [ref]} if overrides and top else ref
    if kind == "enum":
        cls = spec.cls
        if cls.__name__ not in ctx.definitions:
            d: Dict[str, Any] = {
                "title": cls.__name__,
                "description": inspect.cleandoc(cls.__doc__ or "An enumeration."),
                "enum": [m.value for m in cls],
            }
            t = _json_type(cls)
            if t:
                d["type"] = t
            ctx.definitions[cls.__name__] = d
        if top:
            s: Dict[str, Any] = {}
            if f.info.title:
                s["title"] = f.info.title
            if f.info.description:
                s["description"] = f.info.description
            if not f.required and f.default is not None and f.factory is None:
                s["default"] = _encode_default(f.default)
            if overrides or s:
                s["allOf"] = [{"$ref": ctx.ref(cls)}]
                return s
        return {"$ref": ctx.ref(cls)}
    out = {"type": {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}[kind]}
    if not top and spec.cons:
        # constr/conint/confloat inside a list or dict add their keywords after the type.
        c = spec.cons
        for attr, kw in (
            ("min_length", "minLength"),
            ("max_length", "maxLength"),
            ("regex", "pattern"),
            ("gt", "exclusiveMinimum"),
            ("lt", "exclusiveMaximum"),
            ("ge", "minimum"),
            ("le", "maximum"),
            ("multiple_of", "multipleOf"),
        ):
            if c.get(attr) is not None:
                out[kw] = c[attr]
    return out


def _pydantic_type_schema(spec: _Spec, ctx: _SchemaCtx) -> Dict[str, Any]:
    """The schema of a type C++ leaves to Python, as pydantic 1 writes it (when pydantic is
    installed; {} otherwise)."""
    try:
        import pydantic
    except ImportError:
        return {}
    try:
        field = pydantic.Field(..., **{k: v for k, v in spec.cons.items()})
        s = pydantic.create_model("_TurboField", x=(spec.cls, field)).schema(ref_template=ctx.ref_template)
    except Exception:  # noqa: BLE001 - a type pydantic cannot describe (e.g. a Union of turboapi Models)
        return {}
    out = dict(s["properties"]["x"])
    out.pop("title", None)
    for name, d in s.get("definitions", {}).items():
        ctx.definitions.setdefault(name, d)
    return out


def _json_type(cls: type) -> Optional[str]:
    for base, name in ((str, "string"), (bool, "boolean"), (int, "integer"), (float, "number"), (dict, "object"), (list, "array")):
        if issubclass(cls, base):
            return name
    return None
