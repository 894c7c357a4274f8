"""What the application object needs for its OpenAPI document and docs pages, as FastAPI 0.92's
``FastAPI.openapi()`` and ``FastAPI.setup()`` do it.

``applications.TurboAPI`` calls these (see ``openapi_document`` and ``docs_routes``):

    from .openapi.routes import docs_routes, openapi_document

    class TurboAPI(APIRouter):
        def __init__(self, ..., openapi_url="/openapi.json", docs_url="/docs", redoc_url="/redoc",
                     swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect", ...):
            ...
            self.openapi_schema = None
            for path, endpoint in docs_routes(self):
                self.add_api_route(path, endpoint, methods=["GET", "HEAD"], include_in_schema=False)

        def openapi(self):
            return openapi_document(self)
"""

from typing import Any, Callable, Dict, List, Tuple

from ..responses import HTMLResponse, JSONResponse
from .docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from .utils import get_openapi


def openapi_document(app: Any) -> Dict[str, Any]:
    """``FastAPI.openapi()``: the document of ``app.routes``, built on first use and kept in
    ``app.openapi_schema`` (assign None there to rebuild it). Reads the app's ``title``,
    ``version``, ``description`` and, when present, ``openapi_version``, ``openapi_tags``,
    ``servers``, ``terms_of_service``, ``contact``, ``license_info``."""
    if not getattr(app, "openapi_schema", None):
        app.openapi_schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=getattr(app, "openapi_version", "3.0.2"),
            description=getattr(app, "description", None),
            terms_of_service=getattr(app, "terms_of_service", None),
            contact=getattr(app, "contact", None),
            license_info=getattr(app, "license_info", None),
            routes=app.routes,
            tags=getattr(app, "openapi_tags", None),
            servers=getattr(app, "servers", None),
        )
    return app.openapi_schema


def docs_routes(app: Any) -> List[Tuple[str, Callable[[], Any]]]:
    """``(path, endpoint)`` of the routes ``FastAPI.setup()`` adds, in its order, given the app's
    ``openapi_url`` (default "/openapi.json"), ``docs_url`` ("/docs"), ``redoc_url`` ("/redoc"),
    ``swagger_ui_oauth2_redirect_url`` ("/docs/oauth2-redirect"), ``swagger_ui_init_oauth`` and
    ``swagger_ui_parameters``; any URL set to None turns its page off (and no ``openapi_url``
    turns off all of them). Each endpoint takes no parameters and returns the response; the app
    adds them for GET and HEAD, hidden from the document (``include_in_schema=False``).

    ``/openapi.json`` answers ``JSONResponse(app.openapi())``, so an app whose ``openapi`` was
    replaced (FastAPI's "extending OpenAPI" recipe) serves the replacement.
    """
    openapi_url = getattr(app, "openapi_url", "/openapi.json")
    docs_url = getattr(app, "docs_url", "/docs")
    redoc_url = getattr(app, "redoc_url", "/redoc")
    redirect_url = getattr(app, "swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect")
    routes: List[Tuple[str, Callable[[], Any]]] = []
    if not openapi_url:
        return routes
    assert app.title, "A title must be provided for OpenAPI, e.g.: 'My API'"
    assert app.version, "A version must be provided for OpenAPI, e.g.: '2.1.0'"

    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    routes.append((openapi_url, openapi))
    if docs_url:
        def swagger_ui_html() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url=openapi_url,
                title=app.title + " - Swagger UI",
                oauth2_redirect_url=getattr(app, "swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect"),
                init_oauth=getattr(app, "swagger_ui_init_oauth", None),
                swagger_ui_parameters=getattr(app, "swagger_ui_parameters", None),
            )

        routes.append((docs_url, swagger_ui_html))
        if redirect_url:
            def swagger_ui_redirect() -> HTMLResponse:
                return get_swagger_ui_oauth2_redirect_html()

            routes.append((redirect_url, swagger_ui_redirect))
    if redoc_url:
        def redoc_html() -> HTMLResponse:
            return get_redoc_html(openapi_url=openapi_url, title=app.title + " - ReDoc")

        routes.append((redoc_url, redoc_html))
    return routes
