"""``RateLimitMiddleware``: a token bucket per client address, shared by every worker of the server.

``app.add_middleware(RateLimitMiddleware, rate_per_second=10.0, burst=20, trusted_proxies=())``

- Each client address has a bucket of ``burst`` tokens that refills at ``rate_per_second`` tokens per
  second; a request takes one token. With none left the answer is ``429 Too Many Requests`` (plain text)
  with ``Retry-After`` (whole seconds until a token is back), given by the worker without calling Python.
- The buckets live in the server's shared memory: ``turbo serve --workers N`` enforces one budget per
  client for the whole server, not N. The TestClient keeps its own buckets in its process.
- The client is the connection's peer address. When the peer is in ``trusted_proxies`` (IPv4/IPv6
  addresses or networks such as ``"10.0.0.0/8"``, ``"fd00::/8"``), the client is the rightmost
  ``X-Forwarded-For`` address that is not itself a trusted proxy. An untrusted peer's
  ``X-Forwarded-For`` is ignored, so clients cannot pick their own bucket.

``rate_per_second``: above 0, at most 1,000,000. ``burst``: 1 to 1,000,000.
"""

import typing

from ._native_only import NativeOnlyMiddleware


class RateLimitMiddleware(NativeOnlyMiddleware):
    def __init__(self, app: typing.Any, rate_per_second: float = 10.0, burst: int = 20,
                 trusted_proxies: typing.Sequence[str] = ()) -> None:
        super().__init__(app, rate_per_second=rate_per_second, burst=burst, trusted_proxies=trusted_proxies)


__all__ = ["RateLimitMiddleware"]
