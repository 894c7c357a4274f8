"""``BaseHTTPMiddleware``: ``dispatch(request, call_next)`` as in Starlette."""

import typing

from ..requests import Request
from ..responses import Response

RequestResponseEndpoint = typing.Callable[[Request], typing.Awaitable[Response]]
DispatchFunction = typing.Callable[[Request, RequestResponseEndpoint], typing.Awaitable[Response]]


class BufferedBody:
    """``body_iterator`` of a plain Response coming out of ``call_next``: in FastAPI every such response
    is a StreamingResponse, and middleware reads the body with ``async for chunk in
    response.body_iterator``. Yields ``response.body`` once (sync or async). Left unread, it is removed
    before the response leaves the stack, and the body goes out as a plain one."""

    __slots__ = ("response", "started")

    def __init__(self, response: Response) -> None:
        self.response = response
        self.started = False

    def _chunks(self) -> typing.List[bytes]:
        if self.started:
            return []
        self.started = True
        return [self.response.body]

    def __iter__(self) -> typing.Iterator[bytes]:
        return iter(self._chunks())

    def __aiter__(self) -> "BufferedBody":
        return self

    async def __anext__(self) -> bytes:
        if self.started:
            raise StopAsyncIteration
        return self._chunks()[0]


class AsyncBody:
    """A sync ``body_iterator`` as the async one FastAPI's call_next responses always have (middleware
    writes ``async for chunk in response.body_iterator``). Left unread, the sync iterator is put back
    before the response leaves the stack."""

    __slots__ = ("iterator", "started")

    def __init__(self, iterator: typing.Iterator[typing.Any]) -> None:
        self.iterator = iterator
        self.started = False

    def __aiter__(self) -> "AsyncBody":
        return self

    async def __anext__(self) -> typing.Any:
        self.started = True
        try:
            return next(self.iterator)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        close = getattr(self.iterator, "close", None)
        if close is not None:
            close()


def as_call_next_response(response: typing.Any) -> typing.Any:
    """What ``call_next`` hands to middleware: marked as streamed (see ``_streams_response``), with an
    async ``body_iterator`` as in FastAPI (BufferedBody for a plain body, AsyncBody over a sync one)."""
    response._turbo_streamed = True
    d = getattr(response, "__dict__", None)
    if d is None or hasattr(type(response), "body_iterator") and "body_iterator" not in d:
        return response  # FileResponse: a read-only body_iterator of its own
    it = d.get("body_iterator")
    if it is None:
        d["body_iterator"] = BufferedBody(response)
    elif not hasattr(it, "__anext__") and type(it) is not BufferedBody:
        d["body_iterator"] = AsyncBody(it)
    return response


def unread_body_iterator(response: typing.Any) -> bool:
    """True when ``response.body_iterator`` is an unread BufferedBody (the body is ``response.body``)."""
    it = response.__dict__.get("body_iterator") if hasattr(response, "__dict__") else None
    return type(it) is BufferedBody and not it.started


def drop_unread_body_iterator(response: typing.Any) -> None:
    """Before the response leaves the stack: an unread BufferedBody removed (a plain body again), an
    unread AsyncBody replaced by the sync iterator it wraps."""
    d = getattr(response, "__dict__", None)
    if not d:
        return
    it = d.get("body_iterator")
    if type(it) is BufferedBody and not it.started:
        del d["body_iterator"]
    elif type(it) is AsyncBody and not it.started:
        d["body_iterator"] = it.iterator


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
            as_call_next_response(response)
        return response

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError()


__all__ = ["BaseHTTPMiddleware", "RequestResponseEndpoint", "DispatchFunction"]
