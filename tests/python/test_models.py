"""turboapi.Model against pydantic 1.10: the same class bodies, defined once on each base, must
accept the same data with the same resulting values (types included) and refuse the same data with
the same errors() (loc, msg, type, ctx, in order); .dict()/.schema() and FastAPI's JSON of an
instance must match too.

Run: /usr/bin/python3 -m pytest tests/python/test_models.py
"""

import copy
import json
import math
import os
import pickle
import sys
from enum import Enum, IntEnum
from types import SimpleNamespace
import datetime
import decimal
import uuid
from typing import Any, Dict, List, Literal, Optional, Set, Tuple, Union

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

import pydantic  # noqa: E402
from fastapi.encoders import jsonable_encoder as fastapi_jsonable_encoder  # noqa: E402

from turboapi import _native  # noqa: E402
from turboapi.models import Field, Model, ValidationError  # noqa: E402


class Color(str, Enum):
    red = "red"
    green = "green"


class Plain(Enum):
    a = 1
    b = "x"


class Num(IntEnum):
    one = 1
    two = 2


def define(Base, Field):
    """The models of this file, written once; called with pydantic's and with turboapi's names."""

    class User(Base):
        """A user.

        With a longer description."""

        name: str
        age: int = Field(0, ge=0)

    class Item(Base):
        name: str
        price: float
        tags: List[str] = []
        owner: Optional[User] = None
        meta: dict = Field(default_factory=dict)
        count: int = Field(0, ge=0, lt=100)
        code: str = Field(..., min_length=2, max_length=8, regex="^[a-z]+$", alias="c")

    class Scalars(Base):
        s: str
        i: int
        f: float
        b: bool
        a: Any

    class Optionals(Base):
        os: Optional[str]
        oi: Optional[int] = 5
        ou: User | None = None
        ol: Optional[List[int]] = None
        on: int = None
        req: Optional[str] = Field(...)

    class Containers(Base):
        l: list = []
        li: List[int] = []
        ll: List[List[int]] = []
        d: dict = {}
        dsi: Dict[str, int] = {}
        dl: Dict[str, List[User]] = {}
        lu: List[User] = []
        lo: List[Optional[int]] = []
        bare_list: List = []
        bare_dict: Dict = {}
        dik: Dict[int, str] = {}
        dck: Dict[Color, Optional[int]] = {}

    class Enums(Base):
        c: Color
        p: Plain = Plain.a
        n: Optional[Num] = None
        lc: List[Color] = []

    class Cons(Base):
        g: int = Field(1, gt=0)
        ge: float = Field(0.5, ge=0.5)
        lt: int = Field(0, lt=10)
        le: float = Field(0, le=1.5)
        both: int = Field(5, gt=0, lt=10)
        s: str = Field("ab", min_length=2, max_length=4)
        r: str = Field("a", regex=r"^a+\d*$")
        mo: float = Field(0, multiple_of=0.5)
        mi: int = Field(0, multiple_of=3)
        li: List[int] = Field([1], min_items=1, max_items=3)
        ls: List[str] = Field([], min_length=2)
        os: Optional[str] = Field(None, max_length=3)
        ds: Dict[str, int] = Field({}, ge=0)

    class Aliased(Base):
        user_id: int = Field(..., alias="userId")
        x: str = Field("d", alias="X", title="The X", description="An x.")
        plain: int = 0

    class Defaults(Base):
        l: list = [1]
        d: dict = {"a": [1]}
        f: List[int] = Field(default_factory=lambda: [1, 2])
        t: Any = (1, 2)
        u: User = None
        c: Color = Color.green

    class Configured(Base):
        class Config:
            extra = "forbid"
            allow_population_by_field_name = True
            title = "Configured one"
            schema_extra = {"example": {"userId": 1}}

        user_id: int = Field(..., alias="userId")
        name: str = "n"
        sub: Optional[User] = None

    class Extras(Base):
        u: Union[int, str] = 0
        s: set = set()
        si: Set[int] = set()
        t: Tuple[int, ...] = ()
        tf: Tuple[int, str] = (0, "")
        by: bytes = b""
        lit: Literal["a", "b"] = "a"
        dt: datetime.datetime = None
        d: datetime.date = None
        uid: uuid.UUID = None
        dec: decimal.Decimal = None
        ou: Optional[Union[int, List[str]]] = None
        lu: List[Union[int, Color]] = []
        cu: Union[int, str] = Field(0, gt=0)

    class Node(Base):
        value: int
        children: List["Node"] = []

    if Base is pydantic.BaseModel:
        Node.update_forward_refs(Node=Node)

    class Wrapper(Base):
        item: Item
        items: List[Item] = []
        by_name: Dict[str, Item] = {}

    return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, type) and k != "Base"})


