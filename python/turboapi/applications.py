"""The application object: ``app = TurboAPI()``."""

import inspect
import sys
import traceback
from contextlib import asynccontextmanager
from enum import Enum
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Type, Union

from . import params
from .exception_handlers import (
    http_exception_handler,
    http_exception_response,
    request_validation_exception_handler,
    request_validation_response,
)
from .exceptions import HTTPException, RequestValidationError
from .requests import Request, State
from .responses import JSONResponse, Response
from .routing import APIRoute, APIRouter, Default, generate_unique_id


class TurboAPI(APIRouter):
    """A TurboAPI application; FastAPI's constructor arguments and decorators::

        app = TurboAPI(title="My API", dependencies=[Depends(verify_token)])

        @app.get("/items/{item_id}", status_code=200, response_model=Item)
        def read_item(item_id: int, q: str | None = None): ...

    Serve with ``turbo serve module:app``. ``title``, ``version``, ``description``, ``openapi_url``,
    ``docs_url``, ``redoc_url``, ``openapi_tags``, ``servers``, ``terms_of_service``, ``contact``,
    ``license_info`` are kept for the OpenAPI document; ``root_path`` is accepted and ignored.
    """

    def __init__(self, *, debug: bool = False, routes: Optional[List[Any]] = None, title: str = "TurboAPI",
                 description: str = "", version: str = "0.1.0", openapi_url: Optional[str] = "/openapi.json",
                 openapi_tags: Optional[List[Dict[str, Any]]] = None, servers: Optional[List[Dict[str, Any]]] = None,
                 dependencies: Optional[Sequence[params.Depends]] = None,
                 default_response_class: Any = Default(JSONResponse), docs_url: Optional[str] = "/docs",
                 redoc_url: Optional[str] = "/redoc",
                 swagger_ui_oauth2_redirect_url: Optional[str] = "/docs/oauth2-redirect",
                 swagger_ui_init_oauth: Optional[Dict[str, Any]] = None, middleware: Optional[Sequence[Any]] = None,
                 exception_handlers: Optional[Dict[Union[int, Type[Exception]], Callable[..., Any]]] = None,
                 on_startup: Optional[Sequence[Callable[[], Any]]] = None,
                 on_shutdown: Optional[Sequence[Callable[[], Any]]] = None, lifespan: Optional[Callable[..., Any]] = None,
                 terms_of_service: Optional[str] = None, contact: Optional[Dict[str, Union[str, Any]]] = None,
                 license_info: Optional[Dict[str, Union[str, Any]]] = None, openapi_prefix: str = "",
                 root_path: str = "", root_path_in_servers: bool = True, responses: Optional[Dict[Any, Any]] = None,
                 callbacks: Optional[List[Any]] = None, deprecated: Optional[bool] = None,
                 include_in_schema: bool = True, swagger_ui_parameters: Optional[Dict[str, Any]] = None,
                 generate_unique_id_function: Any = Default(generate_unique_id), **extra: Any) -> None:
        super().__init__(dependencies=dependencies, default_response_class=default_response_class,
                         responses=responses, callbacks=callbacks, routes=routes, on_startup=on_startup,
                         on_shutdown=on_shutdown, deprecated=deprecated, include_in_schema=include_in_schema,
                         generate_unique_id_function=generate_unique_id_function)
        self.debug = debug
        self.title = title
        self.description = description
        self.version = version
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.servers = servers or []
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.root_path = root_path
        self.root_path_in_servers = root_path_in_servers
        self.openapi_version = "3.0.2"
        self.openapi_schema: Optional[Dict[str, Any]] = None
        self.extra = extra
        self.state = State()
        self.dependency_overrides: Dict[Callable[..., Any], Callable[..., Any]] = {}
        self.user_middleware: List[Any] = list(middleware or [])
        self.lifespan = lifespan
        self.exception_handlers: Dict[Any, Callable[..., Any]] = {
            HTTPException: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
        }
        if exception_handlers:
            self.exception_handlers.update(exception_handlers)
        self._lifespan_cm: Any = None
        self._middleware_stack: Any = None
        self._middleware_split: Any = None  # (ids of user_middleware, (native specs, Python entries))
        self.setup()

    def setup(self) -> None:
        """The routes FastAPI's ``setup()`` adds: /openapi.json, /docs, /docs/oauth2-redirect, /redoc
        (GET and HEAD, hidden from the document, without the app's dependencies)."""
        try:
            from .openapi.routes import docs_routes  # noqa: PLC0415
        except ImportError:
            return
        for path, endpoint in docs_routes(self):
            self.routes.append(APIRoute(path, endpoint, methods=["GET", "HEAD"], include_in_schema=False,
                                        response_model=None, name=getattr(endpoint, "__name__", None)))

    @property
    def router(self) -> "TurboAPI":
        """FastAPI keeps its routes on ``app.router``; here the app is its own router."""
        return self

    # -- exception handlers --------------------------------------------------------------------------

    def add_exception_handler(self, exc_class_or_status_code: Union[int, Type[Exception]],
                              handler: Callable[..., Any]) -> None:
        self.exception_handlers[exc_class_or_status_code] = handler

    def exception_handler(self, exc_class_or_status_code: Union[int, Type[Exception]]):
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    def _lookup_handler(self, exc: BaseException) -> Optional[Callable[..., Any]]:
        handlers = self.exception_handlers
        if isinstance(exc, HTTPException):
            h = handlers.get(exc.status_code)
            if h is not None:
                return h
        for cls in type(exc).__mro__:
            if cls is Exception:
                break
            h = handlers.get(cls)
            if h is not None:
                return h
        return None

    def _server_error_handler(self) -> Optional[Callable[..., Any]]:
        return self.exception_handlers.get(500) or self.exception_handlers.get(Exception)

    async def _handle_exception(self, request: Request, exc: BaseException) -> Any:
        """A python-mode route's exception as a response, by the registered handlers; re-raised when none
        applies (the worker logs the traceback and answers 500)."""
        handler = self._lookup_handler(exc)
        if handler is http_exception_handler:
            return http_exception_response(exc)  # type: ignore[arg-type]
        if handler is request_validation_exception_handler:
            return request_validation_response(exc)  # type: ignore[arg-type]
        server_error = handler is None
        if server_error:
            handler = self._server_error_handler()
            if handler is None:
                raise exc
            _log_exception(request, exc)
        r = handler(request, exc)
        if inspect.isawaitable(r):
            r = await r
        return _outside_middleware(r) if server_error else r

    async def _handle_exception_inner(self, request: Request, exc: BaseException) -> Any:
        """With middleware: the handlers FastAPI runs inside the user's middleware (Starlette's
        ExceptionMiddleware: every registered handler but the 500/Exception one); anything else is
        re-raised through the middleware to ``_server_error``."""
        handlers = self.exception_handlers
        handler = None
        if isinstance(exc, HTTPException) and exc.status_code != 500:
            handler = handlers.get(exc.status_code)
        if handler is None:
            for cls in type(exc).__mro__:
                if cls is Exception:
                    break
                handler = handlers.get(cls)
                if handler is not None:
                    break
        if handler is None:
            raise exc
        if handler is request_validation_exception_handler:
            return request_validation_response(exc)  # type: ignore[arg-type]
        return await self._call_handler(handler, request, exc)

    @staticmethod
    async def _call_handler(handler: Callable[..., Any], request: Request, exc: BaseException) -> Any:
        if handler is http_exception_handler:
            return http_exception_response(exc)  # type: ignore[arg-type]
        r = handler(request, exc)
        if inspect.isawaitable(r):
            r = await r
        return r

    async def _server_error(self, request: Request, exc: BaseException) -> Any:
        """Outside the user's middleware (Starlette's ServerErrorMiddleware): the app's 500/Exception
        handler answers and the exception is logged; without one it is re-raised (the worker logs the
        traceback and answers the plain 500)."""
        handler = self._server_error_handler()
        if handler is None:
            raise exc
        _log_exception(request, exc)
        r = handler(request, exc)
        if inspect.isawaitable(r):
            r = await r
        return _outside_middleware(r)

    # -- middleware ----------------------------------------------------------------------------------

    def add_middleware(self, middleware_class: type, **options: Any) -> None:
        """``app.add_middleware(CORSMiddleware, allow_origins=[...])``: the last added is the outermost.

        turboapi's CORS, GZip, TrustedHost, HTTPSRedirect, RequestId, Timing and RateLimit middleware
        (``middleware/native.py``) run natively in the worker, outside every Python middleware, ordered
        by priority; their options are checked here (TypeError/ValueError naming the class)."""
        if self._middleware_stack is not None:
            raise RuntimeError("Cannot add middleware after an application has started")
        from .middleware import Middleware  # noqa: PLC0415
        from .middleware.native import native_spec  # noqa: PLC0415

        native_spec(middleware_class, options)
        self.user_middleware.insert(0, Middleware(middleware_class, **options))

    def _split_middleware(self) -> Any:
        """``(native specs, Python entries)`` of ``user_middleware``, both outermost first."""
        from .middleware.native import native_spec  # noqa: PLC0415

        key = [id(entry) for entry in self.user_middleware]
        if self._middleware_split is not None and self._middleware_split[0] == key:
            return self._middleware_split[1]
        native, python = [], []
        for entry in self.user_middleware:
            cls, options = entry
            spec = native_spec(cls, options)
            if spec is None:
                python.append(entry)
            else:
                native.append(spec)
        self._middleware_split = (key, (native, python))
        return native, python

    def _python_middleware(self) -> List[Any]:
        """The user's middleware that runs in Python (everything but the native ones)."""
        return self._split_middleware()[1]

    def _turbo_middleware(self) -> List[Dict[str, Any]]:
        """The native middleware as the worker builds its pipeline from it (called once per worker at
        boot): ``[{"name": "CORSMiddleware", "options": {...}}, ...]``, options validated and complete."""
        return self._split_middleware()[0]

    def middleware(self, middleware_type: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``@app.middleware("http")`` over ``async def mw(request, call_next)``."""
        assert middleware_type == "http", 'Currently only middleware("http") is supported.'

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            from .middleware.base import BaseHTTPMiddleware  # noqa: PLC0415

            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    def build_middleware_stack(self) -> Any:
        """The user's middleware as one callable ``async (Request) -> Response`` (built once)."""
        if self._middleware_stack is None:
            from .middleware.stack import build_stack  # noqa: PLC0415

            self._middleware_stack = build_stack(self._python_middleware())
        return self._middleware_stack

    def _wrap_in_middleware(self, endpoint: Callable[..., Any], any_async: bool = True) -> Callable[[Any], Any]:
        """``handler(request_data)`` for the worker: the middleware stack around ``endpoint``
        (``async endpoint(None, request) -> Response``), the 500/Exception handler outside it.

        When the stack is only turboapi's own middleware (CORS, GZip, ...) and the route is all
        plain ``def``, nothing awaits: run at once (``run_eagerly``) instead of as a Task. A user's
        ``async def`` middleware always runs as a Task (it may need a current task)."""
        from .middleware.base import drop_unread_body_iterator  # noqa: PLC0415
        from .middleware.stack import is_builtin_only  # noqa: PLC0415
        from .routing import run_eagerly  # noqa: PLC0415

        stack = self.build_middleware_stack()
        eager = not any_async and is_builtin_only(stack)
        app = self

        async def run_request(request: Request) -> Any:
            return await endpoint(None, request)

        async def handler(data: Any) -> Any:
            request = Request(data, app)
            request._turbo_endpoint = run_request  # type: ignore[attr-defined]
            try:
                response = await stack(request)
                drop_unread_body_iterator(response)
                return response
            except Exception as exc:  # noqa: BLE001 - ServerErrorMiddleware's place
                return await app._server_error(request, exc)

        if eager:
            def eager_handler(data: Any) -> Any:
                return run_eagerly(handler(data))

            return eager_handler
        return handler

    def _turbo_route_errors_in_python(self) -> bool:
        """True when the router's own 404 / 405 / 307 must be answered by ``_turbo_http_error``
        (the app has Python middleware, or its own handler for 404, 405 or HTTPException). Called once
        per worker at boot."""
        return bool(self._python_middleware()) or self._has_custom_http_handler(404) \
            or self._has_custom_http_handler(405)

    def _turbo_error_hook(self, request_data: Any, exc: BaseException) -> Any:
        """Called by the worker when a native route's endpoint raised (app-contract.md)."""
        handler = self._lookup_handler(exc)
        if handler is http_exception_handler:
            return http_exception_response(exc)  # type: ignore[arg-type]
        if handler is None:
            handler = self._server_error_handler()
            if handler is None:
                return None
            _log_exception(None, exc)
            r = handler(Request(request_data, self), exc)
            return _outside_middleware_later(r) if inspect.isawaitable(r) else _outside_middleware(r)
        return handler(Request(request_data, self), exc)

    def _turbo_http_error(self, request_data: Any, status_code: int, headers: Optional[Dict[str, str]] = None) -> Any:
        """For the worker's own 404 / 405 / 307 answers (no route matched): the app's handler for that
        status or for HTTPException as a Response (or awaitable), or None when FastAPI's default body
        applies (then C++ answers as it does now). ``headers``: ``{"allow": "GET"}`` for a 405,
        ``{"location": url}`` for a 307 (Starlette's redirect_slashes; computed here when absent).

        With middleware, never None: the middleware stack around the router's answer (FastAPI runs the
        router inside the user's middleware), a coroutine, or the Response itself when nothing in the
        stack awaits. A failure raises (the worker logs it and answers 500)."""
        # Starlette's HTTPException(405, headers={"Allow": ...}); no headers (None) for a 404
        headers = {("Allow" if k.lower() == "allow" else k): v for k, v in headers.items()} if headers else None
        if self._python_middleware():
            return self._routing_error_in_middleware(request_data, status_code, headers)
        if status_code == 307:
            return None
        if not self._has_custom_http_handler(status_code):
            return None
        exc = HTTPException(status_code=status_code, headers=headers)
        handler = self._lookup_handler(exc)
        if handler is None or handler is http_exception_handler:
            return None
        return handler(Request(request_data, self), exc)

    def _routing_error_in_middleware(self, request_data: Any, status_code: int,
                                     headers: Optional[Dict[str, str]]) -> Any:
        app = self

        async def routing_error(_data: Any, request: Request) -> Any:
            if status_code == 307:
                from .responses import RedirectResponse  # noqa: PLC0415

                location = (headers or {}).get("location") or (headers or {}).get("Location")
                if location is None:
                    url = request.url
                    path = url.path
                    path = path.rstrip("/") if path.endswith("/") else path + "/"
                    location = str(url.replace(path=path))
                return RedirectResponse(location)
            hdrs = {k: v for k, v in headers.items() if k.lower() != "location"} if headers else None
            return await app._handle_exception_inner(request, HTTPException(status_code=status_code,
                                                                            headers=hdrs or None))

        return self._wrap_in_middleware(routing_error, self._server_error_handler() is not None
                                        or self._has_custom_http_handler(status_code))(request_data)

    def _has_custom_http_handler(self, status_code: int) -> bool:
        """True when an HTTPException with this status would not get FastAPI's default answer."""
        handlers = self.exception_handlers
        if status_code in handlers:
            return True
        return handlers.get(HTTPException, http_exception_handler) is not http_exception_handler

    def _has_custom_validation_handler(self) -> bool:
        """True when a 422 would not be FastAPI's default body (then C++ must not answer 422s itself).
        Handlers of base classes (ValueError...) do not matter: RequestValidationError's own entry is
        found first, as in Starlette's lookup."""
        return self.exception_handlers.get(RequestValidationError) is not request_validation_exception_handler

    # -- the worker's view ---------------------------------------------------------------------------

    def _turbo_routes(self) -> List[Dict[str, Any]]:
        """The routes as the worker's C++ dispatcher reads them (called once per worker at boot)."""
        python_middleware = bool(self._python_middleware())
        force_python = self._has_custom_validation_handler() or python_middleware
        wrap = self._wrap_in_middleware if python_middleware else None
        if wrap is not None:
            self.build_middleware_stack()
        return [route.spec(self, force_python, middleware=wrap) for route in self.routes if isinstance(route, APIRoute)]

    def _turbo_startup(self) -> Optional[Awaitable[None]]:
        """on_event("startup") handlers, or entering ``lifespan(app)``; an awaitable when any is async."""
        if self.lifespan is not None:
            return self._enter_lifespan()
        return self._run_handlers(self.on_startup)

    def _turbo_shutdown(self) -> Optional[Awaitable[None]]:
        if self.lifespan is not None:
            return self._exit_lifespan()
        return self._run_handlers(self.on_shutdown)

    def _run_handlers(self, handlers: List[Callable[[], Any]]) -> Optional[Awaitable[None]]:
        """Calls each handler in order; from the first async one on, the rest run in an awaitable."""
        for i, handler in enumerate(handlers):
            r = handler()
            if inspect.isawaitable(r):
                return self._run_rest(r, handlers[i + 1:])
        return None

    @staticmethod
    async def _run_rest(first: Awaitable[Any], rest: List[Callable[[], Any]]) -> None:
        await first
        for handler in rest:
            r = handler()
            if inspect.isawaitable(r):
                await r

    async def _enter_lifespan(self) -> None:
        factory = self.lifespan
        if inspect.isasyncgenfunction(factory):
            factory = asynccontextmanager(factory)
        cm = factory(self)  # type: ignore[misc]
        state = await cm.__aenter__()
        self._lifespan_cm = cm
        if isinstance(state, dict):
            for k, v in state.items():
                setattr(self.state, k, v)

    async def _exit_lifespan(self) -> None:
        cm, self._lifespan_cm = self._lifespan_cm, None
        if cm is not None:
            await cm.__aexit__(None, None, None)

    # -- decorators FastAPI has on the app -----------------------------------------------------------

    def url_path_for(self, __name: str, /, **path_params: Any) -> str:
        """The path of the route named ``__name`` with ``path_params`` filled in (Starlette's)."""
        import re  # noqa: PLC0415

        for route in self.routes:
            if getattr(route, "name", None) != __name:
                continue
            names = set(re.findall(r"{([^}:]+)(?::[^}]*)?}", route.path))
            if names == set(path_params):
                return re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: str(path_params[m.group(1)]), route.path)
        raise LookupError(f'No route exists for name "{__name}" and params "{", ".join(path_params)}".')

    def openapi(self) -> Dict[str, Any]:
        """The OpenAPI document (built on first use, kept in ``openapi_schema``)."""
        from .openapi.routes import openapi_document  # noqa: PLC0415

        return openapi_document(self)


def _outside_middleware(response: Any) -> Any:
    """Marks the answer of the app's 500/Exception handler: Starlette sends it from
    ServerErrorMiddleware, outside every middleware, so the worker's native pipeline leaves it alone."""
    try:
        response._turbo_server_error = True
    except AttributeError:
        pass
    return response


async def _outside_middleware_later(awaitable: Awaitable[Any]) -> Any:
    return _outside_middleware(await awaitable)


def _log_exception(request: Optional[Request], exc: BaseException) -> None:
    """An exception answered by a 500/Exception handler is still logged, as Starlette's
    ServerErrorMiddleware does."""
    where = f" {request.method} {request._data.path}" if request is not None else ""
    # One write, as the worker's own log records: tracebacks of two workers must not interleave.
    text = "".join(traceback.format_exception(exc))
    sys.stderr.write(f"Exception in handler{where}\n{text}")
    sys.stderr.flush()


__all__ = ["TurboAPI"]
