"""turboapi.security against fastapi.security 0.92: every scheme, fed the same requests, must give
the same value or raise the same HTTPException (status, detail, headers), and describe itself with
the same OpenAPI security scheme."""

import asyncio
import base64
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

import fastapi.security as fsec  # noqa: E402
from fastapi.encoders import jsonable_encoder  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

import turboapi.security as tsec  # noqa: E402
from turboapi.exceptions import HTTPException as TurboHTTPException  # noqa: E402


class FakeRequest:
    """Enough of a request for the schemes: case-insensitive headers, query params, cookies."""

    class _Headers(dict):
        def get(self, key, default=None):
            for k, v in self.items():
                if k.lower() == key.lower():
                    return v
            return default

    def __init__(self, headers=None, query=None, cookies=None):
        self.headers = self._Headers(headers or {})
        self.query_params = dict(query or {})
        self.cookies = dict(cookies or {})


def run(scheme, request):
    """("ok", value as JSON) or ("error", status, detail, headers)."""
    try:
        value = asyncio.run(scheme(request))
    except (StarletteHTTPException, TurboHTTPException) as e:
        return ("error", e.status_code, e.detail, e.headers)
    if hasattr(value, "dict"):
        value = value.dict()
    return ("ok", value)


def b64(s):
    return base64.b64encode(s.encode("latin-1")).decode()


AUTH_HEADERS = [
    None, "", "Bearer", "Bearer ", "Bearer abc", "bearer abc", "BEARER a b", "Bearer  x", "Token abc",
    "Basic " + b64("alice:secret"), "basic " + b64("alice:"), "Basic " + b64("alice"), "Basic !!!notbase64",
    "Basic " + b64("al\xe9:x"), "Basic", "Basic " + b64(":"), "Digest username=x, realm=y", "digest a",
    "Digest", "Other x", "abc",
]


def scheme_pairs():
    pairs = []
    for auto_error in (True, False):
        kw = {"auto_error": auto_error}
        pairs += [
            ("HTTPBasic", fsec.HTTPBasic(**kw), tsec.HTTPBasic(**kw)),
            ("HTTPBasic realm", fsec.HTTPBasic(realm="simple", **kw), tsec.HTTPBasic(realm="simple", **kw)),
            ("HTTPBearer", fsec.HTTPBearer(**kw), tsec.HTTPBearer(**kw)),
            ("HTTPDigest", fsec.HTTPDigest(**kw), tsec.HTTPDigest(**kw)),
            ("HTTPBase", fsec.http.HTTPBase(scheme="other", **kw), tsec.HTTPBase(scheme="other", **kw)),
            ("OAuth2PasswordBearer", fsec.OAuth2PasswordBearer("token", **kw), tsec.OAuth2PasswordBearer("token", **kw)),
            ("OAuth2AuthorizationCodeBearer", fsec.OAuth2AuthorizationCodeBearer("auth", "token", **kw),
             tsec.OAuth2AuthorizationCodeBearer("auth", "token", **kw)),
            ("OAuth2", fsec.OAuth2(**kw), tsec.OAuth2(**kw)),
            ("OpenIdConnect", fsec.OpenIdConnect(openIdConnectUrl="/oidc", **kw),
             tsec.OpenIdConnect(openIdConnectUrl="/oidc", **kw)),
        ]
    return pairs


@pytest.mark.parametrize("label,fastapi_scheme,turbo_scheme", scheme_pairs(), ids=lambda x: x if isinstance(x, str) else "")
def test_authorization_header_schemes_answer_as_fastapi(label, fastapi_scheme, turbo_scheme):
    for header in AUTH_HEADERS:
        headers = {} if header is None else {"Authorization": header}
        expected = run(fastapi_scheme, FakeRequest(headers))
        got = run(turbo_scheme, FakeRequest(headers))
        assert got == expected, (label, header)


