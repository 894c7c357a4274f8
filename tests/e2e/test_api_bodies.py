"""Same answers as FastAPI: request bodies (dict, list, pydantic models, several bodies, embed, dataclass).

Cases: tests/compare/cases/bodies.py; app: tests/e2e/apps/api_bodies.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features bodies
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("bodies")


@pytest.mark.parametrize("case", **cases_for("bodies"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
