"""Same answers as FastAPI: Form, File and UploadFile, urlencoded and multipart.

Cases: tests/compare/cases/forms.py; app: tests/e2e/apps/api_forms.py (the same code runs on both).
Readable report of the same comparison: /usr/bin/python3 tests/compare/run.py --features forms
"""

import pytest

from api_helpers import assert_same_as_fastapi, cases_for, make_pair_fixture

pair = make_pair_fixture("forms")


@pytest.mark.parametrize("case", **cases_for("forms"))
def test_same_as_fastapi(pair, case):
    assert_same_as_fastapi(pair, case)
