"""Routing, parameter conversion, return values and error bodies, as FastAPI users expect them."""

import re
import threading

import pytest

from turbo_server import descendants, proc_starttime


def assert_json(resp, status: int, expected):
    assert resp.status == status, resp
    assert resp.header("Content-Type", "").startswith("application/json"), resp
    assert resp.json() == expected, resp


def assert_422(resp, loc: list, type_: str | None = None):
    assert resp.status == 422, resp
    assert resp.header("Content-Type", "").startswith("application/json"), resp
    detail = resp.json()["detail"]
    assert isinstance(detail, list) and detail, resp
    matching = [d for d in detail if d.get("loc") == loc]
    assert matching, f"no error with loc {loc}: {detail}"
    assert isinstance(matching[0].get("msg"), str) and matching[0]["msg"], resp
    if type_ is not None:
        assert matching[0].get("type") == type_, resp
    return matching[0]


# --- basics ---------------------------------------------------------------------------------------


def test_hello_world(basic_server):
    r = basic_server.get("/")
    assert_json(r, 200, {"message": "Hello, World!"})
    assert r.reason == "OK"


def test_item_with_query_exact_bytes(basic_server):
    r = basic_server.get("/items/42?q=x")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json", r
    assert r.body == b'{"item_id":42,"q":"x"}'
    assert r.header("Content-Length") == "22"


def test_item_optional_query_missing_is_null(basic_server):
    assert basic_server.get("/items/7").body == b'{"item_id":7,"q":null}'


def test_negative_int_path_param(basic_server):
    assert_json(basic_server.get("/items/-3"), 200, {"item_id": -3, "q": None})


def test_unknown_query_params_are_ignored(basic_server):
    assert_json(basic_server.get("/items/1?other=2&q=y"), 200, {"item_id": 1, "q": "y"})


def test_two_path_params(basic_server):
    assert_json(basic_server.get("/users/5/posts/abc"), 200, {"user_id": 5, "post_id": "abc"})


# --- 404 / 405 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/item", "/items/1/extra", "/str/a/b", "/Items/1"])
def test_unknown_path_404(basic_server, path):
    r = basic_server.get(path)
    assert_json(r, 404, {"detail": "Not Found"})
    assert r.body == b'{"detail":"Not Found"}'


def test_wrong_method_405_with_allow(basic_server):
    r = basic_server.get("/echo")
    assert_json(r, 405, {"detail": "Method Not Allowed"})
    assert r.body == b'{"detail":"Method Not Allowed"}'
    allow = r.header("Allow")
    assert allow is not None, r
    assert [m.strip() for m in allow.split(",")] == ["POST"], r


def test_405_on_path_with_several_methods(basic_server):
    r = basic_server.request("POST", "/things/1", {"Content-Type": "application/json"}, b"{}")
    assert_json(r, 405, {"detail": "Method Not Allowed"})
    allowed = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
    assert allowed, r
    assert allowed <= {"PUT", "PATCH", "DELETE"}, r


def test_post_to_get_route_405(basic_server):
    r = basic_server.request("POST", "/", {"Content-Type": "application/json"}, b"{}")
    assert r.status == 405, r
    assert "GET" in (r.header("Allow") or ""), r


# --- methods --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_put_patch_with_body(basic_server, method):
    r = basic_server.request(method, "/things/9", {"Content-Type": "application/json"}, b'{"a":1}')
    assert_json(r, 200, {"method": method, "thing_id": 9, "body": {"a": 1}})


def test_delete(basic_server):
    assert_json(basic_server.request("DELETE", "/things/3"), 200, {"method": "DELETE", "thing_id": 3})


# --- 422 ------------------------------------------------------------------------------------------


def test_bad_int_path_param_422(basic_server):
    r = basic_server.get("/items/abc")
    err = assert_422(r, ["path", "item_id"], "type_error.integer")
    assert err["msg"] == "value is not a valid integer"


def test_float_for_int_path_param_422(basic_server):
    assert_422(basic_server.get("/items/1.5"), ["path", "item_id"], "type_error.integer")


def test_missing_required_query_422(basic_server):
    err = assert_422(basic_server.get("/search"), ["query", "name"], "value_error.missing")
    assert err["msg"] == "field required"


def test_bad_int_query_422(basic_server):
    assert_422(basic_server.get("/search?name=a&limit=ten"), ["query", "limit"], "type_error.integer")


def test_bad_float_path_422(basic_server):
    assert_422(basic_server.get("/float/abc"), ["path", "value"], "type_error.float")


