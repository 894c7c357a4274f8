"""Same answers as FastAPI: turboapi.Model request models against the same pydantic models under FastAPI.

Cases: tests/compare/cases/models.py; app: tests/e2e/apps/api_models.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features models
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("models")


@pytest.mark.parametrize("case", **cases_for("models"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
