"""Same answers as FastAPI: HTTPSRedirectMiddleware (native middleware in TurboAPI).

Cases: tests/compare/cases/middleware_https.py; app: tests/e2e/apps/api_middleware_https.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features middleware_https
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("middleware_https")


@pytest.mark.parametrize("case", **cases_for("middleware_https"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
