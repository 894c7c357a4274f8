"""Helpers the worker (C++) calls into. Not part of the public API."""

import importlib
import importlib.util
import json
import os
import sys
from typing import Any, Tuple


def load_app(spec: str) -> Any:
    """Imports ``pkg.module:attr`` or ``path/to/file.py:attr`` and returns the app object."""
    module_part, sep, attr = spec.rpartition(":")
    if not sep or not module_part or not attr:
        raise ImportError(f"the application must be given as MODULE:ATTRIBUTE, got {spec!r}")
    if module_part.endswith(".py") or os.sep in module_part:
        path = os.path.abspath(module_part)
        if not os.path.isfile(path):
            raise ImportError(f"no such file: {module_part!r} (from {spec!r})")
        directory = os.path.dirname(path)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = os.path.splitext(os.path.basename(path))[0]
        file_spec = importlib.util.spec_from_file_location(name, path)
        if file_spec is None or file_spec.loader is None:
            raise ImportError(f"cannot import {path!r}")
        module = importlib.util.module_from_spec(file_spec)
        sys.modules[name] = module
        file_spec.loader.exec_module(module)
    else:
        cwd = os.getcwd()
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        module = importlib.import_module(module_part)
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ImportError(f"module {module_part!r} has no attribute {attr!r}") from None
    from .applications import TurboAPI

    if not isinstance(obj, TurboAPI):
        raise TypeError(f"{spec!r} is a {type(obj).__name__}, not a turboapi.TurboAPI application")
    return obj


def parse_json_body(body: bytes) -> Tuple[bool, Any, Any]:
    """Python's reading of a body the native parser refused.

    Returns ``(True, value, None)`` when ``json.loads`` accepts it (NaN, Infinity), else
    ``(False, status, body_text)``: FastAPI 0.92's 422 for a JSON error, or its 400 when the bytes
    are not text at all.
    """
    try:
        return True, json.loads(body), None
    except json.JSONDecodeError as e:
        error = {
            "loc": ["body", e.pos],
            "msg": str(e),
            "type": "value_error.jsondecode",
            "ctx": {"msg": e.msg, "doc": e.doc, "pos": e.pos, "lineno": e.lineno, "colno": e.colno},
        }
        return False, 422, json.dumps({"detail": [error]}, ensure_ascii=False, separators=(",", ":"))
    except Exception:  # noqa: BLE001 - FastAPI answers any other parse failure this way
        return False, 400, json.dumps({"detail": "There was an error parsing the body"}, separators=(",", ":"))


_worker_loop = None


def worker_loop():
    """The worker's asyncio event loop: one per process, created on first use and set current, so
    async handlers, dependencies, startup/shutdown hooks and background tasks share it."""
    global _worker_loop
    if _worker_loop is None or _worker_loop.is_closed():
        import asyncio

        _worker_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_worker_loop)
    return _worker_loop
