"""HTTP status codes as named constants (``status.HTTP_404_NOT_FOUND``), as in FastAPI."""

import http as _http

for _s in _http.HTTPStatus:
    globals()[f"HTTP_{_s.value}_{_s.name}"] = _s.value

# Names FastAPI/Starlette spell differently from the standard library.
HTTP_413_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_414_REQUEST_URI_TOO_LONG = 414
HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE = 416
HTTP_422_UNPROCESSABLE_ENTITY = 422

del _s, _http
