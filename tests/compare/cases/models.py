"""turboapi.Model (validated in C++) against the same pydantic model under FastAPI: same 200s, same 422s."""

from harness import Case, openapi_case

JSON = {"Content-Type": "application/json"}


def P(name, path, json_=None, **kw):
    if json_ is not None:
        kw["json"] = json_
    return Case(name=name, path=path, method="POST", **kw)


ITEM = {"name": "Foo", "price": 1.5}
FULL = {"name": "Bar", "price": 2, "count": "3", "available": "no", "description": "d", "tags": ["x", "y"],
        "image": {"url": "u", "width": 5}}

CASES = [
    P("item", "/item", ITEM),
    P("item-full-coerced", "/item", FULL),
    P("item-echo", "/item/echo", FULL),
    P("item-echo-min", "/item/echo", ITEM),
    P("item-extra-ignored", "/item", {**ITEM, "zzz": 1}),
    P("int-from-float-string", "/item", {**ITEM, "count": "3.0"}),
    P("int-from-float-exact", "/item", {**ITEM, "count": 3.0}),
    P("int-from-float-fraction", "/item", {**ITEM, "count": 3.5}),
    P("int-from-bool", "/item", {**ITEM, "count": True}),
    P("float-from-int-string", "/item", {**ITEM, "price": "7"}),
    P("float-from-bool", "/item", {**ITEM, "price": False}),
    P("str-from-int", "/item", {"name": 12, "price": 1}),
    P("str-from-float", "/item", {"name": 1.25, "price": 1}),
    P("str-from-bool", "/item", {"name": False, "price": 1}),
    P("str-from-list", "/item", {"name": ["a"], "price": 1}),
    P("str-from-dict", "/item", {"name": {"a": 1}, "price": 1}),
    P("bool-strings", "/item", {**ITEM, "available": "off"}),
    P("bool-int-1", "/item", {**ITEM, "available": 1}),
    P("bool-int-2", "/item", {**ITEM, "available": 2}),
    P("bool-bad-string", "/item", {**ITEM, "available": "perhaps"}),
    P("bool-float", "/item", {**ITEM, "available": 1.0}),
    P("missing-name", "/item", {"price": 1}),
    P("missing-all", "/item", {}),
    P("null-required", "/item", {"name": None, "price": None}),
    P("null-optional", "/item", {**ITEM, "description": None, "image": None}),
    P("null-defaulted", "/item", {**ITEM, "count": None}),
    P("wrong-types-all", "/item", {"name": [], "price": "x", "count": "y", "available": "z", "description": [],
                                  "tags": "t", "image": "i"}),
    P("price-nan-string", "/item", {"name": "x", "price": "nan"}),
    P("price-inf", "/item", {"name": "x", "price": "inf"}),
    P("count-big", "/item", {**ITEM, "count": 10 ** 30}),
    P("count-negative-string", "/item", {**ITEM, "count": "-4"}),
    P("count-whitespace-string", "/item", {**ITEM, "count": " 4 "}),
    P("tags-items-wrong", "/item", {**ITEM, "tags": ["a", 1, None, {"x": 1}]}),
    P("tags-tuple-like", "/item", {**ITEM, "tags": "abc"}),
    P("image-missing-url", "/item", {**ITEM, "image": {}}),
    P("image-wrong-type", "/item", {**ITEM, "image": [1]}),
    P("image-nested-errors", "/item", {**ITEM, "image": {"url": None, "width": "w", "height": "h"}}),
    P("not-an-object", "/item", [ITEM]),
    P("string-body", "/item", "x"),
    P("null-body", "/item", body=b"null", headers=JSON),
    P("no-body", "/item"),
    P("empty-body", "/item", body=b"", headers=JSON),
    P("bad-json", "/item", body=b'{"name": "x",}', headers=JSON),
    P("text-plain", "/item", body=b'{"name":"x","price":1}', headers={"Content-Type": "text/plain"}),
    P("with-path", "/item/3?q=a", ITEM),
    P("with-path-all-wrong", "/item/x", {"price": "y"}),
    P("order", "/order", {"id": 1, "items": [ITEM, FULL], "meta": {"a": "2"}, "ratios": [1, "2.5"],
                          "flags": {"x": "yes", "y": 0}}),
    P("order-deep-errors", "/order", {"id": "x", "items": [ITEM, {"name": "n"}, {"price": 1, "image": {"width": []}}],
                                      "meta": {"a": "b", "c": 1}, "ratios": ["r"], "flags": {"f": "maybe"}}),
    P("order-items-not-list", "/order", {"id": 1, "items": ITEM}),
    P("order-meta-not-dict", "/order", {"id": 1, "items": [], "meta": [1]}),
    P("items", "/items", [ITEM, FULL]),
    P("items-errors", "/items", [ITEM, {}, "x"]),
    P("items-not-list", "/items", ITEM),
    P("embed", "/embed", {"item": ITEM}),
    P("embed-bare", "/embed", ITEM),
    P("embed-bad", "/embed", {"item": {"name": 1}}),
    P("optional-absent", "/optional"),
    P("optional-present", "/optional", ITEM),
    P("optional-bad", "/optional", {"price": "x"}),
]

