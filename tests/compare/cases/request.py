"""The Request object as handlers see it."""

from harness import Case, openapi_case

JSON = {"Content-Type": "application/json"}


def G(name, path, method="GET", **kw):
    return Case(name=name, path=path, method=method, **kw)


CASES = [
    G("info-plain", "/info"),
    G("info-query", "/info?a=1&b=two&a=3&empty=&flag"),
    G("info-query-encoded", "/info?q=a%20b+c&%C3%A9=%E2%9C%93&amp=%26"),
    G("info-headers", "/info", headers=[("X-Custom", "v1"), ("X-Multi", "a"), ("X-Multi", "b")]),
    G("info-cookies", "/info", headers={"Cookie": "a=1; b=two; c=\"q\"; d"}),
    G("info-other-host", "/info", headers={"Host": "example.org:8080"}),
    G("info-path-params", "/info/x%20y/7?z=1"),
    G("info-path-params-post", "/info/p/1", "POST", json={"ignored": True}),
    G("info-path-params-delete", "/info/p/2", "DELETE"),
    G("info-path-params-bad", "/info/p/x"),
    G("info-rest-path", "/info/file/a/b/c.txt?x=1"),
    G("info-encoded-path", "/info/file/%7Euser/%C3%A9"),
    G("body", "/body", "POST", body=b"raw \x00 bytes \xc3\xa9", headers={"Content-Type": "application/octet-stream"}),
    G("body-empty", "/body", "POST"),
    G("body-json", "/body", "POST", json={"a": 1}),
    G("body-chunked", "/body", "POST", body=b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      headers={"Transfer-Encoding": "chunked", "Content-Type": "text/plain"}),
    G("body-large", "/body", "POST", body=b"x" * 300000, headers={"Content-Type": "text/plain"},
      body_mode=lambda b: b[:100]),
    G("body-twice", "/body-twice", "POST", body=b"abc"),
    G("json-object", "/json", "POST", json={"a": [1, 2], "b": None}),
    G("json-list", "/json", "POST", json=[1, "x"]),
    G("json-number", "/json", "POST", json=3.5),
    G("json-invalid", "/json", "POST", body=b"{nope", headers=JSON),
    G("json-empty", "/json", "POST", body=b"", headers=JSON),
    G("json-no-ctype", "/json", "POST", body=b'{"a":1}'),
    G("form-urlencoded", "/form", "POST", form=[("a", "1"), ("b", "x y"), ("a", "2")]),
    G("form-multipart", "/form", "POST", multipart=[("a", "1"), ("f", ("f.txt", b"data", "text/plain"))]),
    G("form-empty", "/form", "POST"),
    G("with-params", "/with-params/5?q=a"),
    G("with-params-bad", "/with-params/x"),
    G("url-for", "/url-for/me"),
    G("url-for-host", "/url-for/me", headers={"Host": "api.example.com"}),
]

CASES.append(openapi_case())
