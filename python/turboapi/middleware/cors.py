"""``CORSMiddleware``: Starlette 0.25's, the same options and the same headers."""

import re
import typing

from ..requests import Request
from ..responses import PlainTextResponse, Response
from ._util import add_vary_header, set_header
from .base import BaseHTTPMiddleware, RequestResponseEndpoint

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}


class CORSMiddleware(BaseHTTPMiddleware):
    _streams_response = False

    def __init__(self, app: RequestResponseEndpoint, allow_origins: typing.Sequence[str] = (),
                 allow_methods: typing.Sequence[str] = ("GET",), allow_headers: typing.Sequence[str] = (),
                 allow_credentials: bool = False, allow_origin_regex: typing.Optional[str] = None,
                 expose_headers: typing.Sequence[str] = (), max_age: int = 600) -> None:
        super().__init__(app)
        if "*" in allow_methods:
            allow_methods = ALL_METHODS
        compiled_allow_origin_regex = None
        if allow_origin_regex is not None:
            compiled_allow_origin_regex = re.compile(allow_origin_regex)
        allow_all_origins = "*" in allow_origins
        allow_all_headers = "*" in allow_headers
        preflight_explicit_allow_origin = not allow_all_origins or allow_credentials

        simple_headers: typing.Dict[str, str] = {}
        if allow_all_origins:
            simple_headers["access-control-allow-origin"] = "*"
        if allow_credentials:
            simple_headers["access-control-allow-credentials"] = "true"
        if expose_headers:
            simple_headers["access-control-expose-headers"] = ", ".join(expose_headers)

        preflight_headers: typing.Dict[str, str] = {}
        if preflight_explicit_allow_origin:
            preflight_headers["vary"] = "Origin"  # the origin itself is set per request when allowed
        else:
            preflight_headers["access-control-allow-origin"] = "*"
        preflight_headers["access-control-allow-methods"] = ", ".join(allow_methods)
        preflight_headers["access-control-max-age"] = str(max_age)
        allow_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        if allow_headers and not allow_all_headers:
            preflight_headers["access-control-allow-headers"] = ", ".join(allow_headers)
        if allow_credentials:
            preflight_headers["access-control-allow-credentials"] = "true"

        self.allow_origins = allow_origins
        self.allow_methods = allow_methods
        self.allow_headers = [h.lower() for h in allow_headers]
        self.allow_all_origins = allow_all_origins
        self.allow_all_headers = allow_all_headers
        self.preflight_explicit_allow_origin = preflight_explicit_allow_origin
        self.allow_origin_regex = compiled_allow_origin_regex
        self.simple_headers = simple_headers
        self.preflight_headers = preflight_headers

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        headers = request.headers
        origin = headers.get("origin")
        if origin is None:
            return await call_next(request)
        if request.method == "OPTIONS" and "access-control-request-method" in headers:
            return self.preflight_response(headers)
        response = await call_next(request)
        raw = response.raw_headers
        for name, value in self.simple_headers.items():
            set_header(raw, name, value)
        if self.allow_all_origins and "cookie" in headers:
            self.allow_explicit_origin(raw, origin)
        elif not self.allow_all_origins and self.is_allowed_origin(origin):
            self.allow_explicit_origin(raw, origin)
        return response

    def is_allowed_origin(self, origin: str) -> bool:
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self.allow_origins

    def preflight_response(self, request_headers: typing.Any) -> Response:
        requested_origin = request_headers["origin"]
        requested_method = request_headers["access-control-request-method"]
        requested_headers = request_headers.get("access-control-request-headers")
        headers = dict(self.preflight_headers)
        failures = []
        if self.is_allowed_origin(requested_origin):
            if self.preflight_explicit_allow_origin:
                headers["access-control-allow-origin"] = requested_origin
        else:
            failures.append("origin")
        if requested_method not in self.allow_methods:
            failures.append("method")
        if self.allow_all_headers and requested_headers is not None:
            headers["access-control-allow-headers"] = requested_headers
        elif requested_headers is not None:
            for header in [h.lower() for h in requested_headers.split(",")]:
                if header.strip() not in self.allow_headers:
                    failures.append("headers")
                    break
        if failures:
            return PlainTextResponse("Disallowed CORS " + ", ".join(failures), status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)

    @staticmethod
    def allow_explicit_origin(raw: typing.List[typing.Tuple[str, str]], origin: str) -> None:
        set_header(raw, "access-control-allow-origin", origin)
        add_vary_header(raw, "Origin")


__all__ = ["CORSMiddleware", "ALL_METHODS", "SAFELISTED_HEADERS"]
