from typing import Any, List, Tuple


def set_header(raw: List[Tuple[str, str]], name: str, value: str) -> None:
    """Starlette's ``MutableHeaders[name] = value``: the first occurrence replaced in place, the others
    removed; appended when absent. ``name`` lower-case."""
    found = -1
    i = 0
    while i < len(raw):
        if raw[i][0] == name:
            if found < 0:
                found = i
                raw[i] = (name, value)
            else:
                del raw[i]
                continue
        i += 1
    if found < 0:
        raw.append((name, value))


def del_header(raw: List[Tuple[str, str]], name: str) -> None:
    raw[:] = [h for h in raw if h[0] != name]


def get_header(raw: List[Tuple[str, str]], name: str) -> Any:
    for n, v in raw:
        if n == name:
            return v
    return None


def add_vary_header(raw: List[Tuple[str, str]], vary: str) -> None:
    """Starlette's ``MutableHeaders.add_vary_header``: appended to an existing Vary."""
    existing = get_header(raw, "vary")
    if existing is not None:
        vary = ", ".join([existing, vary])
    set_header(raw, "vary", vary)
