"""Same answers as FastAPI: the OpenAPI document, docs_url=None, a moved redoc.

Cases: tests/compare/cases/openapi.py; app: tests/e2e/apps/api_openapi.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features openapi
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("openapi")


@pytest.mark.parametrize("case", **cases_for("openapi"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
