"""``HTTPSRedirectMiddleware``: Starlette 0.25's 307 to the https:// URL. The server speaks plain HTTP
(the scope's scheme is always "http"), so every request is redirected, as Starlette does without a
proxy-headers layer."""

from ..requests import Request
from ..responses import RedirectResponse, Response
from .base import BaseHTTPMiddleware, RequestResponseEndpoint


class HTTPSRedirectMiddleware(BaseHTTPMiddleware):
    _streams_response = False

    def __init__(self, app: RequestResponseEndpoint) -> None:
        super().__init__(app)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.scope["scheme"] in ("http", "ws"):
            url = request.url
            redirect_scheme = {"http": "https", "ws": "wss"}[url.scheme]
            netloc = url.hostname if url.port in (80, 443) else url.netloc
            url = url.replace(scheme=redirect_scheme, netloc=netloc)
            return RedirectResponse(url, status_code=307)
        return await call_next(request)


__all__ = ["HTTPSRedirectMiddleware"]
