"""Same answers as FastAPI: path, query, header and cookie parameters.

Cases: tests/compare/cases/params.py; app: tests/e2e/apps/api_params.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features params
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("params")


@pytest.mark.parametrize("case", **cases_for("params"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
