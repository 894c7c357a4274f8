"""TurboAPI: FastAPI-style Python apps served by a C++ prefork HTTP server.

    from turboapi import TurboAPI

    app = TurboAPI()

    @app.get("/items/{item_id}")
    def get_item(item_id: int, q: str | None = None):
        return {"item_id": item_id, "q": q}

Serve it with ``turbo serve app.py:app --workers 4``. The names FastAPI exports are here under the
same names (``TurboAPI`` for ``FastAPI``).
"""

from . import status
from .applications import TurboAPI
from .background import BackgroundTasks
from .exceptions import HTTPException, RequestValidationError
from .param_functions import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from .requests import Request
from .responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from .routing import APIRoute, APIRouter

try:
    from .models import Field, Model
except Exception:  # noqa: BLE001 - the models work has not landed (or been built) yet
    pass

try:
    from .datastructures import UploadFile
except ImportError:  # the forms work has not landed yet
    pass

__version__ = "0.1.0"

__all__ = [
    "APIRoute",
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "StreamingResponse",
    "TurboAPI",
    "status",
]
__all__ += [n for n in ("UploadFile", "Model", "Field") if n in globals()]