P = define(pydantic.BaseModel, pydantic.Field)
T = define(Model, Field)


def show(v):
    """repr with types, so 1 and 1.0 and True differ; nested models by their fields."""
    if isinstance(v, (pydantic.BaseModel, Model)):
        return (type(v).__name__, show(v.dict()))
    if isinstance(v, dict):
        return {k: show(x) for k, x in v.items()}, list(v)
    if isinstance(v, (list, tuple)):
        return type(v).__name__, [show(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return "float", "nan"
    return type(v).__name__, repr(v)


def pydantic_result(name, data):
    cls = getattr(P, name)
    try:
        m = cls.validate(data)
    except pydantic.ValidationError as e:
        return None, e.errors()
    except pydantic.errors.DictError:
        return None, [{"loc": (), "msg": "value is not a valid dict", "type": "type_error.dict"}]
    return m, None


def check(name, data):
    pm, perrors = pydantic_result(name, copy.deepcopy(data))
    tm, terrors = _native.validate_model(getattr(T, name), copy.deepcopy(data))
    assert terrors == perrors
    if pm is None:
        assert tm is None
        return
    assert show(tm.model_dump()) == show(pm.dict())
    assert list(tm.__dict__) == list(pm.__dict__)
    assert tm.model_fields_set == pm.__fields_set__
    # The same through Model(**data) and model_validate.
    if isinstance(data, dict):
        assert show(getattr(T, name)(**copy.deepcopy(data)).model_dump()) == show(pm.dict())
        assert show(getattr(T, name).model_validate(copy.deepcopy(data)).model_dump()) == show(pm.dict())


# Values every scalar field is tried with.
VALUES = [
    "x",
    "",
    "42",
    " 42 ",
    "4_2",
    "-7",
    "1.5",
    "1e3",
    "nan",
    "inf",
    "-0",
    "yes",
    "Off",
    "T",
    "y",
    "N",
    "TRUE",
    "2",
    "ünïcödé",
    "😀",
    "١٢",
    0,
    1,
    2,
    -1,
    1.0,
    0.0,
    -0.0,
    1.5,
    -2.7,
    float("nan"),
    float("inf"),
    float("-inf"),
    10**30,
    -(10**30),
    2**63,
    True,
    False,
    None,
    [],
    {},
    [1],
    {"a": 1},
    [["name", "x"]],
    "1" * 4300,
    "1" * 4301,
    b"yes",
]

SCALAR_OK = {"s": "v", "i": 1, "f": 1.0, "b": True, "a": None}


@pytest.mark.parametrize("field", ["s", "i", "f", "b", "a"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_scalars(field, value):
    check("Scalars", {**SCALAR_OK, field: value})


def test_scalars_missing_and_extra():
    check("Scalars", {})
    check("Scalars", {"s": "x", "extra": 1, "i": 2, "f": 3, "b": 0})
    check("Scalars", {"a": [1, {"b": None}], "s": "x", "i": 2, "f": 3, "b": "no"})


@pytest.mark.parametrize(
    "data",
    [
        {"req": None},
        {"req": "x"},
        {},
        {"req": "x", "os": None, "oi": None, "ou": None, "ol": None, "on": None},
        {"req": "x", "os": 1, "oi": "7", "ou": {"name": "u"}, "ol": [1, "2"], "on": 3},
        {"req": "x", "ou": {}, "ol": [None], "on": "x"},
        {"req": "x", "ou": [], "ol": "x"},
        {"req": 5, "ou": {"name": None}},
    ],
    ids=repr,
)
def test_optionals(data):
    check("Optionals", data)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"l": [1, "a", None], "li": [1, "2", 3.7], "ll": [[1], [2, "3"]], "d": {"a": 1}, "dsi": {"a": "1"}},
        {"l": (1, 2), "li": {1, 2}, "lo": [None, 1, "2"]},
        {"l": "abc", "li": "123", "d": [], "dsi": []},
        {"l": {"a": 1}, "d": [["a", 1], ["b", 2]], "dsi": [["a", "1"]]},
        {"d": [1, 2], "dsi": {"a": "x", "b": 1, "c": None}},
        {"li": [1, "x", None, 2.5, "y"]},
        {"ll": [[1, "x"], "y", [None]]},
        {"dl": {"a": [{"name": "x"}, {"age": -1}], "b": {}}},
        {"lu": [{"name": "a"}, "x", {"name": "b", "age": "2"}, None]},
        {"l": None, "li": None, "d": None, "dsi": None, "lu": None},
        {"bare_list": [1, "a"], "bare_dict": {"a": [1]}},
        {"bare_list": "x", "bare_dict": "x"},
        {"li": [True, False, 10**20]},
        {"dik": {"1": "a", "x": "b", "2": 3, " 3 ": None}, "dck": {"red": None, "blue": 1, "green": "x"}},
        {"dik": {"1": "a", "02": "b"}, "dck": {"red": "1"}},
    ],
    ids=repr,
)
def test_containers(data):
    check("Containers", data)


@pytest.mark.parametrize(
    "data",
    [
        {"c": "red"},
        {"c": "blue"},
        {"c": "RED"},
        {"c": 1},
        {"c": None},
        {"c": [], "p": []},
        {"c": "green", "p": 1, "n": 2},
        {"c": "green", "p": "x", "n": "1"},
        {"c": "green", "p": "1", "n": 3},
        {"c": "green", "p": 2, "n": "x"},
        {"c": "green", "n": 1.0, "p": 1.0},
        {"c": "green", "n": True},
        {"c": "red", "lc": ["red", "green", "x", 1]},
    ],
    ids=repr,
)
def test_enums(data):
    check("Enums", data)


CONS_VALUES = [0, 1, -1, 0.5, 0.49, 1.5, 1.51, 9, 10, 10.0, 3, 6, 4.5, 1.25, "ab", "abcde", "a", "", "a1", "aa22",
               "ba", "a\n", "ääää", "ääääa", "😀😀", float("nan"), None, [1, 2, 3, 4], [], ["ab", "a"], {"a": -1}]


@pytest.mark.parametrize("field", ["g", "ge", "lt", "le", "both", "s", "r", "mo", "mi", "li", "ls", "os", "ds"])
@pytest.mark.parametrize("value", CONS_VALUES, ids=repr)
def test_constraints(field, value):
    check("Cons", {field: value})


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "price": 9.99, "tags": ["a", "b"], "c": "ab"},
        {"name": "x", "price": "9.99", "c": "abcdefgh", "owner": {"name": "o", "age": "3"}},
        {"name": "x", "price": 1, "c": "abcdefghi"},
        {"name": "x", "price": 1, "c": "AB"},
        {"name": "x", "price": 1, "code": "ab"},
        {"name": "x", "price": 1, "c": "ab", "count": 100},
        {"name": "x", "price": 1, "c": "ab", "count": 99.9},
        {"name": "x", "price": 1, "c": "ab", "count": "-1"},
        {"name": "x", "price": 1, "c": "ab", "owner": {"name": "o", "age": -5}},
        {"name": "x", "price": 1, "c": "ab", "owner": "o"},
        {"name": "x", "price": 1, "c": "ab", "owner": [["name", "z"]]},
        {"name": "x", "price": 1, "c": "ab", "meta": {"k": [1]}, "tags": ("a",)},
        {"name": ["x"], "price": None, "c": 12, "tags": [1, 2.5, True, None]},
        {},
        [],
        "x",
        None,
        5,
        [["name", "x"], ["price", 1], ["c", "ab"]],
    ],
    ids=repr,
)
def test_item(data):
    check("Item", data)


