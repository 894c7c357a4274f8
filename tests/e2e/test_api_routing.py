"""Same answers as FastAPI: api_route, add_api_route, HEAD/OPTIONS, trailing-slash 307, 404, 405 with Allow, docs pages.

Cases: tests/compare/cases/routing.py; app: tests/e2e/apps/api_routing.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features routing
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("routing")


@pytest.mark.parametrize("case", **cases_for("routing"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
