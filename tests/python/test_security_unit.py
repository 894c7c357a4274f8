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


# --- through the app: TurboAPI's dependency resolver and the worker's dispatcher vs FastAPI ----------

def _security_app(framework):
    import importlib as _il
    if framework == "fastapi":
        fw, sec, app = _il.import_module("fastapi"), fsec, None
        app = fw.FastAPI(title="sec", version="1")
    else:
        fw, sec = _il.import_module("turboapi"), tsec
        app = fw.TurboAPI(title="sec", version="1")
    Depends, Security, HTTPException = fw.Depends, fw.Security, fw.HTTPException
    oauth2 = sec.OAuth2PasswordBearer(tokenUrl="token", scopes={"read": "Read"})
    oauth2_opt = sec.OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
    basic, basic_realm = sec.HTTPBasic(), sec.HTTPBasic(realm="r e a l m", auto_error=False)
    bearer, digest = sec.HTTPBearer(), sec.HTTPDigest(auto_error=False)
    key_h, key_q, key_c = sec.APIKeyHeader(name="X-Key"), sec.APIKeyQuery(name="k", auto_error=False), \
        sec.APIKeyCookie(name="session")
    oidc = sec.OpenIdConnect(openIdConnectUrl="/oidc")

    def scoped_user(security_scopes: sec.SecurityScopes, token: str = Depends(oauth2)):
        if token == "bad":
            raise HTTPException(status_code=401, detail="bad token", headers={"WWW-Authenticate": "Bearer"})
        return {"token": token, "scopes": security_scopes.scopes}

    @app.get("/oauth")
    def oauth_route(user=Security(scoped_user, scopes=["read"]), opt=Depends(oauth2_opt)):
        return {"user": user, "opt": opt}

    @app.get("/basic")
    def basic_route(c=Depends(basic), r=Depends(basic_realm)):
        return {"c": [c.username, c.password], "r": None if r is None else r.username}

    @app.get("/bearer")
    def bearer_route(c=Depends(bearer), d=Depends(digest)):
        return {"c": [c.scheme, c.credentials], "d": None if d is None else d.credentials}

    @app.get("/keys")
    def keys_route(h: str = Depends(key_h), q=Depends(key_q), c: str = Depends(key_c)):
        return [h, q, c]

    @app.get("/oidc", dependencies=[Depends(oidc)])
    def oidc_route():
        return {}

    @app.post("/token")
    def token_route(form: sec.OAuth2PasswordRequestForm = Depends()):
        return {"u": form.username, "p": form.password, "s": form.scopes, "g": form.grant_type,
                "ci": form.client_id, "cs": form.client_secret}

    @app.post("/token-strict")
    def token_strict_route(form: sec.OAuth2PasswordRequestFormStrict = Depends()):
        return {"u": form.username, "g": form.grant_type}

    return app


def _asgi(app, method, path, query, headers, body):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers], "client": ("testclient", 50000),
             "server": ("testserver", 80)}
    sent, state = [], {"read": False}

    async def receive():
        if state["read"]:
            await asyncio.sleep(3600)
        state["read"] = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    h = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], h.get("www-authenticate"), b"".join(m.get("body", b"") for m in sent
                                                               if m["type"] == "http.response.body")


FORM = [("Content-Type", "application/x-www-form-urlencoded")]
APP_CASES = [
    ("GET", "/oauth", "", [], b""), ("GET", "/oauth", "", [("Authorization", "Bearer t1")], b""),
    ("GET", "/oauth", "", [("Authorization", "Bearer bad")], b""), ("GET", "/oauth", "", [("Authorization", "Basic x")], b""),
    ("GET", "/basic", "", [], b""), ("GET", "/basic", "", [("Authorization", "Basic " + b64("al:pw"))], b""),
    ("GET", "/basic", "", [("Authorization", "Basic %%%")], b""), ("GET", "/basic", "", [("Authorization", "Basic " + b64("nocolon"))], b""),
    ("GET", "/bearer", "", [], b""), ("GET", "/bearer", "", [("Authorization", "Bearer tok")], b""),
    ("GET", "/bearer", "", [("Authorization", "Digest x")], b""), ("GET", "/bearer", "", [("Authorization", "Token x")], b""),
    ("GET", "/keys", "", [], b""), ("GET", "/keys", "k=q1", [("X-Key", "h1"), ("Cookie", "session=c1")], b""),
    ("GET", "/keys", "", [("X-Key", "h1"), ("Cookie", "other=1")], b""),
    ("GET", "/oidc", "", [], b""), ("GET", "/oidc", "", [("Authorization", "anything")], b""),
    ("POST", "/token", "", FORM, b"username=a&password=b&scope=x%20y&client_id=c"),
    ("POST", "/token", "", FORM, b"grant_type=password&username=a&password=b"),
    ("POST", "/token", "", FORM, b"grant_type=other&username=a&password=b"),
    ("POST", "/token", "", FORM, b"username=a"), ("POST", "/token", "", [], b""),
    ("POST", "/token-strict", "", FORM, b"username=a&password=b"),
    ("POST", "/token-strict", "", FORM, b"grant_type=password&username=a&password=b"),
]


def test_schemes_in_a_turboapi_app_answer_as_in_fastapi():
    """The same app on both frameworks (security imported from each), requests through FastAPI (ASGI)
    and through turboapi._native.App (the worker's own dispatcher): same status, WWW-Authenticate, body."""
    try:
        from turboapi import _native
        turbo_app = _security_app("turbo")
        dispatcher = _native.App(turbo_app)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"turboapi cannot serve this app in-process yet: {type(e).__name__}: {e}")
    fastapi_app = _security_app("fastapi")
    for method, path, query, headers, body in APP_CASES:
        expected = _asgi(fastapi_app, method, path, query, headers, body)
        status, resp_headers, resp_body = dispatcher.handle(method, path, query, [(k.lower(), v) for k, v in headers],
                                                            body)[:3]
        got = (status, dict(resp_headers).get("www-authenticate"), resp_body)
        assert got == expected, (method, path, query, headers, body)
