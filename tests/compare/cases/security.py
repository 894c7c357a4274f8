"""Security schemes: OAuth2 password bearer + token form, HTTP Basic, HTTP Bearer, API keys in header,
query and cookie; missing/invalid credentials give FastAPI's 401/403 with the same WWW-Authenticate."""

import base64

from harness import Case, openapi_case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


def basic(user_pass: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(user_pass.encode()).decode()}


CASES = [
    # token form
    G("token-ok", "/token", "POST", form={"username": "alice", "password": "wonderland"}),
    G("token-scopes-client", "/token", "POST", form={"username": "bob", "password": "builder", "scope": "read  write",
                                                     "client_id": "cid", "grant_type": "password"}),
    G("token-wrong-password", "/token", "POST", form={"username": "alice", "password": "x"}),
    G("token-missing-password", "/token", "POST", form={"username": "alice"}),
    G("token-missing-all", "/token", "POST", form={}),
    G("token-bad-grant-type", "/token", "POST", form={"username": "a", "password": "b", "grant_type": "client"}),
    G("token-json-instead", "/token", "POST", json={"username": "alice", "password": "wonderland"}),
    G("token-multipart", "/token", "POST", multipart=[("username", "alice"), ("password", "wonderland")]),
    # OAuth2 bearer
    G("oauth-ok", "/oauth/token", headers={"Authorization": "Bearer abc"}),
    G("oauth-lowercase-scheme", "/oauth/token", headers={"Authorization": "bearer abc"}),
    G("oauth-missing", "/oauth/token"),
    G("oauth-wrong-scheme", "/oauth/token", headers={"Authorization": "Basic abc"}),
    G("oauth-no-token", "/oauth/token", headers={"Authorization": "Bearer"}),
    G("oauth-empty-header", "/oauth/token", headers={"Authorization": ""}),
    G("oauth-me-ok", "/oauth/me", headers={"Authorization": "Bearer token-alice"}),
    G("oauth-me-invalid", "/oauth/me", headers={"Authorization": "Bearer nope"}),
    G("oauth-me-missing", "/oauth/me"),
    G("oauth-optional-missing", "/oauth/optional"),
    G("oauth-optional-present", "/oauth/optional", headers={"Authorization": "Bearer t"}),
    G("oauth-optional-wrong-scheme", "/oauth/optional", headers={"Authorization": "Token t"}),
    G("oauth-scoped-ok", "/oauth/scoped", headers={"Authorization": "Bearer t"}),
    G("oauth-scoped-missing", "/oauth/scoped"),
    # basic
    G("basic-ok", "/basic", headers=basic("alice:wonderland")),
    G("basic-colon-in-password", "/basic", headers=basic("u:p:w")),
    G("basic-empty-password", "/basic", headers=basic("u:")),
    G("basic-missing", "/basic"),
    G("basic-no-colon", "/basic", headers=basic("justuser")),
    G("basic-bad-base64", "/basic", headers={"Authorization": "Basic !!!notbase64"}),
    G("basic-wrong-scheme", "/basic", headers={"Authorization": "Bearer x"}),
    G("basic-lowercase-scheme", "/basic", headers={"Authorization": "basic " + base64.b64encode(b"a:b").decode()}),
    G("basic-realm-missing", "/basic/realm"),
    G("basic-realm-bad", "/basic/realm", headers={"Authorization": "Basic %%%"}),
    G("basic-optional-missing", "/basic/optional"),
    G("basic-optional-bad", "/basic/optional", headers={"Authorization": "Basic %%%"}),
    G("basic-checked-ok", "/basic/checked", headers=basic("bob:builder")),
    G("basic-checked-wrong", "/basic/checked", headers=basic("bob:x")),
    # bearer
    G("bearer-ok", "/bearer", headers={"Authorization": "Bearer tok"}),
    G("bearer-missing", "/bearer"),
    G("bearer-wrong-scheme", "/bearer", headers={"Authorization": "Basic tok"}),
    G("bearer-no-credentials", "/bearer", headers={"Authorization": "Bearer"}),
    G("bearer-optional-missing", "/bearer/optional"),
    G("bearer-optional-wrong", "/bearer/optional", headers={"Authorization": "Digest x"}),
    # api keys
    G("key-header-ok", "/key/header", headers={"X-API-Key": "k1"}),
    G("key-header-lowercase", "/key/header", headers={"x-api-key": "k1"}),
    G("key-header-missing", "/key/header"),
    G("key-header-empty", "/key/header", headers={"X-API-Key": ""}),
    G("key-header-optional-missing", "/key/header-optional"),
    G("key-query-ok", "/key/query?api_key=k2"),
    G("key-query-missing", "/key/query"),
    G("key-query-empty", "/key/query?api_key="),
    G("key-cookie-ok", "/key/cookie", headers={"Cookie": "session=k3"}),
    G("key-cookie-missing", "/key/cookie"),
    G("key-all-ok", "/key/all?api_key=q", headers={"X-API-Key": "h", "Cookie": "session=c"}),
    G("key-all-missing", "/key/all"),
]

CASES.append(openapi_case())