# Where pydantic 1 leans on Python's int()/float()/str(): the C++ validator must do the same.
CASES += [
    P("int-from-underscore-string", "/item", {**ITEM, "count": "1_000"}),
    P("int-from-unicode-digits", "/item", {**ITEM, "count": "\u0663"}),
    P("int-from-exp-string", "/item", {**ITEM, "count": "1e3"}),
    P("int-from-big-float", "/item", {**ITEM, "count": 1e20}),
    P("int-from-float-overflow", "/item", body=b'{"name": "x", "price": 1, "count": 1e400}', headers=JSON),
    P("int-from-nan", "/item", body=b'{"name": "x", "price": 1, "count": NaN}', headers=JSON),
    P("int-from-empty-string", "/item", {**ITEM, "count": ""}),
    P("int-from-negative-float", "/item", {**ITEM, "count": -2.7}),
    P("float-from-underscore-string", "/item", {"name": "x", "price": "1_000.5"}),
    P("float-from-nan-literal-500", "/item", body=b'{"name": "x", "price": NaN}', headers=JSON),
    P("float-from-infinity-literal-500", "/item", body=b'{"name": "x", "price": -Infinity}', headers=JSON),
    P("float-from-big-int", "/item", {"name": "x", "price": 2 ** 64}),
    P("float-from-huge-int-500", "/item", {"name": "x", "price": 10 ** 400},
      deliberate=(422, {"detail": [{"loc": ["body", "price"], "msg": "value is not a valid float",
                                    "type": "type_error.float"}]}),
      deliberate_fastapi_status=500,
      note="pydantic 1 lets float(10**400)'s OverflowError escape, so FastAPI answers 500; we answer 422"),
    P("float-from-spaces-string", "/item", {"name": "x", "price": " 2.5 "}),
    P("float-from-empty-string", "/item", {"name": "x", "price": ""}),
    P("str-from-big-int", "/item", {"name": 10 ** 30, "price": 1}),
    P("str-from-exp-float", "/item", body=b'{"name": 1e100, "price": 1}', headers=JSON),
    P("str-from-neg-zero", "/item", body=b'{"name": -0.0, "price": 1}', headers=JSON),
    P("str-unicode-escapes", "/item/echo", body=b'{"name": "\\u00e9\\ud83d\\ude00\\n", "price": 1}', headers=JSON),
    P("bool-from-upper", "/item", {**ITEM, "available": "TRUE"}),
    P("bool-from-padded", "/item", {**ITEM, "available": " true"}),
    P("bool-from-0.0", "/item", {**ITEM, "available": 0.0}),
    P("bool-from-0.5", "/item", {**ITEM, "available": 0.5}),
    P("bool-from-list", "/item", {**ITEM, "available": []}),
    P("bool-from-null", "/item", {**ITEM, "available": None}),
    P("tags-from-tuple-dict", "/item", {**ITEM, "tags": {"a": 1}}),
    P("tags-from-numbers", "/item", {**ITEM, "tags": [1, 2.5, True]}),
    P("duplicate-keys", "/item", body=b'{"name": "a", "name": "b", "price": 1}', headers=JSON),
    P("order-dict-bool-keys", "/order", {"id": 1, "items": [], "meta": {"1": 1.0, "b": True}, "flags": {"k": "on"}}),
    P("order-dict-float-fraction", "/order", {"id": 1, "items": [], "meta": {"a": 1.5}}),
    P("order-nested-nulls", "/order", {"id": 1, "items": [None, {**ITEM, "image": None}], "ratios": [None]}),
]

CASES.append(openapi_case())
