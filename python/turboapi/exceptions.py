"""Exceptions a handler raises to answer with an error, as in FastAPI."""

import http
from typing import Any, Dict, Optional


class HTTPException(Exception):
    """Answer ``status_code`` with the JSON body ``{"detail": detail}`` and optional headers.

    ``detail`` defaults to the status's reason phrase (``404`` -> ``"Not Found"``).
    """

    def __init__(self, status_code: int, detail: Any = None, headers: Optional[Dict[str, str]] = None) -> None:
        if not isinstance(status_code, int) or not 100 <= status_code <= 999:
            raise ValueError(f"HTTPException status_code must be an int from 100 to 999, got {status_code!r}")
        if detail is None:
            try:
                detail = http.HTTPStatus(status_code).phrase
            except ValueError:
                detail = ""
        self.status_code = status_code
        self.detail = detail
        self.headers = headers
        super().__init__(status_code, detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class RequestValidationError(ValueError):
    """The request did not match the handler's parameters (answered with 422)."""

    def __init__(self, errors, *, body: Any = None) -> None:
        self._errors = list(errors)
        self.body = body
        super().__init__(self._errors)

    def errors(self):
        return self._errors
