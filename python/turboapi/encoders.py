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
from typing import Any, Callable, Dict, List, Optional


def _decimal(d: decimal.Decimal) -> Any:
    return int(d) if d.as_tuple().exponent >= 0 else float(d)  # type: ignore[operator]


_BY_TYPE = {
    bytes: lambda b: b.decode(),
    bytearray: lambda b: bytes(b).decode(),
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


def _is_pydantic(obj: Any) -> bool:
    return hasattr(obj, "__fields__") and hasattr(obj, "__config__") and callable(getattr(obj, "dict", None))


def jsonable_encoder(obj: Any, include: Any = None, exclude: Any = None, by_alias: bool = True,
                     exclude_unset: bool = False, exclude_defaults: bool = False, exclude_none: bool = False,
                     custom_encoder: Optional[Dict[Any, Callable[[Any], Any]]] = None,
                     sqlalchemy_safe: bool = True) -> Any:
    """FastAPI 0.92's ``jsonable_encoder``: the same arguments and results."""
    if custom_encoder:
        if type(obj) in custom_encoder:
            return custom_encoder[type(obj)](obj)
        for encoder_type, encoder_instance in custom_encoder.items():
            if isinstance(obj, encoder_type):
                return encoder_instance(obj)
    if obj is None or type(obj) in (str, int, float, bool):
        return obj
    if include is not None and not isinstance(include, (set, dict)):
        include = set(include)
    if exclude is not None and not isinstance(exclude, (set, dict)):
        exclude = set(exclude)
    if _is_pydantic(obj) and not isinstance(obj, type):
        encoder = dict(getattr(obj.__config__, "json_encoders", {}) or {})
        if custom_encoder:
            encoder.update(custom_encoder)
        obj_dict = obj.dict(include=include, exclude=exclude, by_alias=by_alias, exclude_unset=exclude_unset,
                            exclude_none=exclude_none, exclude_defaults=exclude_defaults)
        if "__root__" in obj_dict:
            obj_dict = obj_dict["__root__"]
        return jsonable_encoder(obj_dict, exclude_none=exclude_none, exclude_defaults=exclude_defaults,
                                custom_encoder=encoder, sqlalchemy_safe=sqlalchemy_safe)
    dump = getattr(obj, "model_dump", None)
    if callable(dump) and not isinstance(obj, type):  # turboapi.Model: as a pydantic model above
        try:
            data = dump(include=include, exclude=exclude, by_alias=by_alias, exclude_unset=exclude_unset,
                        exclude_none=exclude_none, exclude_defaults=exclude_defaults)
        except TypeError:
            data = dump()
        return jsonable_encoder(data, exclude_none=exclude_none, exclude_defaults=exclude_defaults,
                                custom_encoder=custom_encoder, sqlalchemy_safe=sqlalchemy_safe)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj), include=include, exclude=exclude, by_alias=by_alias,
                                exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                exclude_none=exclude_none, custom_encoder=custom_encoder,
                                sqlalchemy_safe=sqlalchemy_safe)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, pathlib.PurePath):
        return str(obj)
    if isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, dict):
        encoded = {}
        allowed = set(obj.keys())
        if include is not None:
            allowed &= set(include)
        if exclude is not None:
            allowed -= set(exclude)
        for key, value in obj.items():
            if ((not sqlalchemy_safe or not isinstance(key, str) or not key.startswith("_sa"))
                    and (value is not None or not exclude_none) and key in allowed):
                k = jsonable_encoder(key, by_alias=by_alias, exclude_unset=exclude_unset, exclude_none=exclude_none,
                                     custom_encoder=custom_encoder, sqlalchemy_safe=sqlalchemy_safe)
                encoded[k] = jsonable_encoder(value, by_alias=by_alias, exclude_unset=exclude_unset,
                                              exclude_none=exclude_none, custom_encoder=custom_encoder,
                                              sqlalchemy_safe=sqlalchemy_safe)
        return encoded
    if isinstance(obj, (list, set, frozenset, GeneratorType, tuple, deque)):
        return [jsonable_encoder(item, include=include, exclude=exclude, by_alias=by_alias,
                                 exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                 exclude_none=exclude_none, custom_encoder=custom_encoder,
                                 sqlalchemy_safe=sqlalchemy_safe) for item in obj]
    for base in type(obj).__mro__:
        encode = _BY_TYPE.get(base)
        if encode is not None:
            return encode(obj)
    try:
        data = dict(obj)
    except Exception as e:  # noqa: BLE001
        errors: List[Exception] = [e]
        try:
            data = vars(obj)
        except Exception as e2:  # noqa: BLE001
            errors.append(e2)
            raise ValueError(errors) from e2
    return jsonable_encoder(data, include=include, exclude=exclude, by_alias=by_alias, exclude_unset=exclude_unset,
                            exclude_defaults=exclude_defaults, exclude_none=exclude_none,
                            custom_encoder=custom_encoder, sqlalchemy_safe=sqlalchemy_safe)
