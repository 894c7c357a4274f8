"""Same answers as FastAPI: an app-wide exception_handler(Exception) next to HTTPException, 404 and validation errors.

Cases: tests/compare/cases/errors_global.py; app: tests/e2e/apps/api_errors_global.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features errors_global
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("errors_global")


@pytest.mark.parametrize("case", **cases_for("errors_global"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
