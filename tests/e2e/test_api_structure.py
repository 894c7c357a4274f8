"""Same answers as FastAPI: APIRouter, include_router, Depends (functions, classes, sub-dependencies, cache, yield).

Cases: tests/compare/cases/structure.py; app: tests/e2e/apps/api_structure.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features structure
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("structure")


@pytest.mark.parametrize("case", **cases_for("structure"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