def test_bad_bool_query_422(basic_server):
    assert_422(basic_server.get("/bool?flag=maybe"), ["query", "flag"], "type_error.bool")


def test_invalid_json_body_422(basic_server):
    r = basic_server.request("POST", "/echo", {"Content-Type": "application/json"}, b'{"a": 1,')
    assert r.status == 422, r
    assert isinstance(r.json()["detail"], list), r
    assert r.json()["detail"][0]["loc"][0] == "body", r


def test_json_of_wrong_shape_422(basic_server):
    r = basic_server.request("POST", "/echo", {"Content-Type": "application/json"}, b"[1,2]")
    assert r.status == 422, r
    assert r.json()["detail"][0]["loc"][0] == "body", r


def test_missing_body_422(basic_server):
    r = basic_server.request("POST", "/echo", {"Content-Type": "application/json"}, b"")
    assert r.status == 422, r
    assert r.json()["detail"][0]["loc"][0] == "body", r


# --- conversions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,value", [("2.5", 2.5), ("-0.125", -0.125), ("3", 3.0), ("1e3", 1000.0)])
def test_float_path_param(basic_server, raw, value):
    r = basic_server.get(f"/float/{raw}")
    assert_json(r, 200, {"value": value})
    assert isinstance(r.json()["value"], float), r


@pytest.mark.parametrize("raw,value", [("true", True), ("false", False), ("1", True), ("0", False),
                                       ("True", True), ("yes", True), ("off", False)])
def test_bool_query_param(basic_server, raw, value):
    assert_json(basic_server.get(f"/bool?flag={raw}"), 200, {"flag": value})


def test_query_defaults_and_conversion(basic_server):
    assert_json(basic_server.get("/search?name=bob"), 200, {"name": "bob", "limit": 10, "ratio": None})
    assert_json(basic_server.get("/search?name=bob&limit=3&ratio=0.5"), 200, {"name": "bob", "limit": 3, "ratio": 0.5})


def test_str_path_param_keeps_digits_as_string(basic_server):
    assert_json(basic_server.get("/str/007"), 200, {"name": "007"})


@pytest.mark.parametrize("raw,decoded", [("hello%20world", "hello world"), ("caf%C3%A9", "café"),
                                         ("a%2Bb", "a+b"), ("%E2%9C%93", "✓"), ("plus+sign", "plus+sign")])
def test_percent_encoded_path_param(basic_server, raw, decoded):
    assert_json(basic_server.get(f"/str/{raw}"), 200, {"name": decoded})


@pytest.mark.parametrize("raw,decoded", [("hello+world", "hello world"), ("a%26b%3Dc", "a&b=c"),
                                         ("caf%C3%A9", "café"), ("", "")])
def test_percent_encoded_query_param(basic_server, raw, decoded):
    assert_json(basic_server.get(f"/items/1?q={raw}"), 200, {"item_id": 1, "q": decoded})


# --- return values --------------------------------------------------------------------------------


def test_status_code_on_decorator(basic_server):
    r = basic_server.post_json("/items", {"name": "x"})
    assert_json(r, 201, {"created": {"name": "x"}})


def test_return_none_is_json_null(basic_server):
    r = basic_server.get("/none")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json", r
    assert r.body == b"null"


def test_return_str_is_json_string(basic_server):
    r = basic_server.get("/string")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json", r
    assert r.body == b'"hello"'


def test_return_int_and_list(basic_server):
    assert basic_server.get("/int").body == b"42"
    assert basic_server.get("/list").body == b"[1,2,3]"


def test_unicode_json(basic_server):
    r = basic_server.get("/unicode")
    assert_json(r, 200, {"text": "héllo wörld ✓ 日本語 🚀", "quote": 'say "hi"\n\ttab\\'})
    assert int(r.header("Content-Length")) == len(r.body)


def test_nested_json(basic_server):
    assert_json(basic_server.get("/nested"), 200,
                {"a": [1, 2.5, True, False, None, {"b": "c"}], "d": {"e": {"f": [], "g": {}}}, "n": -7})


def test_echo_list_body(basic_server):
    r = basic_server.request("POST", "/echo-list", {"Content-Type": "application/json"}, b'[1,"two",{"three":3}]')
    assert_json(r, 200, {"length": 3, "items": [1, "two", {"three": 3}]})


