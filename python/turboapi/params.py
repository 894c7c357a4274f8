"""Parameter markers, as in ``fastapi.params``: the classes behind ``Query()``, ``Path()``,
``Header()``, ``Cookie()``, ``Body()``, ``Form()``, ``File()``, ``Depends()`` and ``Security()``.

An instance is used as a parameter's default (``q: str = Query(None, max_length=5)``) or inside
``Annotated[str, Query(max_length=5)]``. It carries where the value comes from (``in_``), the
default, the alias, validation constraints and the OpenAPI metadata; ``turboapi.dependencies``
reads it once at start-up.
"""

from enum import Enum
from typing import Any, Callable, Dict, Optional, Sequence


class _UndefinedType:
    """The "no default given" marker (FastAPI/pydantic's ``Undefined``). ``...`` means the same."""

    _instance = None

    def __new__(cls) -> "_UndefinedType":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PydanticUndefined"

    def __copy__(self) -> "_UndefinedType":
        return self

    def __deepcopy__(self, memo: Any) -> "_UndefinedType":
        return self


Undefined: Any = _UndefinedType()


class ParamTypes(Enum):
    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class FieldInfo:
    """What every marker has: default, alias, title, description, constraints, examples.

    Constraints (checked by TurboAPI with pydantic 1's messages): ``gt ge lt le`` for numbers,
    ``min_length max_length regex`` (``pattern`` is accepted as a synonym of ``regex``) for strings,
    ``min_items max_items`` for lists; anything else in ``extra`` goes to the JSON schema.
    """

    in_: Optional[ParamTypes] = None

    def __init__(self, default: Any = Undefined, *, alias: Optional[str] = None, title: Optional[str] = None,
                 description: Optional[str] = None, gt: Optional[float] = None, ge: Optional[float] = None,
                 lt: Optional[float] = None, le: Optional[float] = None, min_length: Optional[int] = None,
                 max_length: Optional[int] = None, regex: Optional[str] = None, pattern: Optional[str] = None,
                 example: Any = Undefined, examples: Optional[Dict[str, Any]] = None,
                 deprecated: Optional[bool] = None, include_in_schema: bool = True,
                 min_items: Optional[int] = None, max_items: Optional[int] = None,
                 multiple_of: Optional[float] = None, **extra: Any) -> None:
        self.default = Undefined if default is ... else default
        self.alias = alias
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.min_length = min_length
        self.max_length = max_length
        self.regex = regex if regex is not None else pattern
        self.min_items = min_items
        self.max_items = max_items
        self.multiple_of = multiple_of
        self.example = example
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.extra = extra

    @property
    def pattern(self) -> Optional[str]:
        return self.regex

    def constraints(self) -> Dict[str, Any]:
        """The validation constraints that are set, by name (``{"max_length": 5}``)."""
        names = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "regex", "min_items",
                 "max_items")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Param(FieldInfo):
    """A parameter read from the path, the query string, a header or a cookie."""

    in_: ParamTypes = ParamTypes.query


class Path(Param):
    in_ = ParamTypes.path

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        # A path parameter is always required (FastAPI ignores the default).
        super().__init__(default=..., **kwargs)


class Query(Param):
    in_ = ParamTypes.query


class Header(Param):
    in_ = ParamTypes.header

    def __init__(self, default: Any = Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        self.convert_underscores = convert_underscores
        super().__init__(default, **kwargs)


class Cookie(Param):
    in_ = ParamTypes.cookie


class Body(FieldInfo):
    """A part of the request body. ``embed=True`` expects ``{"<alias>": value}`` even for a single body
    parameter; ``media_type`` is for the OpenAPI document."""

    def __init__(self, default: Any = Undefined, *, embed: bool = False, media_type: str = "application/json",
                 **kwargs: Any) -> None:
        self.embed = embed
        self.media_type = media_type
        super().__init__(default, **kwargs)


class Form(Body):
    def __init__(self, default: Any = Undefined, *, media_type: str = "application/x-www-form-urlencoded",
                 **kwargs: Any) -> None:
        super().__init__(default, embed=True, media_type=media_type, **kwargs)


class File(Form):
    def __init__(self, default: Any = Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class Depends:
    """``Depends(dependency, use_cache=True)``: the parameter's value is what ``dependency`` returns
    (or yields). Without ``dependency`` the parameter's annotation (a class) is called."""

    def __init__(self, dependency: Optional[Callable[..., Any]] = None, *, use_cache: bool = True) -> None:
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        attr = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({attr}{cache})"


class Security(Depends):
    """``Depends`` with OAuth2 scopes."""

    def __init__(self, dependency: Optional[Callable[..., Any]] = None, *, scopes: Optional[Sequence[str]] = None,
                 use_cache: bool = True) -> None:
        super().__init__(dependency=dependency, use_cache=use_cache)
        self.scopes = list(scopes or [])


# Older names (kept for code written against turboapi 0.1).
QueryParam = Query
PathParam = Path
HeaderParam = Header
BodyParam = Body
