"""The application object: ``app = TurboAPI()``."""

from typing import Any, Callable, Dict, List, Optional

from .routing import APIRouter


class TurboAPI(APIRouter):
    """A TurboAPI application. Routes are declared as in FastAPI::

        app = TurboAPI(title="My API")

        @app.get("/items/{item_id}", status_code=200)
        def read_item(item_id: int, q: str | None = None): ...

    Keyword arguments: ``title``, ``version``, ``description`` (kept for the OpenAPI document),
    ``debug``. Serve with ``turbo serve module:app``.
    """

    def __init__(self, *, title: str = "TurboAPI", version: str = "0.1.0", description: str = "",
                 debug: bool = False) -> None:
        super().__init__()
        self.title = title
        self.version = version
        self.description = description
        self.debug = debug

    def _turbo_routes(self) -> List[Dict[str, Any]]:
        """The routes as the worker's C++ dispatcher reads them (called once per worker at boot)."""
        return [route.spec() for route in self.routes]
