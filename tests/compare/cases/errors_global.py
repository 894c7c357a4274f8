"""exception_handler(Exception): unhandled errors become the app's JSON 500; HTTPException, validation
errors, 404 and more specific handlers are untouched."""

from harness import Case, openapi_case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("ok", "/ok"),
    G("boom", "/boom"),
    G("boom-async", "/boom-async"),
    G("domain-more-specific-handler", "/domain"),
    G("http-exception-untouched", "/http"),
    G("validation-untouched", "/validation?n=x"),
    G("not-found-untouched", "/nope"),
    G("method-not-allowed-untouched", "/ok", "POST"),
    G("still-serving", "/ok"),
    openapi_case(),
]
