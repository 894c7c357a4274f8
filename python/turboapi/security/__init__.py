"""Security schemes, as ``fastapi.security``: dependencies (``Depends(scheme)`` /
``Security(scheme, scopes=[...])``) that read credentials from the request, answer 401/403 as
FastAPI does when they are missing, and describe themselves for the OpenAPI document
(``scheme.model``, ``scheme.scheme_name``)."""

from .api_key import APIKeyCookie as APIKeyCookie
from .api_key import APIKeyHeader as APIKeyHeader
from .api_key import APIKeyQuery as APIKeyQuery
from .base import SecurityBase as SecurityBase
from .http import HTTPAuthorizationCredentials as HTTPAuthorizationCredentials
from .http import HTTPBase as HTTPBase
from .http import HTTPBasic as HTTPBasic
from .http import HTTPBasicCredentials as HTTPBasicCredentials
from .http import HTTPBearer as HTTPBearer
from .http import HTTPDigest as HTTPDigest
from .oauth2 import OAuth2 as OAuth2
from .oauth2 import OAuth2AuthorizationCodeBearer as OAuth2AuthorizationCodeBearer
from .oauth2 import OAuth2PasswordBearer as OAuth2PasswordBearer
from .oauth2 import OAuth2PasswordRequestForm as OAuth2PasswordRequestForm
from .oauth2 import OAuth2PasswordRequestFormStrict as OAuth2PasswordRequestFormStrict
from .oauth2 import SecurityScopes as SecurityScopes
from .open_id_connect_url import OpenIdConnect as OpenIdConnect
from .utils import get_authorization_scheme_param as get_authorization_scheme_param
