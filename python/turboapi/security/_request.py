"""The ``Request`` class the security dependencies annotate their parameter with, so that the
dependency resolver passes them the current request (as FastAPI's do with Starlette's)."""

try:
    from ..requests import Request
except ImportError:  # turboapi.requests not written yet: keep the module importable
    class Request:  # type: ignore[no-redef]
        """Stand-in until ``turboapi.requests.Request`` exists."""
