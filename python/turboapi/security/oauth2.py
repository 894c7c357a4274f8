"""OAuth2: the password and authorization-code flows with bearer tokens, the password request
form, and ``SecurityScopes``."""

from typing import Any, Dict, List, Optional

from ..exceptions import HTTPException
from ..openapi import models as _oa
from ._form import Form, PatternForm
from ._request import Request
from .base import SchemeModel, SecurityBase
from .utils import get_authorization_scheme_param

HTTP_401_UNAUTHORIZED = 401
HTTP_403_FORBIDDEN = 403


class OAuth2PasswordRequestForm:
    """A dependency class (``form_data: OAuth2PasswordRequestForm = Depends()``) reading the form
    fields of the OAuth2 password flow: ``grant_type`` (optional; when sent it must match
    "password"), ``username``, ``password``, ``scope`` (space-separated; read as the list
    ``.scopes``), ``client_id`` and ``client_secret`` (optional).
    Use ``OAuth2PasswordRequestFormStrict`` to require ``grant_type``."""

    def __init__(
        self,
        grant_type: str = PatternForm(default=None, pattern="password"),
        username: str = Form(),
        password: str = Form(),
        scope: str = Form(default=""),
        client_id: Optional[str] = Form(default=None),
        client_secret: Optional[str] = Form(default=None),
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """``OAuth2PasswordRequestForm`` with ``grant_type`` required (and matching "password")."""

    def __init__(
        self,
        grant_type: str = PatternForm(pattern="password"),
        username: str = Form(),
        password: str = Form(),
        scope: str = Form(default=""),
        client_id: Optional[str] = Form(default=None),
        client_secret: Optional[str] = Form(default=None),
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope,
                         client_id=client_id, client_secret=client_secret)


def _oauth2_model(flows: Any, description: Optional[str]) -> SchemeModel:
    if hasattr(flows, "dict") and not isinstance(flows, dict):  # a FastAPI/pydantic OAuthFlows model
        flows = flows.dict(by_alias=True, exclude_none=True)
    return SchemeModel(_oa.normalize(_oa.OAuth2, {"type": "oauth2", "description": description,
                                                  "flows": dict(flows or {})}))


class OAuth2(SecurityBase):
    """Any OAuth2 flows (``flows={"password": {"tokenUrl": "token"}, ...}``, the OpenAPI OAuthFlows
    object). The dependency's value is the raw ``Authorization`` header; missing: 403
    "Not authenticated" (None with ``auto_error=False``)."""

    def __init__(self, *, flows: Optional[Dict[str, Dict[str, Any]]] = None, scheme_name: Optional[str] = None,
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        self.model = _oauth2_model(flows, description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> Optional[str]:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Not authenticated")
            return None
        return authorization


class _BearerToken(OAuth2):
    async def __call__(self, request: Request) -> Optional[str]:
        authorization = request.headers.get("Authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise HTTPException(status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated",
                                    headers={"WWW-Authenticate": "Bearer"})
            return None
        return param


class OAuth2PasswordBearer(_BearerToken):
    """The password flow with a bearer token: ``OAuth2PasswordBearer(tokenUrl="token")``.

    The dependency's value is the token of ``Authorization: Bearer <token>``; missing or another
    scheme: 401 "Not authenticated" with ``WWW-Authenticate: Bearer`` (None with ``auto_error=False``).
    """

    def __init__(self, tokenUrl: str, scheme_name: Optional[str] = None,  # noqa: N803
                 scopes: Optional[Dict[str, str]] = None, description: Optional[str] = None,
                 auto_error: bool = True) -> None:
        super().__init__(flows={"password": {"tokenUrl": tokenUrl, "scopes": scopes or {}}},
                         scheme_name=scheme_name, description=description, auto_error=auto_error)


class OAuth2AuthorizationCodeBearer(_BearerToken):
    """The authorization-code flow with a bearer token; answers as ``OAuth2PasswordBearer``."""

    def __init__(self, authorizationUrl: str, tokenUrl: str, refreshUrl: Optional[str] = None,  # noqa: N803
                 scheme_name: Optional[str] = None, scopes: Optional[Dict[str, str]] = None,
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        super().__init__(
            flows={"authorizationCode": {"authorizationUrl": authorizationUrl, "tokenUrl": tokenUrl,
                                         "refreshUrl": refreshUrl, "scopes": scopes or {}}},
            scheme_name=scheme_name, description=description, auto_error=auto_error)


class SecurityScopes:
    """Declare ``security_scopes: SecurityScopes`` in a dependency to receive the scopes every
    ``Security(..., scopes=[...])`` above it asked for: ``.scopes`` (list) and ``.scope_str``
    (space-separated)."""

    def __init__(self, scopes: Optional[List[str]] = None) -> None:
        self.scopes = scopes or []
        self.scope_str = " ".join(self.scopes)
