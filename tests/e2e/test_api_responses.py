"""Same answers as FastAPI: return values, status_code=, response_model=, response classes, streaming, files, cookies.

Cases: tests/compare/cases/responses.py; app: tests/e2e/apps/api_responses.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features responses
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("responses")


@pytest.mark.parametrize("case", **cases_for("responses"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
