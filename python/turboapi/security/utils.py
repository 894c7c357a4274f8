"""Helpers shared by the security schemes."""

from typing import Optional, Tuple


def get_authorization_scheme_param(authorization_header_value: Optional[str]) -> Tuple[str, str]:
    """``"Bearer abc"`` -> ``("Bearer", "abc")``; a missing or empty header -> ``("", "")``.

    Split at the first space, as FastAPI does (no trimming: ``"Bearer  x"`` -> ``("Bearer", " x")``).
    """
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param
