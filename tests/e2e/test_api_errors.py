"""Same answers as FastAPI: HTTPException, exception handlers, the RequestValidationError override, unhandled exceptions.

Cases: tests/compare/cases/errors.py; app: tests/e2e/apps/api_errors.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features errors
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("errors")


@pytest.mark.parametrize("case", **cases_for("errors"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
