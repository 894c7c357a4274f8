"""Exceptions a handler raises to answer with an error, as in FastAPI."""

import http
from typing import Any, Dict, List, Optional, Sequence


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

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


StarletteHTTPException = HTTPException


class FastAPIError(RuntimeError):
    """A usage error of the framework (FastAPI's name)."""


TurboAPIError = FastAPIError


class ValidationError(ValueError):
    """Values that do not match their declared types: ``errors()`` is the list of pydantic-1 style error
    dicts ``{"loc": (...), "msg": ..., "type": ..., ["ctx": {...}]}``. Raised for a ``response_model``
    that the returned value does not fit (a server error, 500)."""

    def __init__(self, errors: Sequence[Dict[str, Any]], model: Any = None) -> None:
        self._errors = list(errors)
        self.model = model
        super().__init__(self._errors)

    def errors(self) -> List[Dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        n = len(self._errors)
        name = getattr(self.model, "__name__", "Request")
        lines = [f"{n} validation error{'' if n == 1 else 's'} for {name}"]
        for e in self._errors:
            lines.append(" -> ".join(str(x) for x in e["loc"]))
            lines.append(f"  {e['msg']} (type={e['type']})")
        return "\n".join(lines)


class RequestValidationError(ValidationError):
    """The request did not match the handler's parameters (answered 422 ``{"detail": errors()}``).
    ``body`` is the request body as read (parsed JSON, form, bytes or None)."""

    def __init__(self, errors: Sequence[Dict[str, Any]], *, body: Any = None) -> None:
        self.body = body
        super().__init__(errors)


class WebSocketRequestValidationError(ValidationError):
    pass


__all__ = ["HTTPException", "StarletteHTTPException", "FastAPIError", "ValidationError", "RequestValidationError",
           "WebSocketRequestValidationError"]
