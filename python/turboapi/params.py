"""Parameter markers: ``Query()``, ``Path()``, ``Header()``, ``Body()``, used as defaults or in
``Annotated[...]`` to say where a handler parameter comes from."""

from typing import Any, Optional


class Param:
    source = "query"

    def __init__(self, default: Any = ..., *, alias: Optional[str] = None, title: Optional[str] = None,
                 description: Optional[str] = None) -> None:
        self.default = default
        self.alias = alias
        self.title = title
        self.description = description

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class QueryParam(Param):
    source = "query"


class PathParam(Param):
    source = "path"


class HeaderParam(Param):
    source = "header"

    def __init__(self, default: Any = ..., *, alias: Optional[str] = None, convert_underscores: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(default, alias=alias, **kwargs)
        self.convert_underscores = convert_underscores


class BodyParam(Param):
    source = "body"


def Query(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802 - FastAPI's spelling
    return QueryParam(default, **kwargs)


def Path(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802
    return PathParam(default, **kwargs)


def Header(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802
    return HeaderParam(default, **kwargs)


def Body(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802
    return BodyParam(default, **kwargs)
