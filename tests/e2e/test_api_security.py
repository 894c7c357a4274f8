"""Same answers as FastAPI: OAuth2 password bearer and form, HTTP Basic/Bearer, API keys (401/403, WWW-Authenticate).

Cases: tests/compare/cases/security.py; app: tests/e2e/apps/api_security.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features security
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("security")


@pytest.mark.parametrize("case", **cases_for("security"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
