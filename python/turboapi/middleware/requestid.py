"""``RequestIdMiddleware``: a correlation id on every response, run natively by the worker.

``app.add_middleware(RequestIdMiddleware, header_name="X-Request-ID", max_length=64)``

- An incoming ``header_name`` value of 1 to ``max_length`` printable ASCII characters without spaces is
  kept and sent back; anything else (absent, too long, spaces or control characters) is replaced.
- A new id is 32 lowercase hex characters (128 random bits from the kernel).
- The id is set on every response the pipeline sends, early answers of inner middlewares included.

``header_name``: a header name (HTTP token), sent lower-case. ``max_length``: 32 to 128.
"""

import typing

from ._native_only import NativeOnlyMiddleware


class RequestIdMiddleware(NativeOnlyMiddleware):
    def __init__(self, app: typing.Any, header_name: str = "X-Request-ID", max_length: int = 64) -> None:
        super().__init__(app, header_name=header_name, max_length=max_length)


__all__ = ["RequestIdMiddleware"]