@pytest.mark.parametrize("auto_error", [True, False])
@pytest.mark.parametrize("kind", ["Query", "Header", "Cookie"])
def test_api_keys_answer_as_fastapi(kind, auto_error):
    f = getattr(fsec, "APIKey" + kind)(name="key", auto_error=auto_error)
    t = getattr(tsec, "APIKey" + kind)(name="key", auto_error=auto_error)
    for value in (None, "", "secret"):
        where = {} if value is None else {"key": value}
        request = {"Query": lambda: FakeRequest(query=where), "Header": lambda: FakeRequest(headers=where),
                   "Cookie": lambda: FakeRequest(cookies=where)}[kind]()
        assert run(t, request) == run(f, request)


def test_basic_credentials_and_errors_spelled_out():
    ok = asyncio.run(tsec.HTTPBasic()(FakeRequest({"Authorization": "Basic " + b64("john:pa:ss")})))
    assert (ok.username, ok.password) == ("john", "pa:ss")
    assert ok == tsec.HTTPBasicCredentials(username="john", password="pa:ss")
    with pytest.raises(TurboHTTPException) as e:
        asyncio.run(tsec.HTTPBasic(realm="r")(FakeRequest({"Authorization": "Basic %%%"})))
    assert (e.value.status_code, e.value.detail, e.value.headers) == (
        401, "Invalid authentication credentials", {"WWW-Authenticate": 'Basic realm="r"'})
    # invalid credentials are an error even with auto_error=False (FastAPI 0.92)
    with pytest.raises(TurboHTTPException):
        asyncio.run(tsec.HTTPBasic(auto_error=False)(FakeRequest({"Authorization": "Basic " + b64("nocolon")})))
    assert asyncio.run(tsec.HTTPBasic(auto_error=False)(FakeRequest())) is None


def test_bearer_token_value():
    assert asyncio.run(tsec.OAuth2PasswordBearer("token")(FakeRequest({"Authorization": "Bearer t0k"}))) == "t0k"
    creds = asyncio.run(tsec.HTTPBearer()(FakeRequest({"Authorization": "Bearer t0k"})))
    assert (creds.scheme, creds.credentials) == ("Bearer", "t0k")
    with pytest.raises(TurboHTTPException) as e:
        asyncio.run(tsec.OAuth2PasswordBearer("token")(FakeRequest()))
    assert (e.value.status_code, e.value.detail, e.value.headers) == (
        401, "Not authenticated", {"WWW-Authenticate": "Bearer"})


def fastapi_model(scheme):
    return jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)


MODEL_CASES = [
    ("OAuth2PasswordBearer", dict(tokenUrl="token")),
    ("OAuth2PasswordBearer", dict(tokenUrl="/auth/token", scopes={"me": "Read me", "items": "Items"},
                                  scheme_name="pw", description="Password flow")),
    ("OAuth2AuthorizationCodeBearer", dict(authorizationUrl="https://a/auth", tokenUrl="https://a/token")),
    ("OAuth2AuthorizationCodeBearer", dict(authorizationUrl="a", tokenUrl="t", refreshUrl="r", scopes={"x": "X"})),
    ("OAuth2", dict(flows={"implicit": {"authorizationUrl": "/a"}, "password": {"tokenUrl": "/t", "x-extra": 1}})),
    ("OAuth2", dict()),
    ("HTTPBasic", dict()),
    ("HTTPBasic", dict(realm="r", description="Basic auth", scheme_name="basic")),
    ("HTTPBearer", dict()),
    ("HTTPBearer", dict(bearerFormat="JWT", description="d")),
    ("HTTPDigest", dict()),
    ("APIKeyHeader", dict(name="X-Key")),
    ("APIKeyQuery", dict(name="api_key", description="the key", scheme_name="k")),
    ("APIKeyCookie", dict(name="session")),
    ("OpenIdConnect", dict(openIdConnectUrl="https://example.com/.well-known/openid-configuration")),
]


@pytest.mark.parametrize("cls,kwargs", MODEL_CASES)
def test_openapi_model_and_scheme_name_as_fastapi(cls, kwargs):
    f = getattr(fsec, cls)(**kwargs)
    t = getattr(tsec, cls)(**kwargs)
    assert list(t.model.items()) == list(fastapi_model(f).items())  # same keys, same order
    assert t.scheme_name == f.scheme_name
    assert t.auto_error == f.auto_error


