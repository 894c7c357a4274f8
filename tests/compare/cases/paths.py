"""Path templates with a parameter inside a segment."""

from harness import Case, openapi_case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("dotted", "/dotted/report.json"),
    G("dotted-with-dots", "/dotted/a.b.json"),
    G("dotted-other-ext-404", "/dotted/report.xml"),
    G("dotted-empty-name-404", "/dotted/.json"),
    G("version", "/api/v1.2/status"),
    G("version-bad-int", "/api/vx.2/status"),
    G("prefixed", "/item-42"),
    G("prefixed-bad", "/item-abc"),
    G("prefixed-missing-404", "/item-"),
    G("range", "/range/1-5"),
    G("range-negative", "/range/1--5"),
    G("plain", "/plain/x.json"),
]

CASES.append(openapi_case())