@pytest.mark.parametrize(
    "data",
    [
        {"userId": 1},
        {"user_id": 1},
        {"userId": "x", "X": 5},
        {"userId": 1, "x": "ignored", "X": "used"},
    ],
    ids=repr,
)
def test_aliases(data):
    check("Aliased", data)


def test_nested_and_recursive():
    item = {"name": "x", "price": 1, "c": "ab", "owner": {"name": "o"}}
    check("Wrapper", {"item": item, "items": [item, {**item, "price": "x"}, {}], "by_name": {"a": item, "b": 1}})
    check("Wrapper", {"item": {**item, "owner": {"age": "x"}}})
    check("Node", {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}, {"value": 3}]}]})
    check("Node", {"value": 1, "children": [{"value": 2, "children": [{"value": 4}]}]})


def test_defaults_are_copied_per_instance():
    a, _ = _native.validate_model(T.Defaults, {})
    b, _ = _native.validate_model(T.Defaults, {})
    check("Defaults", {})
    check("Defaults", {"u": None, "c": "red"})
    assert a.l == [1] and a.l is not b.l and a.d is not b.d and a.d["a"] is not b.d["a"]
    assert a.f == [1, 2] and a.f is not b.f
    a.l.append(2)
    assert T.Defaults().l == [1]
    i1, i2 = T.Item(name="x", price=1, c="ab"), T.Item(name="x", price=1, c="ab")
    assert i1.tags is not i2.tags and i1.meta is not i2.meta


