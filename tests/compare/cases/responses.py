"""Return values, status_code=, response_model=, every response class, streaming, files, cookies."""

from harness import Case, openapi_case


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    *[G(f"value-{v}", f"/value/{v}") for v in
      ["dict", "list", "none", "str", "str-quotes", "int", "float", "bool", "floats", "big-int", "unicode", "nested",
       "tuple-set", "encoded", "model", "models", "large", "async"]],
    G("value-head", "/value/dict", method="HEAD"),
    G("status-201", "/status/201", method="POST"),
    G("status-204", "/status/204", method="DELETE"),
    G("status-json-response-wins", "/status/202-json-response"),
    G("status-418", "/status/418"),
    *[G(f"model-{v}", f"/model/{v}") for v in
      ["filter", "list", "from-model", "invalid", "exclude-unset", "exclude-none", "include", "exclude", "coerce"]],
    G("model-status", "/model/status", method="POST"),
    *[G(f"class-{v}", f"/class/{v}") for v in
      ["response", "response-str", "response-headers", "response-empty", "response-xml", "json", "json-list",
       "json-media-type", "html", "html-status", "text", "text-bytes", "html-default", "text-default",
       "html-default-overridden"]],
    G("class-html-head", "/class/html", method="HEAD"),
    *[G(f"redirect-{v}", f"/redirect/{v}") for v in
      ["default", "301", "302", "quoted", "headers", "response-class", "response-class-status"]],
    G("redirect-303", "/redirect/303", method="POST"),
    *[G(f"stream-{v}", f"/stream/{v}") for v in
      ["sync", "sync-media", "async", "async-from-sync-handler", "empty", "bytes-and-str", "large", "status"]],
    G("stream-head", "/stream/sync", method="HEAD"),
    *[G(f"file-{v}", f"/file/{v}") for v in
      ["text", "html", "named", "named-unicode", "binary", "headers", "status", "response-class"]],
    G("file-head", "/file/text", method="HEAD"),
    G("file-range-ignored", "/file/text", headers={"Range": "bytes=0-3"}),
    *[G(f"param-{v}", f"/param/{v}") for v in
      ["headers", "status", "status-over-decorator", "cookie", "delete-cookie", "returned-response-wins", "async"]],
    G("cookie-on-response", "/cookie/on-response"),
    G("cookie-on-html", "/cookie/on-html"),
    G("headers-list-values", "/headers/list-values"),
    G("headers-content-type-override", "/headers/content-type-override"),
    *[G(f"more-{v}", f"/more/{v}") for v in
      ["nested-filter", "by-alias", "by-alias-off", "bytes", "set", "204-with-value", "304", "response-304",
       "json-none", "json-status-204", "dict-int-keys", "model-exclude-unset-nested"]],
]

CASES.append(openapi_case())
