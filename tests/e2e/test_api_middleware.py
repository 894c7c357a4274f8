"""Same answers as FastAPI: CORS, GZip and TrustedHost (native middleware in TurboAPI).

Cases: tests/compare/cases/middleware.py; app: tests/e2e/apps/api_middleware.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features middleware
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("middleware")


@pytest.mark.parametrize("case", **cases_for("middleware"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
