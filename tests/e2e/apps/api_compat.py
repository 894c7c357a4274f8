"""One import line for the comparison apps (tests/e2e/apps/api_*.py), whichever framework runs them.

    from api_compat import FastAPI, Query, JSONResponse, OAuth2PasswordBearer, ...

With COMPARE_FRAMEWORK=fastapi every name comes from FastAPI (fastapi, fastapi.responses,
fastapi.security, ...); otherwise from the matching TurboAPI module (turboapi, turboapi.responses,
turboapi.security, ...), which is exactly the import change a FastAPI user makes when moving an app.

A name TurboAPI does not have yet raises ImportError naming it and where it is expected, so a
server that cannot start says why. `missing()` lists every such name (tests/compare/run.py prints it).
"""

import importlib
import os

FRAMEWORK = "fastapi" if os.environ.get("COMPARE_FRAMEWORK") == "fastapi" else "turbo"

# name -> (fastapi module, turboapi module, attribute in both); "FastAPI" is TurboAPI on the turbo side.
_NAMES = {}


def _add(fastapi_mod, turbo_mod, *names):
    for n in names:
        _NAMES[n] = (fastapi_mod, turbo_mod, n)


_add("fastapi", "turboapi", "APIRouter", "BackgroundTasks", "Body", "Cookie", "Depends", "File", "Form",
     "Header", "HTTPException", "Path", "Query", "Request", "Security", "UploadFile")
_NAMES["FastAPI"] = ("fastapi", "turboapi", "FastAPI")
_add("fastapi.responses", "turboapi.responses", "Response", "JSONResponse", "HTMLResponse", "PlainTextResponse",
     "RedirectResponse", "StreamingResponse", "FileResponse")
_add("fastapi.security", "turboapi.security", "OAuth2PasswordBearer", "OAuth2PasswordRequestForm", "HTTPBasic",
     "HTTPBasicCredentials", "HTTPBearer", "HTTPAuthorizationCredentials", "APIKeyHeader", "APIKeyQuery",
     "APIKeyCookie", "SecurityScopes")
_add("fastapi.exceptions", "turboapi.exceptions", "RequestValidationError")
_add("fastapi.encoders", "turboapi.encoders", "jsonable_encoder")
_NAMES["status"] = ("fastapi", "turboapi", "status")
_add("fastapi.middleware.cors", "turboapi.middleware.cors", "CORSMiddleware")
_add("fastapi.middleware.gzip", "turboapi.middleware.gzip", "GZipMiddleware")
_add("fastapi.middleware.trustedhost", "turboapi.middleware.trustedhost", "TrustedHostMiddleware")
_add("fastapi.middleware.httpsredirect", "turboapi.middleware.httpsredirect", "HTTPSRedirectMiddleware")
# Request models: pydantic on the FastAPI side, TurboAPI's own C++-validated Model on the other
# (only tests/e2e/apps/api_models.py uses it; the other apps use pydantic on both sides).
_NAMES["Model"] = ("pydantic", "turboapi", "Model")


def _resolve(name):
    fastapi_mod, turbo_mod, attr = _NAMES[name]
    if FRAMEWORK == "fastapi":
        return getattr(importlib.import_module(fastapi_mod), "BaseModel" if name == "Model" else attr)
    if name == "FastAPI":
        return importlib.import_module("turboapi").TurboAPI
    try:
        module = importlib.import_module(turbo_mod)
    except ImportError as e:
        raise ImportError(f"TurboAPI lacks module {turbo_mod} (needed for {name}; FastAPI: {fastapi_mod}): {e}") from e
    try:
        return getattr(module, attr)
    except AttributeError:
        theirs = "pydantic.BaseModel" if name == "Model" else f"{fastapi_mod}.{attr}"
        raise ImportError(f"TurboAPI lacks {turbo_mod}.{attr} (FastAPI: {theirs})") from None


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError(f"api_compat has no {name!r}")
    value = _resolve(name)
    globals()[name] = value
    return value


def missing(names=None):
    """The names (of `names`, default all) the current framework cannot provide, with the reason."""
    out = {}
    for n in names or sorted(_NAMES):
        if n not in _NAMES:
            continue
        try:
            _resolve(n)
        except ImportError as e:
            out[n] = str(e)
    return out
