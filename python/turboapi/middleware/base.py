"""``BaseHTTPMiddleware``: ``dispatch(request, call_next)`` as in Starlette."""

import typing

from ..requests import Request
from ..responses import Response

RequestResponseEndpoint = typing.Callable[[Request], typing.Awaitable[Response]]
DispatchFunction = typing.Callable[[Request, RequestResponseEndpoint], typing.Awaitable[Response]]


class BaseHTTPMiddleware:
    """Subclass and implement ``async def dispatch(self, request, call_next)``, or pass ``dispatch=``
    (what ``@app.middleware("http")`` does). ``call_next(request)`` runs the inner layers and the route
    and returns its Response; an exception no exception handler takes propagates out of it (as in
    Starlette: HTTPException and validation errors are answered inside, before middleware sees them)."""

    # Starlette streams the response call_next returned (more_body=True per chunk), so an outer GZip
    # compresses it whatever its size: marked on the response. Our CORS/GZip/... are pure ASGI in
    # Starlette and leave it alone.
    _streams_response = True

    def __init__(self, app: RequestResponseEndpoint, dispatch: typing.Optional[DispatchFunction] = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def __call__(self, request: Request) -> Response:
        response = await self.dispatch_func(request, self.call_next)
        if response is None:
            raise RuntimeError("No response returned.")
        return response

    async def call_next(self, request: Request) -> Response:
        response = await self.app(request)
        if response is None:
            raise RuntimeError("No response returned.")
        if self._streams_response:
            response._turbo_streamed = True
        return response

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError()


__all__ = ["BaseHTTPMiddleware", "RequestResponseEndpoint", "DispatchFunction"]
