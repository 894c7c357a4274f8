"""``Query()``, ``Path()``, ``Header()``, ``Cookie()``, ``Body()``, ``Form()``, ``File()``,
``Depends()``, ``Security()``: FastAPI's functions, returning the markers of ``turboapi.params``.

Keyword arguments (as in FastAPI 0.92): ``alias``, ``title``, ``description``, ``gt``, ``ge``,
``lt``, ``le``, ``min_length``, ``max_length``, ``regex`` (or ``pattern``), ``example``,
``examples``, ``deprecated``, ``include_in_schema``; ``convert_underscores`` for ``Header``;
``embed`` and ``media_type`` for ``Body``.
"""

from typing import Any, Callable, Optional, Sequence

from . import params
from .params import Undefined


def Path(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802 - FastAPI's spelling
    return params.Path(default, **kwargs)


def Query(default: Any = Undefined, **kwargs: Any) -> Any:  # noqa: N802
    return params.Query(default, **kwargs)


def Header(default: Any = Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> Any:  # noqa: N802
    return params.Header(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = Undefined, **kwargs: Any) -> Any:  # noqa: N802
    return params.Cookie(default, **kwargs)


def Body(default: Any = Undefined, *, embed: bool = False, media_type: str = "application/json",  # noqa: N802
         **kwargs: Any) -> Any:
    return params.Body(default, embed=embed, media_type=media_type, **kwargs)


def Form(default: Any = Undefined, *, media_type: str = "application/x-www-form-urlencoded",  # noqa: N802
         **kwargs: Any) -> Any:
    return params.Form(default, media_type=media_type, **kwargs)


def File(default: Any = Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any) -> Any:  # noqa: N802
    return params.File(default, media_type=media_type, **kwargs)


def Depends(dependency: Optional[Callable[..., Any]] = None, *, use_cache: bool = True) -> Any:  # noqa: N802
    return params.Depends(dependency=dependency, use_cache=use_cache)


def Security(dependency: Optional[Callable[..., Any]] = None, *, scopes: Optional[Sequence[str]] = None,  # noqa: N802
             use_cache: bool = True) -> Any:
    return params.Security(dependency=dependency, scopes=scopes, use_cache=use_cache)
