"""Comparison app: fastapi.security schemes (401/403 answers, WWW-Authenticate) and the token form."""

from typing import Optional

from api_compat import (APIKeyCookie, APIKeyHeader, APIKeyQuery, Depends, FastAPI, HTTPAuthorizationCredentials,
                        HTTPBasic, HTTPBasicCredentials, HTTPBearer, HTTPException, OAuth2PasswordBearer,
                        OAuth2PasswordRequestForm, Security, status)

app = FastAPI(title="security", version="1.0.0")

oauth2 = OAuth2PasswordBearer(tokenUrl="token")
oauth2_optional = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
oauth2_scopes = OAuth2PasswordBearer(tokenUrl="token", scopes={"read": "Read things", "write": "Write things"})
basic = HTTPBasic()
basic_realm = HTTPBasic(realm="compare realm")
basic_optional = HTTPBasic(auto_error=False)
bearer = HTTPBearer()
bearer_optional = HTTPBearer(auto_error=False)
key_header = APIKeyHeader(name="X-API-Key")
key_header_optional = APIKeyHeader(name="X-API-Key", auto_error=False)
key_query = APIKeyQuery(name="api_key")
key_cookie = APIKeyCookie(name="session")

USERS = {"alice": "wonderland", "bob": "builder"}


@app.post("/token")
def token(form: OAuth2PasswordRequestForm = Depends()):
    if USERS.get(form.username) != form.password:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return {"access_token": f"token-{form.username}", "token_type": "bearer", "scopes": form.scopes,
            "client_id": form.client_id, "grant_type": form.grant_type}


def current_user(token: str = Depends(oauth2)):
    if not token.startswith("token-"):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token",
                            headers={"WWW-Authenticate": "Bearer"})
    return {"username": token[len("token-"):]}


@app.get("/oauth/token")
def oauth_token(token: str = Depends(oauth2)):
    return {"token": token}


@app.get("/oauth/me")
def oauth_me(user: dict = Depends(current_user)):
    return user


@app.get("/oauth/optional")
def oauth_optional(token: Optional[str] = Depends(oauth2_optional)):
    return {"token": token}


@app.get("/oauth/scoped")
def oauth_scoped(token: str = Security(oauth2_scopes, scopes=["read"])):
    return {"token": token}


@app.get("/basic")
def basic_route(credentials: HTTPBasicCredentials = Depends(basic)):
    return {"username": credentials.username, "password": credentials.password}


@app.get("/basic/realm")
def basic_realm_route(credentials: HTTPBasicCredentials = Depends(basic_realm)):
    return {"username": credentials.username}


@app.get("/basic/optional")
def basic_optional_route(credentials: Optional[HTTPBasicCredentials] = Depends(basic_optional)):
    return {"credentials": None if credentials is None else credentials.username}


@app.get("/basic/checked")
def basic_checked(credentials: HTTPBasicCredentials = Depends(basic)):
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Incorrect username or password",
                            headers={"WWW-Authenticate": "Basic"})
    return {"user": credentials.username}


@app.get("/bearer")
def bearer_route(credentials: HTTPAuthorizationCredentials = Depends(bearer)):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/bearer/optional")
def bearer_optional_route(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer_optional)):
    return {"credentials": None if credentials is None else credentials.credentials}


@app.get("/key/header")
def key_header_route(key: str = Depends(key_header)):
    return {"key": key}


@app.get("/key/header-optional")
def key_header_optional_route(key: Optional[str] = Depends(key_header_optional)):
    return {"key": key}


@app.get("/key/query")
def key_query_route(key: str = Depends(key_query)):
    return {"key": key}


@app.get("/key/cookie")
def key_cookie_route(key: str = Depends(key_cookie)):
    return {"key": key}


@app.get("/key/all")
def key_all(h: str = Depends(key_header), q: str = Depends(key_query), c: str = Depends(key_cookie)):
    return {"h": h, "q": q, "c": c}
