"""Form fields and file uploads, urlencoded and multipart, with every missing/malformed variant."""

from harness import Case, openapi_case

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TXT = ("hello.txt", b"hello world\n", "text/plain")
BIN = ("data.bin", bytes(range(256)) * 40, "application/octet-stream")
BOUNDARY = "----turbocompareboundary7MA4YWxkTrZu0gW"


def P(name, path, **kw):
    return Case(name=name, path=path, method="POST", **kw)


CASES = [
    # urlencoded
    P("login", "/form/login", form={"username": "alice", "password": "secret"}),
    P("login-multipart", "/form/login", multipart=[("username", "bob"), ("password", "pw")]),
    P("login-missing-password", "/form/login", form={"username": "alice"}),
    P("login-missing-all", "/form/login", form={}),
    P("login-no-body", "/form/login"),
    P("login-empty-values", "/form/login", form={"username": "", "password": ""}),
    P("login-json-instead", "/form/login", json={"username": "a", "password": "b"}),
    P("login-no-content-type", "/form/login", body=b"username=a&password=b"),
    P("login-text-plain", "/form/login", body=b"username=a&password=b", headers={"Content-Type": "text/plain"}),
    P("login-percent-encoded", "/form/login", body=b"username=a%20b%26c&password=%E2%9C%93+x", headers=FORM),
    P("login-repeated-key", "/form/login", body=b"username=a&username=b&password=p", headers=FORM),
    P("login-malformed-urlencoded", "/form/login", body=b"username&=&password=%zz", headers=FORM),
    P("optional-defaults", "/form/optional", form={}),
    P("optional-set", "/form/optional", form={"a": "x", "n": "7", "flag": "on"}),
    P("optional-bad", "/form/optional", form={"n": "seven", "flag": "maybe"}),
    P("optional-empty-int", "/form/optional", form={"n": ""}),
    P("constrained-ok", "/form/constrained", form={"code": "abc", "n": "1", "kind": "b"}),
    P("constrained-all-violated", "/form/constrained", form={"code": "ab", "n": "0", "kind": "c"}),
    P("constrained-max-length", "/form/constrained", form={"code": "abcdef", "n": "1"}),
    P("list-repeated", "/form/list", body=b"tags=a&tags=b&nums=1&nums=2", headers=FORM),
    P("list-empty", "/form/list", form={}),
    P("list-bad-item", "/form/list", body=b"nums=1&nums=x", headers=FORM),
    P("list-multipart", "/form/list", multipart=[("tags", "x"), ("tags", "y")]),
    P("alias", "/form/alias", form={"user-name": "u"}),
    P("alias-by-name", "/form/alias", form={"user_name": "u"}),
    P("with-query", "/form/with-query/3?q=4", form={"note": "n"}),
    P("with-query-all-wrong", "/form/with-query/x?q=y", form={}),
    # files
    P("bytes", "/file/bytes", multipart=[("file", TXT)]),
    P("bytes-binary", "/file/bytes", multipart=[("file", BIN)]),
    P("bytes-as-plain-field", "/file/bytes", multipart=[("file", "not a file")]),
    P("bytes-missing", "/file/bytes", multipart=[("other", "x")]),
    P("bytes-urlencoded", "/file/bytes", form={"file": "x"}),
    P("upload", "/file/upload", multipart=[("file", TXT)]),
    P("upload-binary", "/file/upload", multipart=[("file", BIN)]),
    P("upload-no-content-type", "/file/upload", multipart=[("file", ("n.txt", b"abc", None))]),
    P("upload-unicode-name", "/file/upload", multipart=[("file", ("résumé.txt", "é".encode(), "text/plain"))]),
    P("upload-empty-file", "/file/upload", multipart=[("file", ("empty.txt", b"", "text/plain"))]),
    P("upload-missing", "/file/upload", multipart=[("x", "y")]),
    P("upload-plain-field-instead", "/file/upload", multipart=[("file", "just text")]),
    P("upload-no-body", "/file/upload"),
    P("upload-json-instead", "/file/upload", json={"file": "x"}),
    P("upload-urlencoded", "/file/upload", form={"file": "x"}),
    P("upload-sync", "/file/upload-sync", multipart=[("file", TXT)]),
    P("optional-file-absent", "/file/optional", multipart=[("x", "y")]),
    P("optional-file-no-body", "/file/optional"),
    P("optional-file-present", "/file/optional", multipart=[("file", TXT)]),
    P("multiple", "/file/multiple", multipart=[("files", TXT), ("files", BIN)]),
    P("multiple-one", "/file/multiple", multipart=[("files", TXT)]),
    P("multiple-missing", "/file/multiple", multipart=[("other", TXT)]),
    P("bytes-list", "/file/bytes-list", multipart=[("files", TXT), ("files", BIN)]),
    P("with-form", "/file/with-form", multipart=[("token", "t"), ("count", "2"), ("file", TXT)]),
    P("with-form-missing-file", "/file/with-form", multipart=[("token", "t"), ("count", "2")]),
    P("with-form-bad-count", "/file/with-form", multipart=[("token", "t"), ("count", "two"), ("file", TXT)]),
    P("with-form-missing-all", "/file/with-form", multipart=[("z", "z")]),
    P("upload-large", "/file/upload", multipart=[("file", ("big.bin", bytes(range(256)) * 8192, "application/x-big"))]),
    P("upload-part-charset", "/file/upload", multipart=[("file", ("c.txt", "é".encode("latin-1"), "text/plain; charset=latin-1"))]),
    P("upload-empty-filename", "/file/upload", multipart=[("file", ("", b"abc", "text/plain"))]),
    P("login-field-is-file", "/form/login", multipart=[("username", ("u.txt", b"u", "text/plain")), ("password", "p")]),
    P("login-unicode-values", "/form/login", multipart=[("username", "ünï"), ("password", "✓✓")]),
    P("login-extra-fields", "/form/login", form={"username": "a", "password": "b", "other": "c"}),
    # malformed multipart
    P("multipart-no-boundary", "/file/upload", body=b"--x\r\n\r\n", headers={"Content-Type": "multipart/form-data"}),
    P("multipart-wrong-boundary", "/file/upload",
      body=b'--other\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx\r\n--other--\r\n',
      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
    P("multipart-truncated", "/file/upload",
      body=f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'.encode(),
      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
    P("multipart-garbage", "/form/login", body=b"\x00\x01garbage",
      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
    P("multipart-no-disposition", "/form/login",
      body=f"--{BOUNDARY}\r\nX-Foo: bar\r\n\r\nvalue\r\n--{BOUNDARY}--\r\n".encode(),
      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
    P("multipart-empty", "/form/login", body=f"--{BOUNDARY}--\r\n".encode(),
      headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
    Case(name="form-wrong-method", path="/form/login", method="GET"),
]

CASES.append(openapi_case())
