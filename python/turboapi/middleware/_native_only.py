"""The base of the middlewares that exist only in the worker's native pipeline."""

import typing


class NativeOnlyMiddleware:
    """Configured with ``app.add_middleware(cls, **options)``; the worker (and the TestClient) run it in
    C++ before any Python code. It has no Python implementation: called as a Python layer, it raises."""

    def __init__(self, app: typing.Any, **options: typing.Any) -> None:
        from .native import native_spec  # noqa: PLC0415

        native_spec(type(self), options)  # the same checks as add_middleware
        self.app = app
        self.options = options

    async def __call__(self, request: typing.Any) -> typing.Any:
        raise RuntimeError(f"{type(self).__name__} runs only in the worker's native pipeline "
                           "(add it with app.add_middleware)")
