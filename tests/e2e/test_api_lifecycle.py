"""Same answers as FastAPI: startup events and background tasks.

Cases: tests/compare/cases/lifecycle.py; app: tests/e2e/apps/api_lifecycle.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features lifecycle
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("lifecycle")


@pytest.mark.parametrize("case", **cases_for("lifecycle"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
