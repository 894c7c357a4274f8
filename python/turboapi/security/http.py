"""HTTP authentication schemes: Basic, Bearer, Digest, or any ``Authorization: <scheme> <credentials>``."""

import binascii
from base64 import b64decode
from dataclasses import dataclass
from typing import Optional

from ..exceptions import HTTPException
from ._request import Request
from .base import SecurityBase, scheme_model
from .utils import get_authorization_scheme_param

HTTP_401_UNAUTHORIZED = 401
HTTP_403_FORBIDDEN = 403


@dataclass
class HTTPBasicCredentials:
    """What ``HTTPBasic`` gives the endpoint (serializes as ``{"username": ..., "password": ...}``)."""

    username: str
    password: str

    def dict(self) -> dict:
        return {"username": self.username, "password": self.password}


@dataclass
class HTTPAuthorizationCredentials:
    """What ``HTTPBearer`` / ``HTTPDigest`` / ``HTTPBase`` give the endpoint: the scheme word
    as sent (``"Bearer"``) and the rest of the header."""

    scheme: str
    credentials: str

    def dict(self) -> dict:
        return {"scheme": self.scheme, "credentials": self.credentials}


class HTTPBase(SecurityBase):
    """``Authorization: <any scheme> <credentials>``; 403 "Not authenticated" when absent or incomplete."""

    def __init__(self, *, scheme: str, scheme_name: Optional[str] = None, description: Optional[str] = None,
                 auto_error: bool = True) -> None:
        self.model = scheme_model(type="http", description=description, scheme=scheme)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[HTTPAuthorizationCredentials]:
        authorization = request.headers.get("Authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials):
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """``Authorization: Basic base64(user:password)`` -> ``HTTPBasicCredentials``.

    Missing or another scheme: 401 "Not authenticated" (None with ``auto_error=False``); bad base64,
    not ASCII or no ``:``: 401 "Invalid authentication credentials" (always raised). Both carry
    ``WWW-Authenticate: Basic`` (``Basic realm="<realm>"`` with ``realm=``).
    """

    def __init__(self, *, scheme_name: Optional[str] = None, realm: Optional[str] = None,
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        self.model = scheme_model(type="http", description=description, scheme="basic")
        self.scheme_name = scheme_name or self.__class__.__name__
        self.realm = realm
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[HTTPBasicCredentials]:  # type: ignore[override]
        authorization = request.headers.get("Authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if self.realm:
            unauthorized_headers = {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        else:
            unauthorized_headers = {"WWW-Authenticate": "Basic"}
        if not authorization or scheme.lower() != "basic":
            if self.auto_error:
                raise HTTPException(status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated",
                                    headers=unauthorized_headers)
            return None
        invalid = HTTPException(status_code=HTTP_401_UNAUTHORIZED, detail="Invalid authentication credentials",
                                headers=unauthorized_headers)
        try:
            data = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise invalid from None
        username, separator, password = data.partition(":")
        if not separator:
            raise invalid
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """``Authorization: Bearer <token>`` -> ``HTTPAuthorizationCredentials``.

    Missing or incomplete: 403 "Not authenticated"; another scheme: 403 "Invalid authentication
    credentials" (both None with ``auto_error=False``).
    """

    def __init__(self, *, bearerFormat: Optional[str] = None, scheme_name: Optional[str] = None,  # noqa: N803
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        self.model = scheme_model(type="http", description=description, scheme="bearer", bearerFormat=bearerFormat)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[HTTPAuthorizationCredentials]:
        authorization = request.headers.get("Authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials):
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
            return None
        if scheme.lower() != "bearer":
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Invalid authentication credentials")
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPDigest(HTTPBase):
    """``Authorization: Digest <params>`` -> ``HTTPAuthorizationCredentials``.

    Missing or incomplete: 403 "Not authenticated" (None with ``auto_error=False``); another scheme:
    403 "Invalid authentication credentials", raised even with ``auto_error=False`` (as FastAPI 0.92).
    """

    def __init__(self, *, scheme_name: Optional[str] = None, description: Optional[str] = None,
                 auto_error: bool = True) -> None:
        self.model = scheme_model(type="http", description=description, scheme="digest")
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[HTTPAuthorizationCredentials]:
        authorization = request.headers.get("Authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials):
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
            return None
        if scheme.lower() != "digest":
            raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Invalid authentication credentials")
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)