def test_big_numbers():
    check("Scalars", {**SCALAR_OK, "i": 10**400})
    check("Scalars", {**SCALAR_OK, "s": 10**400 if False else 10**100})
    # pydantic 1 lets float(10**400)'s OverflowError escape (a 500 in FastAPI); this is a 422.
    _, errors = _native.validate_model(T.Scalars, {**SCALAR_OK, "f": 10**400})
    assert errors == [{"loc": ("f",), "msg": "value is not a valid float", "type": "type_error.float"}]


def test_model_instances_as_values():
    u = T.User(name="u", age=1)
    i = T.Item(name="x", price=1, c="ab", owner=u)
    assert i.owner == u and i.owner is not u  # pydantic 1 copies (copy_on_model_validation)
    pu = P.User(name="u", age=1)
    assert show(P.Item(name="x", price=1, c="ab", owner=pu).dict()) == show(i.model_dump())
    w = T.Wrapper(item=i, items=[i, {"name": "y", "price": 2, "c": "cd"}])
    assert w.items[0] == i and w.items[1].name == "y"


# ------------------------------------------------------------------------------------ the API


def test_init_errors_and_validation_error():
    with pytest.raises(ValidationError) as e:
        T.Item(name="x", price="p")
    with pytest.raises(pydantic.ValidationError) as pe:
        P.Item(name="x", price="p")
    assert e.value.errors() == pe.value.errors()
    assert str(e.value).splitlines()[0] == "2 validation errors for Item"
    assert isinstance(e.value, ValueError)


def test_model_validate_non_dict():
    for data in ([1], "x", None, 5):
        with pytest.raises(ValidationError) as e:
            T.Item.model_validate(data)
        with pytest.raises(pydantic.ValidationError) as pe:
            P.Item.parse_obj(data)
        assert e.value.errors() == pe.value.errors()
    assert T.Item.parse_obj({"name": "x", "price": 1, "c": "ab"}).name == "x"


def test_construct_setattr_eq_repr():
    i = T.Item.model_construct(name="x", price=1)
    p = P.Item.construct(name="x", price=1)
    assert show(i.model_dump()) == show(p.dict())
    assert i.model_fields_set == p.__fields_set__ == {"name", "price"}
    i.price = 2.5
    assert i.price == 2.5 and "price" in i.model_fields_set
    with pytest.raises(ValueError, match='"Item" object has no field "nope"'):
        i.nope = 1
    a = T.User(name="a")
    assert repr(a) == repr(P.User(name="a")) == "User(name='a', age=0)"
    assert str(a) == str(P.User(name="a"))
    assert a == T.User(name="a") and a != T.User(name="b") and a == {"name": "a", "age": 0}
    a.age = 5
    assert a.model_fields_set == {"name", "age"}
    assert T.User(name="a").model_fields_set == {"name"}
    assert T.User(name="a", age=1).model_fields_set == {"name", "age"}
    assert dict(T.User(name="a")) == {"name": "a", "age": 0}
    assert not hasattr(T.Item, "name")  # defaults are not class attributes
    assert not hasattr(T.Item, "__fields__")


class Pickled(Model):
    name: str
    owner: Optional[T.User] = None


def test_copy_pickle():
    i = T.Item(name="x", price=1, c="ab", owner={"name": "o"})
    for c in (copy.copy(i), copy.deepcopy(i), i.copy(), i.model_copy(deep=True)):
        assert c == i and c is not i and c.model_fields_set == i.model_fields_set
    assert copy.deepcopy(i).owner is not i.owner
    assert i.model_copy(update={"name": "y"}).name == "y"
    p = Pickled(name="p")
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.model_fields_set == {"name"}


DUMP_ARGS = [
    {},
    {"by_alias": True},
    {"exclude_unset": True},
    {"exclude_none": True},
    {"exclude_defaults": True},
    {"include": {"name", "owner"}},
    {"exclude": {"tags", "c", "code"}},
    {"include": {"owner": {"name"}, "tags": {0}}},
    {"exclude": {"owner": {"age"}, "tags": {1}}},
    {"exclude": {"items": {"__all__": {"owner"}}}},
    {"include": {"items": {0: {"name"}}, "item": True}},
    {"by_alias": True, "exclude_unset": True, "exclude_none": True},
]