def test_echo_dict_body(basic_server):
    payload = {"s": "x", "i": 1, "f": 1.5, "b": True, "n": None, "l": [1, [2]], "d": {"k": "v"}, "u": "ü✓"}
    assert_json(basic_server.post_json("/echo", payload), 200, payload)


# --- Response classes and HTTPException -----------------------------------------------------------


def test_custom_response(basic_server):
    r = basic_server.get("/custom")
    assert r.status == 202, r
    assert r.body == b"\x00\x01binary\xff"
    assert r.header("Content-Type") == "application/x-turbo", r
    assert r.header("X-Custom") == "yes", r
    assert r.header("Content-Length") == str(len(r.body)), r


def test_plain_text_response(basic_server):
    r = basic_server.get("/plain")
    assert r.status == 200 and r.body == b"just text", r
    assert r.header("Content-Type", "").startswith("text/plain"), r


def test_html_response(basic_server):
    r = basic_server.get("/html")
    assert r.status == 200 and r.body == b"<h1>hi</h1>", r
    assert r.header("Content-Type", "").startswith("text/html"), r


def test_json_response_status_and_headers(basic_server):
    r = basic_server.get("/json-response")
    assert_json(r, 202, {"accepted": True})
    assert r.header("X-Json") == "1", r


def test_http_exception_with_headers(basic_server):
    r = basic_server.get("/teapot")
    assert_json(r, 418, {"detail": "I'm a teapot"})
    assert r.header("X-Error") == "tea", r


def test_http_exception_with_structured_detail(basic_server):
    assert_json(basic_server.get("/forbidden"), 403, {"detail": {"reason": "nope", "codes": [1, 2]}})


# --- unhandled exceptions -------------------------------------------------------------------------


def test_unhandled_exception_500_then_still_serving(basic_server):
    workers_before = {p: proc_starttime(p) for p in descendants(basic_server.pid)}
    c = basic_server.connect()
    try:
        r = c.request("GET", "/error")
        assert r.status == 500, r
        assert r.body == b"Internal Server Error", r
        assert r.header("Content-Type", "").startswith("text/plain"), r
        # The app keeps answering: on the same connection unless the 500 announced a close.
        if (r.header("Connection") or "").lower() == "close":
            c.close()
            c = basic_server.connect()
        assert_json(c.request("GET", "/"), 200, {"message": "Hello, World!"})
    finally:
        c.close()
    text = basic_server.wait_for_output("stderr", lambda t: "boom from the e2e app" in t)
    assert "Traceback" in text and "ValueError: boom from the e2e app" in text, text[-2000:]
    # An exception is not a crash: the same worker processes are still there.
    workers_after = {p: proc_starttime(p) for p in descendants(basic_server.pid)}
    assert workers_after == workers_before


def test_tracebacks_of_two_workers_failing_at_once_stay_whole(basic_server):
    """Both workers raise at the same moment on the stderr they share: each logs the message and its
    traceback as one record, so the two never interleave line by line."""
    def hammer():
        c = basic_server.connect()
        try:
            for _ in range(25):
                r = c.request("GET", "/error")
                assert r.status == 500, r
                if (r.header("Connection") or "").lower() == "close":
                    c.close()
                    c = basic_server.connect()
        finally:
            c.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = basic_server.wait_for_output("stderr", lambda t: t.count("ValueError: boom from the e2e app") >= 100)
    logged = text.count("[error] Exception in handler GET /error")
    whole = re.findall(r"\[error\] Exception in handler GET /error\nTraceback \(most recent call last\):\n"
                       r"(?:  .*\n)+ValueError: boom from the e2e app\n", text)
    assert logged >= 100 and len(whole) == logged, text[-3000:]


def test_many_500s_keep_the_same_workers(basic_server):
    workers_before = {p: proc_starttime(p) for p in descendants(basic_server.pid)}
    for _ in range(20):
        assert basic_server.get("/error").status == 500
    seen = {basic_server.get("/pid").json()["pid"] for _ in range(10)}
    assert seen <= set(workers_before), f"/pid answered by {seen}, workers before were {workers_before}"
    assert {p: proc_starttime(p) for p in descendants(basic_server.pid)} == workers_before


def test_response_with_a_non_bytes_body_is_a_500_with_a_log_line(basic_server):
    r = basic_server.get("/bad-response-body")
    assert r.status == 500
    assert r.body == b"Internal Server Error"
    needle = "is not valid: status_code must be an int"
    assert needle in basic_server.wait_for_output("stderr", lambda err: needle in err)
    assert basic_server.get("/").status == 200
