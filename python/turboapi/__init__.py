"""TurboAPI: FastAPI-style Python apps served by a C++ prefork HTTP server.

    from turboapi import TurboAPI

    app = TurboAPI()

    @app.get("/items/{item_id}")
    def get_item(item_id: int, q: str | None = None):
        return {"item_id": item_id, "q": q}

Serve it with ``turbo serve app.py:app --workers 4``.
"""

from . import status
from .applications import TurboAPI
from .exceptions import HTTPException, RequestValidationError
from .params import Body, Header, Path, Query
from .responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from .routing import APIRouter

__version__ = "0.1.0"

__all__ = [
    "APIRouter",
    "Body",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "RequestValidationError",
    "Response",
    "TurboAPI",
    "status",
]