@pytest.mark.parametrize("args", DUMP_ARGS, ids=repr)
def test_dump_options(args):
    item = {"name": "x", "price": 1, "c": "ab", "tags": ["a", "b"], "owner": {"name": "o"}}
    data = {"item": item, "items": [item, {**item, "owner": None}]}
    for name, d in (("Item", item), ("Wrapper", data)):
        tm, _ = _native.validate_model(getattr(T, name), d)
        pm = getattr(P, name).parse_obj(d)
        assert show(tm.model_dump(**args)) == show(pm.dict(**args))
        assert show(tm.dict(**args)) == show(pm.dict(**args))


def fastapi_json(m):
    # What FastAPI sends for a returned model: jsonable_encoder (by alias), then compact JSON.
    return json.dumps(fastapi_jsonable_encoder(m), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "name, data",
    [
        ("Item", {"name": "x ü \"q\" \n", "price": 1, "c": "ab", "tags": ["a"], "owner": {"name": "o"}}),
        ("Aliased", {"userId": 3, "X": "y"}),
        ("Enums", {"c": "red", "n": 2, "lc": ["green"]}),
        ("Defaults", {}),
        ("Node", {"value": 1, "children": [{"value": 2}]}),
        ("Containers", {"lu": [{"name": "a"}], "dl": {"k": [{"name": "b"}]}, "d": {"x": None}}),
    ],
)
def test_json_matches_fastapi(name, data):
    tm, _ = _native.validate_model(getattr(T, name), data)
    pm = getattr(P, name).parse_obj(data)
    assert _native.dumps(tm).decode() == fastapi_json(pm)
    assert _native.dumps({"wrapped": [tm]}).decode() == fastapi_json({"wrapped": [pm]})
    # model_dump_json: by name by default, like model_dump.
    expected = json.dumps(fastapi_jsonable_encoder(pm.dict()), ensure_ascii=False, separators=(",", ":"))
    assert tm.model_dump_json() == expected
    assert tm.json() == expected


@pytest.mark.parametrize("name", sorted(vars(P)))
def test_schema(name):
    assert json.dumps(getattr(T, name).model_json_schema()) == json.dumps(getattr(P, name).schema())
    assert getattr(T, name).schema(by_alias=False) == getattr(P, name).schema(by_alias=False)


def test_schema_ref_template():
    t = T.Wrapper.model_json_schema(ref_template="#/components/schemas/{model}")
    p = P.Wrapper.schema(ref_template="#/components/schemas/{model}")
    assert t == p


# ------------------------------------------------------------------------------ class creation


def test_pattern_alias_and_annotated():
    from typing import Annotated

    class A(Model):
        a: str = Field("x", pattern="^x")
        b: Annotated[int, Field(gt=1)] = 5

    assert A(a="xy").a == "xy"
    _, errors = _native.validate_model(A, {"a": "y", "b": 1})
    assert [e["type"] for e in errors] == ["value_error.str.regex", "value_error.number.not_gt"]


def test_unsupported_and_unenforced():
    with pytest.raises(ValueError, match="not enforced: gt"):

        class B(Model):
            a: str = Field("x", gt=1)

    with pytest.raises(TypeError):
        _native.validate_model(dict, {})
    with pytest.raises(TypeError):
        _native.validate_model(Model, {})


def test_forward_reference_resolved_on_first_use():
    class Early(Model):
        later: "Later"  # noqa: F821 - defined below, at module level of this test's namespace

    global Later

    class Later(Model):
        x: int

    assert Early(later={"x": 1}).later.x == 1
    del Later


def test_inheritance():
    class Base(Model):
        a: int
        b: str = "b"

    class Child(Base):
        c: float = 1.0
        b: str = "child"

    assert list(Child(a=1).model_dump()) == ["a", "b", "c"]
    assert Child(a=1).b == "child" and Base(a=1).b == "b"
    assert list(Base(a=1).model_dump()) == ["a", "b"]


def test_model_fields():
    f = T.Item.model_fields
    assert list(f) == ["name", "price", "tags", "owner", "meta", "count", "code"]
    assert f["code"].alias == "c" and f["code"].is_required() and not f["tags"].is_required()
    assert f["owner"].annotation == Optional[T.User]


