"""Same answers as FastAPI: the Request object (url, headers, query_params, path_params, cookies, client, body, json, form).

Cases: tests/compare/cases/request.py; app: tests/e2e/apps/api_request.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features request
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("request")


@pytest.mark.parametrize("case", **cases_for("request"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
