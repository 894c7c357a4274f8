"""Request bodies: JSON dicts, lists, pydantic models (nested, lists, Optional, defaults), several
bodies, Body(embed=True), dataclasses; and every way a body can be wrong."""

from harness import Case

JSON = {"Content-Type": "application/json"}


def P(name, path, json_=None, method="POST", **kw):
    if json_ is not None:
        kw["json"] = json_
    return Case(name=name, path=path, method=method, **kw)


ITEM = {"name": "Foo", "price": 35.4}
ITEM_FULL = {"name": "Bar", "price": 62, "description": "The bartenders", "tax": 20.2, "tags": ["a", "b"],
             "image": {"url": "http://x/y.png"}}
USER = {"username": "dave", "age": 40}
ORDER = {"id": 1, "items": [ITEM, ITEM_FULL], "owner": USER, "notes": {"x": 1}}

CASES = [
    # plain JSON
    P("dict", "/dict", {"a": 1, "b": [1, 2, {"c": None}], "é": "ü", "f": 1.5, "t": True}),
    P("dict-empty", "/dict", {}),
    P("dict-given-list", "/dict", [1, 2]),
    P("dict-given-string", "/dict", "x"),
    P("dict-given-null", "/dict", body=b"null", headers=JSON),
    P("dict-bad-json", "/dict", body=b'{"a": 1', headers=JSON),
    P("dict-bad-json-trailing", "/dict", body=b'{"a": 1}x', headers=JSON),
    P("dict-bad-json-single-quotes", "/dict", body=b"{'a': 1}", headers=JSON),
    P("dict-empty-body-json-ctype", "/dict", body=b"", headers=JSON),
    P("dict-no-body", "/dict"),
    P("dict-no-content-type", "/dict", body=b'{"a":1}'),
    P("dict-text-plain", "/dict", body=b'{"a":1}', headers={"Content-Type": "text/plain"}),
    P("dict-json-charset", "/dict", body=b'{"a":1}', headers={"Content-Type": "application/json; charset=utf-8"}),
    P("dict-vnd-json", "/dict", body=b'{"a":1}', headers={"Content-Type": "application/vnd.api+json"}),
    P("dict-form-ctype", "/dict", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}),
    P("dict-nan", "/dict", body=b'{"a": NaN}', headers=JSON),
    P("dict-big-int", "/dict", body=b'{"a": 12345678901234567890123}', headers=JSON),
    P("dict-unicode-escape", "/dict", body=b'{"a": "\\u00e9\\ud83d\\ude00"}', headers=JSON),
    P("dict-invalid-utf8", "/dict", body=b'{"a": "\xff"}', headers=JSON),
    P("dict-whitespace", "/dict", body=b' \r\n {"a" : 1 } \n', headers=JSON),
    P("dict-typed", "/dict-typed", {"a": 1, "b": "2"}),
    P("dict-typed-bad-values", "/dict-typed", {"a": "x", "b": 2, "c": [1]}),
    P("list", "/list", [1, "a", None, {"b": 2}]),
    P("list-empty", "/list", []),
    P("list-given-dict", "/list", {"a": 1}),
    P("list-int", "/list-int", [1, 2, "3"]),
    P("list-int-bad-items", "/list-int", [1, "x", 2.5, None]),
    P("list-int-missing", "/list-int"),
    P("any-dict", "/any", {"x": 1}),
    P("any-number", "/any", 5),
    P("any-missing", "/any"),
    P("optional-dict-none", "/optional-dict"),
    P("optional-dict-set", "/optional-dict", {"k": "v"}),
    P("optional-dict-null", "/optional-dict", body=b"null", headers=JSON),
    # one model
    P("item", "/item", ITEM),
    P("item-full", "/item", ITEM_FULL),
    P("item-price-string-number", "/item", {"name": "x", "price": "3.5"}),
    P("item-extra-fields-ignored", "/item", {**ITEM, "extra": 1}),
    P("item-missing-field", "/item", {"name": "x"}),
    P("item-missing-all", "/item", {}),
    P("item-wrong-types", "/item", {"name": ["x"], "price": "cheap", "tags": "notalist"}),
    P("item-null-required", "/item", {"name": None, "price": None}),
    P("item-nested-error", "/item", {**ITEM, "image": {"width": "wide"}}),
    P("item-list-item-error", "/item", {**ITEM, "tags": ["a", {"b": 1}, "c", ["d"]]}),
    P("item-given-list", "/item", [ITEM]),
    P("item-given-number", "/item", 3),
    P("item-no-body", "/item"),
    P("item-empty-body", "/item", body=b"", headers=JSON),
    P("item-bad-json", "/item", body=b'{"name": "x", "price": }', headers=JSON),
    P("item-text-plain", "/item", body=b'{"name":"x","price":1}', headers={"Content-Type": "text/plain"}),
    P("item-no-content-type", "/item", body=b'{"name":"x","price":1}'),
    P("item-int-price-stays-float", "/item", {"name": "x", "price": 1}),
    P("item-bool-name", "/item", {"name": True, "price": 1}),
    P("item-put", "/item/5?q=z", ITEM_FULL, method="PUT"),
    P("item-put-all-wrong", "/item/x", {"price": "y"}, method="PUT"),
    P("item-summary", "/item/summary", ITEM_FULL),
    P("item-optional-none", "/item/optional"),
    P("item-optional-set", "/item/optional", ITEM),
    P("item-optional-bad", "/item/optional", {"name": 1}),
    # nested
    P("order", "/order", ORDER),
    P("order-deep-errors", "/order", {"id": "one", "items": [ITEM, {"name": "x", "price": "y", "image": {}}],
                                      "owner": {"age": -1}, "notes": {"a": "b"}}),
    P("order-items-not-list", "/order", {"id": 1, "items": {"a": ITEM}, "owner": USER}),
    P("order-missing-nested", "/order", {"id": 1}),
    P("items", "/items", [ITEM, ITEM_FULL]),
    P("items-empty", "/items", []),
    P("items-one-bad", "/items", [ITEM, {"price": 1}, ITEM]),
    P("items-given-dict", "/items", ITEM),
    # several body parameters
    P("two", "/two", {"item": ITEM, "user": USER}),
    P("two-missing-one", "/two", {"item": ITEM}),
    P("two-flat-not-embedded", "/two", {**ITEM, **USER}),
    P("two-empty", "/two", {}),
    P("two-no-body", "/two"),
    P("two-bad-inner", "/two", {"item": {"name": "x"}, "user": {"username": 3, "age": "old"}}),
    P("two-and-scalar", "/two-and-scalar", {"item": ITEM, "user": USER, "importance": 5}),
    P("two-and-scalar-bad", "/two-and-scalar", {"item": ITEM, "user": USER, "importance": "high"}),
    P("two-and-scalar-missing", "/two-and-scalar", {"item": ITEM, "user": USER}),
    P("embed", "/embed", {"item": ITEM}),
    P("embed-not-embedded", "/embed", ITEM),
    P("embed-bad", "/embed", {"item": {"name": "x"}}),
    P("embed-scalar", "/embed-scalar", {"value": 3}),
    P("embed-scalar-bare", "/embed-scalar", 3),
    P("embed-scalar-bad", "/embed-scalar", {"value": "x"}),
    P("body-scalars", "/body-scalars", {"a": 1, "b": "x", "c": 2}),
    P("body-scalars-defaults", "/body-scalars", {"a": 1}),
    P("body-scalars-missing", "/body-scalars", {"b": "x"}),
    P("body-scalars-bad", "/body-scalars", {"a": "x", "c": "y"}),
    P("body-alias", "/body-alias", {"the-value": 3}),
    P("body-alias-by-name", "/body-alias", {"v": 3}),
    # constraints, extra=forbid, validators
    P("strict-ok", "/strict", {"code": "abc", "qty": 5, "ratio": 1}),
    P("strict-all-violated", "/strict", {"code": "ABCDE", "qty": 0, "ratio": 2}),
    P("strict-min-length", "/strict", {"code": "a", "qty": 99}),
    P("strict-regex", "/strict", {"code": "A1", "qty": 100}),
    P("strict-extra-forbidden", "/strict", {"code": "ab", "qty": 1, "other": 1, "more": 2}),
    P("validated-ok", "/validated", {"password": "a", "confirm": "a"}),
    P("validated-mismatch", "/validated", {"password": "a", "confirm": "b"}),
    # dataclass, dict of models
    P("dataclass", "/dataclass", {"name": "d", "qty": "3", "labels": ["x"]}),
    P("dataclass-defaults", "/dataclass", {"name": "d"}),
    P("dataclass-bad", "/dataclass", {"qty": "many", "labels": [1, [2]]}),
    P("dict-of-models", "/dict-of-models", {"a": USER, "b": {"username": "e"}}),
    P("dict-of-models-bad", "/dict-of-models", {"a": USER, "b": {"age": 1}}),
    # methods
    P("item-wrong-method", "/item", method="GET"),
]
