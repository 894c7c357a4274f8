"""OpenID Connect discovery: the dependency's value is the raw ``Authorization`` header."""

from typing import Optional

from ..exceptions import HTTPException
from ._request import Request
from .base import SecurityBase, scheme_model

HTTP_403_FORBIDDEN = 403


class OpenIdConnect(SecurityBase):
    """Missing ``Authorization``: 403 "Not authenticated" (None with ``auto_error=False``)."""

    def __init__(self, *, openIdConnectUrl: str, scheme_name: Optional[str] = None,  # noqa: N803
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        self.model = scheme_model(type="openIdConnect", description=description, openIdConnectUrl=openIdConnectUrl)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[str]:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
            return None
        return authorization
