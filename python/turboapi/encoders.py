"""``jsonable_encoder``: turns values JSON has no word for into ones it has, by FastAPI's rules.

The worker serializes dict, list, tuple, str, int, float, bool and None in C++; anything else
(models, dataclasses, enums, dates, UUIDs, sets, bytes...) passes through here first.
"""

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import pathlib
import re
import uuid
from collections import deque
from types import GeneratorType
from typing import Any


def _decimal(d: decimal.Decimal) -> Any:
    return int(d) if d.as_tuple().exponent >= 0 else float(d)  # type: ignore[operator]


_BY_TYPE = {
    bytes: lambda b: b.decode(),
    datetime.date: lambda d: d.isoformat(),
    datetime.datetime: lambda d: d.isoformat(),
    datetime.time: lambda t: t.isoformat(),
    datetime.timedelta: lambda t: t.total_seconds(),
    decimal.Decimal: _decimal,
    enum.Enum: lambda e: e.value,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    ipaddress.IPv4Address: str,
    ipaddress.IPv6Address: str,
    ipaddress.IPv4Network: str,
    ipaddress.IPv6Network: str,
    ipaddress.IPv4Interface: str,
    ipaddress.IPv6Interface: str,
    pathlib.PurePath: str,
    re.Pattern: lambda p: p.pattern,
    set: list,
    uuid.UUID: str,
}


def jsonable_encoder(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return {jsonable_encoder(k): jsonable_encoder(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable_encoder(v) for v in obj]
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return jsonable_encoder(dump())
    if hasattr(obj, "__fields__") and callable(getattr(obj, "dict", None)):  # pydantic 1 models
        return jsonable_encoder(obj.dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj))
    for base in type(obj).__mro__:
        encode = _BY_TYPE.get(base)
        if encode is not None:
            return jsonable_encoder(encode(obj))
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
