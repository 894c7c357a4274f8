"""Fails at import after a moment's work (tests/e2e/test_process_workers.py): `turbo serve` must exit 3."""

import os  # noqa: F401 - something real runs before the failure


def _configure():
    raise RuntimeError("proc_broken_app cannot start: missing setting PROC_E2E")


_configure()
