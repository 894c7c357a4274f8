"""Middleware, as FastAPI/Starlette users write it (``turboapi.middleware.Middleware``,
``.base.BaseHTTPMiddleware``, ``.cors``, ``.gzip``, ``.trustedhost``, ``.httpsredirect``).

A middleware here is an object built once at start-up as ``cls(app, **options)``, where ``app`` is the
next layer, and called per request as ``await middleware(request) -> Response``. Classes derived from
``BaseHTTPMiddleware`` implement ``dispatch(request, call_next)``; ``call_next(request)`` returns the
inner layers' ``turboapi.responses.Response`` (a ``StreamingResponse`` keeps its ``body_iterator``).
The app builds the stack in FastAPI's order (the last added is the outermost): see ``stack.py``.
"""

import typing


class Middleware:
    """``Middleware(cls, **options)``: an entry of ``TurboAPI(middleware=[...])`` / ``app.user_middleware``."""

    def __init__(self, cls: type, **options: typing.Any) -> None:
        self.cls = cls
        self.options = options

    def __iter__(self) -> typing.Iterator[typing.Any]:
        return iter((self.cls, self.options))

    def __repr__(self) -> str:
        option_strings = [f"{key}={value!r}" for key, value in self.options.items()]
        args_repr = ", ".join([self.cls.__name__] + option_strings)
        return f"{self.__class__.__name__}({args_repr})"


__all__ = ["Middleware"]
