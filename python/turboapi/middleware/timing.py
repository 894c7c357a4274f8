"""``TimingMiddleware``: ``Server-Timing: <metric_name>;dur=<ms>`` on every response, run natively.

``app.add_middleware(TimingMiddleware, metric_name="app")``

The duration is the time from the request entering the pipeline to the response head leaving it (for a
streamed body: until its head), in milliseconds with three decimals (``app;dur=0.412``), measured in the
worker with the monotonic clock. ``metric_name``: an HTTP token of 1 to 64 characters.
"""

import typing

from ._native_only import NativeOnlyMiddleware


class TimingMiddleware(NativeOnlyMiddleware):
    def __init__(self, app: typing.Any, metric_name: str = "app") -> None:
        super().__init__(app, metric_name=metric_name)


__all__ = ["TimingMiddleware"]
