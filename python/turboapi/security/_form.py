"""``Form()``, for the OAuth2 password request form. Taken from the package's parameter markers;
until those have one, a stand-in with FastAPI's signature keeps this module importable."""

from typing import Any

try:
    from ..param_functions import Form
except ImportError:
    try:
        from ..params import Form  # type: ignore[no-redef]
    except ImportError:
        class _FormPlaceholder:
            """Stand-in for ``Form(default, **constraints)`` (no form support in turboapi yet)."""

            source = "form"

            def __init__(self, default: Any = ..., **kwargs: Any) -> None:
                self.default = default
                self.extra: dict = {}  # no schema extras: every keyword is a known setting
                for key, value in kwargs.items():
                    setattr(self, key, value)

            def __repr__(self) -> str:
                return f"Form({self.default!r})"

        def Form(default: Any = ..., **kwargs: Any) -> Any:  # type: ignore[no-redef]  # noqa: N802
            return _FormPlaceholder(default, **kwargs)


def PatternForm(default: Any = ..., pattern: str = "") -> Any:  # noqa: N802
    """``Form(default, regex=pattern)``, FastAPI 0.92's spelling, or ``pattern=`` if that is the
    one the package's ``Form`` takes."""
    try:
        return Form(default=default, regex=pattern)
    except TypeError:
        return Form(default=default, pattern=pattern)
