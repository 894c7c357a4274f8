"""``TrustedHostMiddleware``: Starlette 0.25's (400 "Invalid host header", or a redirect to www.)."""

import typing

from ..requests import Request
from ..responses import PlainTextResponse, RedirectResponse, Response
from .base import BaseHTTPMiddleware, RequestResponseEndpoint

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."


class TrustedHostMiddleware(BaseHTTPMiddleware):
    _streams_response = False

    def __init__(self, app: RequestResponseEndpoint, allowed_hosts: typing.Optional[typing.Sequence[str]] = None,
                 www_redirect: bool = True) -> None:
        super().__init__(app)
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        for pattern in allowed_hosts:
            assert "*" not in pattern[1:], ENFORCE_DOMAIN_WILDCARD
            if pattern.startswith("*") and pattern != "*":
                assert pattern.startswith("*."), ENFORCE_DOMAIN_WILDCARD
        self.allowed_hosts = list(allowed_hosts)
        self.allow_any = "*" in allowed_hosts
        self.www_redirect = www_redirect

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self.allow_any:
            return await call_next(request)
        host = request.headers.get("host", "").split(":")[0]
        is_valid_host = False
        found_www_redirect = False
        for pattern in self.allowed_hosts:
            if host == pattern or (pattern.startswith("*") and host.endswith(pattern[1:])):
                is_valid_host = True
                break
            elif "www." + host == pattern:
                found_www_redirect = True
        if is_valid_host:
            return await call_next(request)
        if found_www_redirect and self.www_redirect:
            url = request.url
            return RedirectResponse(url=str(url.replace(netloc="www." + url.netloc)))
        return PlainTextResponse("Invalid host header", status_code=400)


__all__ = ["TrustedHostMiddleware", "ENFORCE_DOMAIN_WILDCARD"]
