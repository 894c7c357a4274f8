"""Startup events (state read by a route) and background tasks (files the server's app writes into
its own $COMPARE_TMP, read after the response)."""

from harness import Case, openapi_case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("startup-state", "/state"),
    G("bg-one", "/bg/one/a", "POST", files_after=("a.txt",)),
    G("bg-many-in-order", "/bg/many/b", "POST", files_after=("b.txt",)),
    G("bg-dependency-and-handler", "/bg/dependency?q=x", "POST", files_after=("dep.txt",)),
    G("bg-with-status", "/bg/status", "POST", files_after=("status.txt",)),
    G("bg-failing-task", "/bg/after-error", "POST"),
    G("bg-failing-task-stops-the-rest", "/bg/after-error-then"),
    G("bg-server-still-serves", "/state"),
]

CASES.append(openapi_case())
