"""API keys in a query parameter, a header or a cookie (403 "Not authenticated" when missing)."""

from typing import Optional

from ..exceptions import HTTPException
from ._request import Request
from .base import SecurityBase, scheme_model

HTTP_403_FORBIDDEN = 403


class APIKeyBase(SecurityBase):
    _in = "query"

    def __init__(self, *, name: str, scheme_name: Optional[str] = None, description: Optional[str] = None,
                 auto_error: bool = True) -> None:
        self.model = scheme_model(type="apiKey", description=description, **{"in": self._in}, name=name)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def _missing(self) -> None:
        if self.auto_error:
            raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
        return None


class APIKeyQuery(APIKeyBase):
    """``?<name>=<key>``; the dependency's value is the key (a str)."""

    _in = "query"

    async def __call__(self, request: Request) -> Optional[str]:
        api_key = request.query_params.get(self.model["name"])
        if not api_key:
            return self._missing()
        return api_key


class APIKeyHeader(APIKeyBase):
    """``<name>: <key>`` request header; the dependency's value is the key (a str)."""

    _in = "header"

    async def __call__(self, request: Request) -> Optional[str]:
        api_key = request.headers.get(self.model["name"])
        if not api_key:
            return self._missing()
        return api_key


class APIKeyCookie(APIKeyBase):
    """``Cookie: <name>=<key>``; the dependency's value is the key (a str)."""

    _in = "cookie"

    async def __call__(self, request: Request) -> Optional[str]:
        api_key = request.cookies.get(self.model["name"])
        if not api_key:
            return self._missing()
        return api_key
