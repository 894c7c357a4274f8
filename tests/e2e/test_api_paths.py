"""Same answers as FastAPI: path templates with a parameter inside a segment (`/{name}.json`).

Cases: tests/compare/cases/paths.py; app: tests/e2e/apps/api_paths.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features paths
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("paths")


@pytest.mark.parametrize("case", **cases_for("paths"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
