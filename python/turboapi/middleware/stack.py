"""The app's middleware stack, built once at start-up (``TurboAPI._turbo_routes``).

Layers, outermost first, as FastAPI 0.92 builds them: the 500/Exception handler (Starlette's
ServerErrorMiddleware), ``app.user_middleware`` (the last added outermost), then the exception
handlers for HTTPException, RequestValidationError and the rest (ExceptionMiddleware), then the route
(or the router's 404/405/307). The innermost layer finds what to run in ``request._turbo_endpoint``,
so one stack serves every route.
"""

import inspect
import typing

from ..encoders import jsonable_encoder
from ..requests import Request
from ..responses import JSONResponse, Response
from .base import BaseHTTPMiddleware, as_call_next_response

Endpoint = typing.Callable[[Request], typing.Awaitable[Response]]


async def _endpoint(request: Request) -> Response:
    """The innermost layer: the route (its handler answers HTTPException/validation errors itself)."""
    r = await request._turbo_endpoint(request)  # type: ignore[attr-defined]
    if not isinstance(r, Response):
        r = JSONResponse(jsonable_encoder(r))
    return r


def _starlette_equivalent(cls: type) -> type:
    """FastAPI apps import the middleware from fastapi.middleware / starlette.middleware: the same
    class here."""
    module = getattr(cls, "__module__", "") or ""
    if not module.startswith("starlette.middleware."):
        return cls
    from . import cors, gzip, httpsredirect, trustedhost  # noqa: PLC0415

    ours = {"CORSMiddleware": cors.CORSMiddleware, "GZipMiddleware": gzip.GZipMiddleware,
            "TrustedHostMiddleware": trustedhost.TrustedHostMiddleware,
            "HTTPSRedirectMiddleware": httpsredirect.HTTPSRedirectMiddleware,
            "BaseHTTPMiddleware": BaseHTTPMiddleware}
    return ours.get(cls.__name__, cls)


class _StarletteDispatch:
    """A user's subclass of Starlette's BaseHTTPMiddleware: its ``dispatch`` run in our stack."""

    def __init__(self, instance: typing.Any, app: Endpoint) -> None:
        self.dispatch_func = instance.dispatch_func
        self.app = app

    async def __call__(self, request: Request) -> Response:
        response = await self.dispatch_func(request, self.call_next)
        if response is None:
            raise RuntimeError("No response returned.")
        return response

    async def call_next(self, request: Request) -> Response:
        response = await self.app(request)
        return as_call_next_response(response)


def build_stack(user_middleware: typing.Sequence[typing.Any]) -> Endpoint:
    """``user_middleware`` (Middleware entries or ``(cls, options)`` pairs, outermost first) around the
    innermost endpoint layer."""
    app: Endpoint = _endpoint
    for entry in reversed(list(user_middleware)):
        cls, options = entry
        cls = _starlette_equivalent(cls)
        instance = cls(app=app, **options)
        try:
            from starlette.middleware.base import BaseHTTPMiddleware as StarletteBase  # noqa: PLC0415
        except ImportError:  # pragma: no cover
            StarletteBase = None  # noqa: N806
        if StarletteBase is not None and isinstance(instance, StarletteBase):
            instance = _StarletteDispatch(instance, app)
        elif not isinstance(instance, BaseHTTPMiddleware):
            call = getattr(instance, "__call__", None)
            if call is None or not inspect.iscoroutinefunction(call):
                raise TypeError(f"{cls.__name__}: middleware must be a BaseHTTPMiddleware (dispatch(request, "
                                "call_next)) or have async __call__(request) -> Response")
            if len(inspect.signature(call).parameters) == 3:
                raise TypeError(f"{cls.__name__}: pure ASGI middleware (scope, receive, send) is not supported; "
                                "derive from turboapi.middleware.base.BaseHTTPMiddleware")
        app = instance
    return app


def is_builtin_only(stack: typing.Any) -> bool:
    """True when every layer of ``stack`` is turboapi's own CORS/GZip/TrustedHost/HTTPSRedirect, whose
    code never suspends (so a request through them can run without a Task)."""
    from . import cors, gzip, httpsredirect, trustedhost  # noqa: PLC0415

    builtin = (cors.CORSMiddleware, gzip.GZipMiddleware, trustedhost.TrustedHostMiddleware,
               httpsredirect.HTTPSRedirectMiddleware)
    layer = stack
    while layer is not _endpoint:
        if type(layer) not in builtin:
            return False
        layer = layer.app
    return True


__all__ = ["build_stack", "is_builtin_only"]