def test_model_reads_as_attributes():
    assert tsec.APIKeyHeader(name="X-Key").model.name == "X-Key"
    assert tsec.APIKeyHeader(name="X-Key").model.in_ == "header"
    assert tsec.OAuth2PasswordBearer("tok").model.flows.password.tokenUrl == "tok"


def test_security_scopes():
    assert tsec.SecurityScopes().scopes == [] and tsec.SecurityScopes().scope_str == ""
    s = tsec.SecurityScopes(["a", "b"])
    assert s.scopes == ["a", "b"] and s.scope_str == "a b"


def test_password_request_form_class():
    form = tsec.OAuth2PasswordRequestForm(grant_type=None, username="u", password="p", scope="a b",
                                          client_id=None, client_secret=None)
    assert (form.username, form.password, form.scopes, form.grant_type) == ("u", "p", ["a", "b"], None)
    strict = tsec.OAuth2PasswordRequestFormStrict(grant_type="password", username="u", password="p", scope="",
                                                  client_id="c", client_secret="s")
    assert (strict.scopes, strict.client_id, strict.client_secret) == ([], "c", "s")
    import inspect
    params = inspect.signature(tsec.OAuth2PasswordRequestForm).parameters
    assert list(params) == ["grant_type", "username", "password", "scope", "client_id", "client_secret"]
    def required(marker):  # Form() without a default: ... or the package's Undefined, as in FastAPI
        return marker.default is ... or type(marker.default).__name__.strip("_").lower() == "undefinedtype"

    assert params["scope"].default.default == ""
    assert required(params["username"].default) and required(params["password"].default)
    assert params["grant_type"].default.default is None
    assert getattr(params["grant_type"].default, "regex", None) or getattr(params["grant_type"].default, "pattern")
    assert required(inspect.signature(tsec.OAuth2PasswordRequestFormStrict).parameters["grant_type"].default)


def test_get_authorization_scheme_param():
    from turboapi.security.utils import get_authorization_scheme_param as g
    assert g(None) == ("", "") and g("") == ("", "")
    assert g("Bearer abc def") == ("Bearer", "abc def")
    assert g("Bearer") == ("Bearer", "")


def test_custom_oauth2_subclass_recipe():
    """FastAPI's "OAuth2 with a cookie" recipe: OAuthFlows model from openapi.models, OAuth2 subclass."""
    from fastapi.openapi.models import OAuthFlows as FastAPIFlows

    from turboapi.openapi.models import OAuthFlows as TurboFlows

    class FastAPICookieBearer(fsec.OAuth2):
        def __init__(self, tokenUrl, scheme_name=None, scopes=None, auto_error=True):  # noqa: N803
            flows = FastAPIFlows(password={"tokenUrl": tokenUrl, "scopes": scopes or {}})
            super().__init__(flows=flows, scheme_name=scheme_name, auto_error=auto_error)

    class TurboCookieBearer(tsec.OAuth2):
        def __init__(self, tokenUrl, scheme_name=None, scopes=None, auto_error=True):  # noqa: N803
            flows = TurboFlows(password={"tokenUrl": tokenUrl, "scopes": scopes or {}})
            super().__init__(flows=flows, scheme_name=scheme_name, auto_error=auto_error)

        async def __call__(self, request):
            return request.cookies.get("access_token")

    f, t = FastAPICookieBearer("token"), TurboCookieBearer("token")
    assert list(t.model.items()) == list(fastapi_model(f).items())
    assert (t.scheme_name, f.scheme_name) == ("TurboCookieBearer", "FastAPICookieBearer")  # the class names
    assert asyncio.run(t(FakeRequest(cookies={"access_token": "x"}))) == "x"
    # a FastAPI/pydantic OAuthFlows object is accepted as well
    assert tsec.OAuth2(flows=FastAPIFlows(password={"tokenUrl": "t"})).model == fastapi_model(
        fsec.OAuth2(flows=FastAPIFlows(password={"tokenUrl": "t"})))