def test_loc_prefix():
    _, errors = _native.validate_model(T.Item, {"name": "x", "price": "p", "c": "ab"}, ("body",))
    assert errors == [{"loc": ("body", "price"), "msg": "value is not a valid float", "type": "type_error.float"}]
    _, errors = _native.validate_model(T.Item, "x", ("body",))
    assert errors == [{"loc": ("body",), "msg": "value is not a valid dict", "type": "type_error.dict"}]


def test_postponed_annotations():
    import types

    module = types.ModuleType("postponed_models")
    sys.modules[module.__name__] = module
    ns = module.__dict__
    exec(
        "from __future__ import annotations\n"
        "from typing import Optional\n"
        "from turboapi.models import Model, Field\n"
        "class Leaf(Model):\n"
        "    x: int = Field(0, ge=0)\n"
        "class Tree(Model):\n"
        "    leaves: list[Leaf] = []\n"
        "    best: Optional[Leaf] = None\n"
        "    kids: list[Tree] = []\n",
        ns,
    )
    t = ns["Tree"](leaves=[{"x": 1}], best={"x": "2"}, kids=[{"kids": [{}]}])
    assert t.best.x == 2 and t.kids[0].kids[0].leaves == []
    _, errors = _native.validate_model(ns["Tree"], {"kids": [{"best": {"x": -1}}]})
    assert errors[0]["loc"] == ("kids", 0, "best", "x")


def test_dump_of_constructed_instance_skips_missing_fields():
    i = T.Item.model_construct(name="x")
    assert _native.dumps(i) == b'{"name":"x","tags":[],"owner":null,"meta":{},"count":0}'
    assert i.model_fields == T.Item.model_fields


def test_instances_are_garbage_collected():
    import gc
    import weakref

    u = T.Node(value=1)
    u.children = [u]  # a cycle through the instance's __dict__
    r = weakref.ref(u)
    del u
    gc.collect()
    assert r() is None


@pytest.mark.parametrize(
    "data",
    [
        {"userId": 1},
        {"user_id": 1},
        {"userId": 1, "user_id": 2},
        {"user_id": 1, "x": 2},
        {"userId": "a", "zzz": 1},
        {},
        {"userId": 1, "sub": {"name": "x", "extra": 1}},
        {"user_id": "1", "name": 2},
    ],
    ids=repr,
)
def test_config(data):
    check("Configured", data)


def test_config_many_extra_keys_and_model_config():
    data = {"a": 1, "userId": 1, "b": 2, "c": 3}
    _, perrors = pydantic_result("Configured", data)
    _, terrors = _native.validate_model(T.Configured, data)
    key = lambda e: e["loc"]  # noqa: E731 - pydantic lists them in set order
    assert sorted(terrors, key=key) == sorted(perrors, key=key)
    assert [e["loc"] for e in terrors] == [("a",), ("b",), ("c",)]  # here: input order

    class V2(Model):
        model_config = {"populate_by_name": True, "extra": "forbid", "title": "V2"}
        user_id: int = Field(..., alias="userId")

    assert V2(user_id=1).user_id == 1 and V2.model_json_schema()["title"] == "V2"
    with pytest.raises(ValidationError):
        V2(userId=1, other=2)
    with pytest.raises(TypeError, match="not supported"):

        class Allow(Model):
            model_config = {"extra": "allow"}
            a: int


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"u": "1", "s": [1, "a"], "si": ["1", 2], "t": [1, "2"], "tf": ["1", 2], "by": "x", "lit": "b"},
        {"u": [], "si": ["x"], "t": "x", "tf": [1], "by": 5, "lit": "c"},
        {"dt": "2020-01-02T03:04:05Z", "d": "2020-01-02", "uid": "12345678-1234-5678-1234-567812345678", "dec": "1.5"},
        {"dt": "x", "d": 5, "uid": "x", "dec": "x"},
        {"ou": "x", "lu": [1, "red", "x", None]},
        {"ou": ["a", 1], "lu": "x"},
        {"cu": "x"},
        {"cu": -1},
        {"cu": 5},
        {"u": None, "dt": None},
    ],
    ids=repr,
)
def test_types_checked_in_python(data):
    check("Extras", data)


def test_validation_error_text_matches_pydantic():
    data = {"name": "x", "price": "p", "c": "A", "count": -1, "owner": {"age": "z"}}
    with pytest.raises(ValidationError) as e:
        T.Item(**data)
    with pytest.raises(pydantic.ValidationError) as pe:
        P.Item(**data)
    assert str(e.value) == str(pe.value)
