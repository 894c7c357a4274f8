"""Comparison app: path, query, header and cookie parameters (FastAPI vs TurboAPI, see tests/compare).

No Annotated[...] markers: the oracle, FastAPI 0.92, ignores Query()/Path()/Header() inside
Annotated (support came in FastAPI 0.95), so its answers there are not the behaviour to copy.
"""

import datetime
import decimal
import uuid
from enum import Enum
from typing import List, Optional, Union

from api_compat import Cookie, FastAPI, Header, Path, Query

app = FastAPI(title="params", version="1.0.0")


class Color(str, Enum):
    red = "red"
    green = "green"
    blue = "blue"


class Level(int, Enum):
    low = 1
    high = 2


# --- path -----------------------------------------------------------------------------------------


@app.get("/path/int/{v}")
def path_int(v: int):
    return {"v": v}


@app.get("/path/float/{v}")
def path_float(v: float):
    return {"v": v}


@app.get("/path/str/{v}")
def path_str(v: str):
    return {"v": v}


@app.get("/path/bool/{v}")
def path_bool(v: bool):
    return {"v": v}


@app.get("/path/enum/{color}")
def path_enum(color: Color):
    return {"color": color, "is_red": color is Color.red, "value": color.value}


@app.get("/path/intenum/{level}")
def path_intenum(level: Level):
    return {"level": level, "name": level.name}


@app.get("/path/file/{p:path}")
def path_path(p: str):
    return {"p": p}


@app.get("/path/two/{a}/{b}")
def path_two(a: int, b: str):
    return {"a": a, "b": b}


@app.get("/path/gt-le/{v}")
def path_gt_le(v: int = Path(gt=0, le=100)):
    return {"v": v}


@app.get("/path/ge-lt/{v}")
def path_ge_lt(v: float = Path(ge=0.5, lt=10)):
    return {"v": v}


@app.get("/path/len/{s}")
def path_len(s: str = Path(min_length=2, max_length=5)):
    return {"s": s}


@app.get("/path/regex/{s}")
def path_regex(s: str = Path(regex=r"^[a-z]+-\d+$")):
    return {"s": s}


# --- query ----------------------------------------------------------------------------------------


@app.get("/query/required")
def query_required(q: str):
    return {"q": q}


@app.get("/query/int")
def query_int(n: int):
    return {"n": n}


@app.get("/query/float")
def query_float(x: float):
    return {"x": x}


@app.get("/query/defaults")
def query_defaults(n: int = 5, s: str = "x", f: float = 1.5, b: bool = False):
    return {"n": n, "s": s, "f": f, "b": b}


@app.get("/query/optional")
def query_optional(q: Optional[str] = None, n: Optional[int] = None, u: Union[int, None] = None):
    return {"q": q, "n": n, "u": u}


@app.get("/query/bool")
def query_bool(b: bool):
    return {"b": b}


@app.get("/query/list")
def query_list(tag: List[str] = Query([])):
    return {"tag": tag}


@app.get("/query/list-int")
def query_list_int(n: Optional[List[int]] = Query(None)):
    return {"n": n}


@app.get("/query/list-required")
def query_list_required(n: List[int] = Query()):
    return {"n": n}


@app.get("/query/alias")
def query_alias(item_query: str = Query(alias="item-query")):
    return {"item_query": item_query}


@app.get("/query/constraints")
def query_constraints(n: int = Query(gt=1, lt=10), s: str = Query("aa", min_length=2, max_length=4),
                      f: float = Query(0.5, ge=0, le=1)):
    return {"n": n, "s": s, "f": f}


@app.get("/query/regex")
def query_regex(code: str = Query(regex="^[A-Z]{3}$")):
    return {"code": code}


@app.get("/query/enum")
def query_enum(color: Color, level: Level = Level.low):
    return {"color": color, "level": level}


@app.get("/query/many")
def query_many(a: int, b: float, c: bool, d: str):
    return {"a": a, "b": b, "c": c, "d": d}


@app.get("/query/async")
async def query_async(n: int, q: Optional[str] = None):
    return {"n": n, "q": q}


# --- headers --------------------------------------------------------------------------------------


@app.get("/header/basic")
def header_basic(x_token: str = Header(), x_num: Optional[int] = Header(None)):
    return {"x_token": x_token, "x_num": x_num}


@app.get("/header/user-agent")
def header_user_agent(user_agent: Optional[str] = Header(None)):
    return {"user_agent": user_agent}


@app.get("/header/no-convert")
def header_no_convert(x_raw: Optional[str] = Header(None, convert_underscores=False)):
    return {"x_raw": x_raw}


@app.get("/header/alias")
def header_alias(h: str = Header(alias="X-Alias")):
    return {"h": h}


@app.get("/header/list")
def header_list(x_tag: Optional[List[str]] = Header(None)):
    return {"x_tag": x_tag}


@app.get("/header/constrained")
def header_constrained(x_n: int = Header(ge=1), x_code: str = Header("abc", max_length=3)):
    return {"x_n": x_n, "x_code": x_code}


# --- cookies --------------------------------------------------------------------------------------


@app.get("/cookie/basic")
def cookie_basic(session: str = Cookie(), n: Optional[int] = Cookie(None)):
    return {"session": session, "n": n}


@app.get("/cookie/alias")
def cookie_alias(c: str = Cookie(alias="my-cookie")):
    return {"c": c}


@app.get("/cookie/constrained")
def cookie_constrained(n: int = Cookie(gt=0)):
    return {"n": n}


# --- all sources at once (error order) ------------------------------------------------------------


@app.get("/mixed/{item_id}")
def mixed(item_id: int, q: int, x_h: int = Header(), c: int = Cookie()):
    return {"item_id": item_id, "q": q, "x_h": x_h, "c": c}


# --- other scalar types pydantic converts -------------------------------------------------------


@app.get("/typed/query")
def typed_query(when: Optional[datetime.datetime] = None, day: Optional[datetime.date] = None,
                uid: Optional[uuid.UUID] = None, dec: Optional[decimal.Decimal] = None,
                t: Optional[datetime.time] = None, td: Optional[datetime.timedelta] = None):
    return {"when": when, "day": day, "uid": uid, "dec": dec, "t": t, "td": td}


@app.get("/typed/path/{uid}")
def typed_path(uid: uuid.UUID):
    return {"uid": uid, "version": uid.version}


@app.get("/typed/list-alias")
def typed_list_alias(tags: Optional[List[str]] = Query(None, alias="item-tags", max_length=3)):
    return {"tags": tags}
