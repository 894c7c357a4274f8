"""Glue between the pytest suite tests/e2e/test_api_*.py and the comparison harness in tests/compare/.

FastAPI (under uvicorn) is the oracle: each test sends one case of tests/compare/cases/<feature>.py to
FastAPI and to TurboAPI (build/turbo, or $TURBO_BIN) and asserts that the answers are the same
(status, headers that matter, JSON parsed and byte for byte). One pair of servers per test module.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

_COMPARE = Path(__file__).resolve().parents[1] / "compare"
if str(_COMPARE) not in sys.path:
    sys.path.insert(0, str(_COMPARE))

import harness  # noqa: E402
from turbo_server import require_turbo_bin  # noqa: E402


@functools.lru_cache(maxsize=None)
def _fastapi_missing() -> str | None:
    return harness.fastapi_available()


def cases_for(feature: str) -> dict:
    """Keyword arguments for pytest.mark.parametrize("case", ...): one test per case, named by it."""
    cases = harness.load_cases(feature)
    return {"argvalues": cases, "ids": [c.name for c in cases]}


def make_pair_fixture(feature: str):
    """A module-scoped fixture: FastAPI and TurboAPI serving tests/e2e/apps/api_<feature>.py."""

    @pytest.fixture(scope="module")
    def pair(tmp_path_factory):
        why = _fastapi_missing()
        if why:
            pytest.skip(f"FastAPI, the oracle, is not importable by {harness.PYTHON}: {why}")
        p = harness.Pair(harness.app_module(feature), tmp_path_factory.mktemp(f"api_{feature}"),
                         turbo_bin=require_turbo_bin())
        p.start()
        try:
            if p.fastapi.error:
                pytest.fail(f"the oracle did not start: {p.fastapi.error}", pytrace=False)
            if p.turbo.error:  # the same message fails every test of the module: keep it short
                missing = harness.turbo_missing_names(feature)
                lines = p.turbo.error.splitlines()
                p.turbo.error = "\n".join(lines[:1] + ["  ..."] + lines[-6:]) + "".join(
                    f"\n  - {m}" for m in missing.values())
            yield p
        finally:
            p.stop()

    return pair


def assert_same_as_fastapi(pair: harness.Pair, case: harness.Case) -> None:
    if pair.turbo.error:
        pytest.fail(f"TurboAPI server for {pair.module} did not start: {pair.turbo.error}", pytrace=False)
    diffs = pair.compare(case)
    if diffs:
        note = f" ({case.note})" if case.note else ""
        pytest.fail(f"{case.describe()}{note}: TurboAPI differs from FastAPI:\n  " + "\n  ".join(diffs),
                    pytrace=False)
