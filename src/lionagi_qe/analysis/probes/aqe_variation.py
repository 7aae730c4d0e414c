"""Vary a value that reached new code into its neighbours, for aqe's call search (stdlib only).

    edits("abc", random.Random(1), ["0x"])        # ['abX', 'ab', '0xabc', 'a', ...]: strings and bytes edited
    edits([[1, "a"], [2, "b"]], rng, [])           # one row varied, rows as tuples, rows as dicts, columns as a dict
    varied_constructions(Expr("Wrap(width=3)", imports), Wrap, rng, [], guess)   # Wrap(width=4), Wrap(..., max_lines=2)

`edits` changes what a value holds, not only its size: a character or byte
changed, put in or taken out at a random place, one of the function's
string constants spliced in (so `startswith` and `in` tests can be met), one
item of a container varied in turn (recursively), and a list of rows given
as tuples, as dicts (keys `a`, `b`, ...) or as a dict of columns.
`varied_constructions` varies an observed constructor call `Cls(...)`: its
literal arguments, and parameters of `__init__` (of the class or the first
base that names them) that it left out.
"""

from __future__ import annotations

import ast
import inspect
import random
import string
from collections.abc import Callable
from typing import Any

from aqe_values import Expr, encode

MAX_DEPTH = 3
_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF)
_CHARS = string.ascii_letters + string.digits + " -_.,:;/\\\n\t\x1b%{}[]()'\"#*+=<>|!?~^&@$"


def edits(value: Any, rng: random.Random, spliced: list[Any], depth: int = 0) -> list[Any]:
    """Random edits of `value` (see the module docstring); [] for values it cannot edit."""
    if depth > MAX_DEPTH or isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value + rng.randint(-3, 3), value ^ (1 << rng.randrange(8)), rng.choice((255, 256, 65536, -128))]
    if isinstance(value, str):
        return _text_edits(value, rng, [c for c in spliced if isinstance(c, str)], lambda: rng.choice(_CHARS))
    if isinstance(value, bytes):
        return _text_edits(value, rng, [c for c in spliced if isinstance(c, bytes)],
                           lambda: bytes([rng.choice((*_BYTES, rng.randrange(256)))]))
    if isinstance(value, (list, tuple)):
        return _sequence_edits(value, rng, spliced, depth)
    if isinstance(value, dict):
        return _dict_edits(value, rng, spliced, depth)
    return []


def _text_edits(value: Any, rng: random.Random, spliced: list[Any], unit: Callable[[], Any]) -> list[Any]:
    at = rng.randrange(len(value) + 1)
    out = [value[:at] + unit() + value[at:], value[:at] + value[at + 1:], value[:at]]
    if value:
        spot = rng.randrange(len(value))
        out.append(value[:spot] + unit() + value[spot + 1:])
    for constant in rng.sample(spliced, min(2, len(spliced))):
        out += [constant + value, value[:at] + constant + value[at:]]
    return [v for v in out if v != value]


def _sequence_edits(value: Any, rng: random.Random, spliced: list[Any], depth: int) -> list[Any]:
    kind = type(value)
    if kind not in (list, tuple) or not value:
        return []
    items = list(value)
    at = rng.randrange(len(items))
    out: list[Any] = [kind([*items[:at], new, *items[at + 1:]]) for new in edits(items[at], rng, spliced, depth + 1)]
    out += [kind(items[:at] + items[at + 1:]), kind(items[:at + 1] + items[at:])]
    rows = [r for r in items if isinstance(r, (list, tuple))]
    if len(rows) == len(items) and depth < MAX_DEPTH:
        width = max(len(r) for r in rows)
        keys = [string.ascii_lowercase[i % 26] * (1 + i // 26) for i in range(width)]
        flip = tuple if isinstance(rows[0], list) else list
        out.append(kind(flip(r) for r in rows))
        out.append([dict(zip(keys, r, strict=False)) for r in rows])
        out.append({k: [r[i] if i < len(r) else None for r in rows] for i, k in enumerate(keys)})
    return out


def _dict_edits(value: dict[Any, Any], rng: random.Random, spliced: list[Any], depth: int) -> list[Any]:
    out: list[Any] = []
    if value:
        key = rng.choice(list(value))
        out += [{**value, key: new} for new in edits(value[key], rng, spliced, depth + 1)]
        out.append({k: v for k, v in value.items() if k != key})
    for constant in [c for c in spliced if isinstance(c, str) and c not in value][:2]:
        out.append({**value, constant: next(iter(value.values()), 1)})
    return out


def varied_constructions(
    built: Expr, owner: type, rng: random.Random, spliced: list[Any], guess: Callable[[str], list[Any]],
) -> list[Expr]:
    """Other constructor calls like `built` (`Owner(...)`); see the module docstring.

    `guess(name)` gives values (objects with `.expr` and `.origin`) for a parameter from its name.
    """
    try:
        call = ast.parse(built.src, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    if not isinstance(call, ast.Call):
        return []
    given = _given(call)
    out: list[Expr] = []
    for name in rng.sample(list(given), min(2, len(given))):
        try:
            current = ast.literal_eval(given[name])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        for new in edits(current, rng, spliced)[:3]:
            expr = encode(new)
            if expr is not None:
                out.append(_with(call, built, name, expr))
    missing = [p for p in _init_parameters(owner) if p.name not in given]
    for p in rng.sample(missing, min(2, len(missing))):
        default = p.default if p.default is not inspect.Parameter.empty else None
        values = [encode(v) for v in edits(default, rng, spliced)] if default is not None else []
        values += [v.expr for v in guess(p.name)[:3]]
        out += [_with(call, built, p.name, expr) for expr in values if expr is not None]
    return out


def _given(call: ast.Call) -> dict[str, ast.expr]:
    """The keyword arguments of a call, those of a `**{...}` literal included."""
    found: dict[str, ast.expr] = {}
    for keyword in call.keywords:
        if keyword.arg is not None:
            found[keyword.arg] = keyword.value
        elif isinstance(keyword.value, ast.Dict):
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=False):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found[key.value] = value
    return found


def _with(call: ast.Call, built: Expr, name: str, value: Expr) -> Expr:
    """`call` with the keyword argument `name` set to `value` (in its `**{...}` literal when it has one)."""
    new = ast.parse(value.src, mode="eval").body
    changed = ast.parse(ast.unparse(call), mode="eval").body
    assert isinstance(changed, ast.Call)
    target = next((k for k in changed.keywords if k.arg == name), None)
    packed = next((k.value for k in changed.keywords if k.arg is None and isinstance(k.value, ast.Dict)), None)
    if target is not None:
        target.value = new
    elif packed is not None:
        index = next((i for i, key in enumerate(packed.keys)
                      if isinstance(key, ast.Constant) and key.value == name), None)
        if index is None:
            packed.keys.append(ast.Constant(name))
            packed.values.append(new)
        else:
            packed.values[index] = new
    else:
        changed.keywords.append(ast.keyword(arg=name, value=new))
    imports = tuple(dict.fromkeys([*built.imports, *value.imports]))
    return Expr(ast.unparse(changed), imports)


def _init_parameters(owner: type) -> list[inspect.Parameter]:
    """Named parameters of the first `__init__` in the class's order of bases that has any."""
    for klass in owner.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            continue
        named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if named:
            return named
    return []
