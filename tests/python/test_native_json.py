"""The worker's JSON code against Python's json module.

Floats must read exactly as json.dumps writes them (float.__repr__): the same shortest digits and
the same layout (positional from 1e-4 up to below 1e16, exponent form outside it), for every finite
double, dict keys included. Object keys of a parsed body must come back as sent, whatever the table
of recent key strs they go through holds.

Run: /usr/bin/python3 -m pytest tests/python/test_native_json.py
"""

import json
import math
import os
import random
import struct
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

from turboapi import _native  # noqa: E402


def expected(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def edge_values():
    values = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.1 + 0.2, 9.99, 100.0, 1.5, 2.5e-5, 1.5e-7, 123456789.123]
    values += [5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308]
    values += [float(2**53), float(2**53 + 2), float(2**63), float(10**22), 1e23, 4.35, 0.3, 2 / 3]
    for exp in range(-325, 310):  # every power of ten, and its neighbours
        v = float(f"1e{exp}")
        values += [v, -v, math.nextafter(v, 0.0), math.nextafter(v, math.inf), 9.5 * v, 1.25 * v]
    # Around repr's two switches of layout: 1e-4 and 1e16.
    for edge in (1e-4, 1e16, 1e-5, 1e15):
        v = edge
        for _ in range(20):
            values += [v, -v]
            v = math.nextafter(v, 0.0)
        v = edge
        for _ in range(20):
            v = math.nextafter(v, math.inf)
            values.append(v)
    return [v for v in values if math.isfinite(v)]


def test_edge_floats_match_json_dumps():
    for v in edge_values():
        assert _native.dumps(v) == expected(v), repr(v)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_bit_patterns_match_json_dumps(seed):
    rng = random.Random(seed)
    values = []
    while len(values) < 50_000:
        v = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(v):
            values.append(v)
    # One list per batch keeps the failure readable: on a mismatch, find the value.
    if _native.dumps(values) != expected(values):
        bad = next(v for v in values if _native.dumps(v) != expected(v))
        pytest.fail(f"{bad!r}: {_native.dumps(bad)!r} != {expected(bad)!r}")


def test_random_short_decimals_match_json_dumps():
    # Prices, coordinates, measurements: few significant digits at every scale.
    rng = random.Random(5)
    values = [round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8)) for _ in range(50_000)]
    values += [rng.randrange(1, 10**rng.randrange(1, 17)) * 10.0 ** rng.randrange(-30, 30) for _ in range(50_000)]
    assert _native.dumps(values) == expected(values)


def test_float_keys_are_written_as_json_dumps_writes_them():
    data = {1.5: "a", -0.0: "b", 1e16: "c", 1e-5: "d", 0.1 + 0.2: "e"}
    assert _native.dumps(data) == expected(data)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_floats_are_refused(value):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        _native.dumps({"x": value})
    assert _native.dumps({"x": 1.0}) == b'{"x":1.0}'  # and the writer goes on working


def test_json_body_keys_come_back_as_sent():
    # Object keys go through a table of recent key strs (worker/json.cpp KeyCache): keys that share a
    # slot, keys too long for it, non-ASCII and empty keys must each come back as sent, request
    # after request.
    from turboapi import Body, TurboAPI
    from turboapi.testclient import TestClient

    app = TurboAPI()

    @app.post("/echo")
    def echo(data: dict = Body(...)):
        return {"keys": list(data), "values": list(data.values())}

    client = TestClient(app)
    keys = [f"k{i}" for i in range(1000)]  # more keys than slots: every slot is shared
    keys += ["", "é", "日本", "x" * 64, "y" * 65, "a\u0000b", "name", "price", "tags"]
    body = {k: i for i, k in enumerate(keys)}
    for _ in range(3):
        r = client.post("/echo", content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 200
        assert r.json() == {"keys": keys, "values": list(range(len(keys)))}
    nested = {"name": {"name": ["name", {"price": "tags"}]}, "k999": {"k1": 1}}
    r = client.post("/echo", json=nested)
    assert r.json() == {"keys": ["name", "k999"], "values": [nested["name"], nested["k999"]]}
