"""The middleware the worker runs natively (C++, ``middleware/``), and its options, validated.

``app.add_middleware(cls, **options)`` with exactly one of these classes (or Starlette's/FastAPI's class of
the same name) configures the native pipeline instead of a Python layer::

    CORSMiddleware  GZipMiddleware  TrustedHostMiddleware  HTTPSRedirectMiddleware
    RequestIdMiddleware  TimingMiddleware  RateLimitMiddleware

The options are checked here, when the middleware is added (``TurboAPI(middleware=[...])``: at start-up),
and again in C++ when the worker builds its pipeline; a bad option raises with the class's name, never
falls back to something else. Native middlewares run outside every Python middleware, ordered by their
priority (TrustedHost, HTTPSRedirect, RateLimit, CORS, RequestId, Timing, GZip, outermost first).

A subclass of CORS/GZip/TrustedHost/HTTPSRedirect is a Python middleware (it may override ``dispatch``);
RequestId, Timing and RateLimit exist only natively and cannot be subclassed.
"""

import inspect
import ipaddress
import math
import numbers
import re
import typing

from .cors import CORSMiddleware
from .gzip import GZipMiddleware
from .httpsredirect import HTTPSRedirectMiddleware
from .ratelimit import RateLimitMiddleware
from .requestid import RequestIdMiddleware
from .timing import TimingMiddleware
from .trustedhost import ENFORCE_DOMAIN_WILDCARD, TrustedHostMiddleware

NATIVE_ONLY = (RequestIdMiddleware, TimingMiddleware, RateLimitMiddleware)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an HTTP token (RFC 9110)


def _bool(name: str, value: typing.Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def _int(name: str, value: typing.Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return int(value)


def _text(name: str, value: typing.Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {value!r}")
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"{name} must not contain CR, LF or NUL: {value!r}")
    return value


def _strings(name: str, value: typing.Any) -> typing.List[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, typing.Iterable):
        raise TypeError(f"{name} must be a list of strings, not {value!r}")
    return [_text(f"{name} item", v) for v in value]


def cors(allow_origins: typing.Sequence[str] = (), allow_methods: typing.Sequence[str] = ("GET",),
         allow_headers: typing.Sequence[str] = (), allow_credentials: bool = False,
         allow_origin_regex: typing.Optional[str] = None, expose_headers: typing.Sequence[str] = (),
         max_age: int = 600) -> typing.Dict[str, typing.Any]:
    regex = ""
    if allow_origin_regex is not None:
        regex = _text("allow_origin_regex", allow_origin_regex)
        try:
            re.compile(regex)
        except re.error as e:
            raise ValueError(f"allow_origin_regex does not compile: {e}") from None
    return {"allow_origins": _strings("allow_origins", allow_origins),
            "allow_methods": _strings("allow_methods", allow_methods),
            "allow_headers": _strings("allow_headers", allow_headers),
            "allow_credentials": _bool("allow_credentials", allow_credentials),
            "allow_origin_regex": regex,
            "expose_headers": _strings("expose_headers", expose_headers),
            "max_age": _int("max_age", max_age, 0, 2**31 - 1)}


def gzip(minimum_size: int = 500, compresslevel: int = 9) -> typing.Dict[str, typing.Any]:
    return {"minimum_size": _int("minimum_size", minimum_size, 0, 2**62),
            "compresslevel": _int("compresslevel", compresslevel, 1, 9)}


def trusted_host(allowed_hosts: typing.Optional[typing.Sequence[str]] = None,
                 www_redirect: bool = True) -> typing.Dict[str, typing.Any]:
    hosts = ["*"] if allowed_hosts is None else _strings("allowed_hosts", allowed_hosts)
    for pattern in hosts:
        if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
            raise ValueError(f"allowed_hosts: {ENFORCE_DOMAIN_WILDCARD} Got {pattern!r}")
    return {"allowed_hosts": hosts, "www_redirect": _bool("www_redirect", www_redirect)}


def https_redirect() -> typing.Dict[str, typing.Any]:
    return {}


def request_id(header_name: str = "X-Request-ID", max_length: int = 64) -> typing.Dict[str, typing.Any]:
    if not isinstance(header_name, str) or not _TOKEN.match(header_name):
        raise ValueError(f"header_name must be a header name (an HTTP token), not {header_name!r}")
    return {"header_name": header_name, "max_length": _int("max_length", max_length, 32, 128)}


def timing(metric_name: str = "app") -> typing.Dict[str, typing.Any]:
    if not isinstance(metric_name, str) or not _TOKEN.match(metric_name) or len(metric_name) > 64:
        raise ValueError(f"metric_name must be an HTTP token of 1 to 64 characters, not {metric_name!r}")
    return {"metric_name": metric_name}


def rate_limit(rate_per_second: float = 10.0, burst: int = 20,
               trusted_proxies: typing.Sequence[str] = ()) -> typing.Dict[str, typing.Any]:
    if isinstance(rate_per_second, bool) or not isinstance(rate_per_second, numbers.Real):
        raise TypeError(f"rate_per_second must be a number, not {rate_per_second!r}")
    if not (0 < rate_per_second <= 1e6) or math.isnan(rate_per_second):
        raise ValueError(f"rate_per_second must be above 0 and at most 1000000, got {rate_per_second}")
    proxies = _strings("trusted_proxies", trusted_proxies)
    for entry in proxies:
        if "/" in entry:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry!r} is not an IPv4/IPv6 network") from None
    return {"rate_per_second": float(rate_per_second), "burst": _int("burst", burst, 1, 1_000_000),
            "trusted_proxies": proxies}


_OPTIONS: typing.Dict[type, typing.Callable[..., typing.Dict[str, typing.Any]]] = {
    CORSMiddleware: cors, GZipMiddleware: gzip, TrustedHostMiddleware: trusted_host,
    HTTPSRedirectMiddleware: https_redirect, RequestIdMiddleware: request_id, TimingMiddleware: timing,
    RateLimitMiddleware: rate_limit,
}


def native_spec(cls: type, options: typing.Mapping[str, typing.Any]) -> typing.Optional[typing.Dict[str, typing.Any]]:
    """``{"name": class name, "options": {...}}`` for the worker when ``cls`` runs natively, None for a
    Python middleware. Raises TypeError/ValueError naming the class for a bad option."""
    from .stack import _starlette_equivalent  # noqa: PLC0415

    cls = _starlette_equivalent(cls)
    check = _OPTIONS.get(cls)
    if check is None:
        if isinstance(cls, type) and issubclass(cls, NATIVE_ONLY):
            base = next(b for b in NATIVE_ONLY if issubclass(cls, b))
            raise TypeError(f"{cls.__name__}: {base.__name__} runs natively only and cannot be subclassed; "
                            f"add {base.__name__} itself with app.add_middleware({base.__name__}, ...)")
        return None
    known = list(inspect.signature(check).parameters)
    for key in options:
        if key not in known:
            raise TypeError(f"{cls.__name__}: unknown option {key!r} (it takes {', '.join(known) or 'none'})")
    try:
        return {"name": cls.__name__, "options": check(**options)}
    except (TypeError, ValueError) as e:
        raise type(e)(f"{cls.__name__}: {e}") from None


__all__ = ["native_spec", "NATIVE_ONLY"]
