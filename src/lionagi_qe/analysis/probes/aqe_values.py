"""Turn run-time values into Python source that rebuilds them (used by aqe's probes; stdlib only).

    encode(3)                       # Expr('3', ())
    encode(datetime.date(2020, 1, 2))   # Expr('datetime.date(2020, 1, 2)', ('import datetime',))
    encode(Color.RED)               # Expr('Color.RED', ('from paint import Color',))
    encode(object())                # None: nothing in source rebuilds it

An `Expr` is a source expression and the import lines it needs. Values are
encoded when they are literals (bounded in size and depth), enum members,
importable functions and classes, instances whose `repr` evaluates back to
an equal value, or instances of project classes whose construction was
observed (`known`, keyed by `id`).
"""

from __future__ import annotations

import ast
import builtins
import enum
import math
import sys
from typing import Any, NamedTuple

MAX_ITEMS = 24
MAX_TEXT = 300
MAX_DEPTH = 3


class Expr(NamedTuple):
    """Source text of an expression and the import lines it needs."""

    src: str
    imports: tuple[str, ...] = ()


Known = dict[int, tuple[type, Expr]]


def importable_name(obj: Any) -> Expr | None:
    """`name` with its import for a module-level function or class (builtins need none)."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname or module == "__main__":
        return None
    head = qualname.split(".")[0]
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not obj:
        return None
    if module == "builtins":
        return Expr(qualname)
    if module.split(".")[0].startswith("_") and module not in ("_operator",):
        return None
    if module == "_operator":
        module = "operator"
    return Expr(qualname, (f"from {module} import {head}",))


def _literal(value: Any) -> Expr | None:
    kind = type(value)
    if value is None or kind is bool or kind is int:
        return Expr(repr(value))
    if kind is float:
        return Expr(repr(value)) if math.isfinite(value) else Expr(f"float({str(value)!r})")
    if kind in (str, bytes):
        return Expr(repr(value)) if len(value) <= MAX_TEXT else None
    return None


def _join(parts: list[Expr]) -> tuple[list[str], tuple[str, ...]]:
    imports: list[str] = []
    for part in parts:
        imports += [i for i in part.imports if i not in imports]
    return [p.src for p in parts], tuple(imports)


def _container(value: Any, depth: int, known: Known | None) -> Expr | None:
    kind = type(value)
    if len(value) > MAX_ITEMS or depth >= MAX_DEPTH:
        return None
    if kind is dict:
        keys = [encode(k, depth + 1, known) for k in value]
        values = [encode(v, depth + 1, known) for v in value.values()]
        if any(e is None for e in keys + values):
            return None
        texts, imports = _join([e for e in keys + values if e is not None])
        half = len(texts) // 2
        pairs = zip(texts[:half], texts[half:], strict=True)
        return Expr("{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}", imports)
    items = [encode(item, depth + 1, known) for item in value]
    if any(e is None for e in items):
        return None
    texts, imports = _join([e for e in items if e is not None])
    if kind is list:
        return Expr("[" + ", ".join(texts) + "]", imports)
    if kind is tuple:
        return Expr("(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")", imports)
    if kind in (set, frozenset):
        texts.sort()
        inner = "{" + ", ".join(texts) + "}" if texts else ""
        return Expr(f"{kind.__name__}({inner})" if kind is frozenset or not texts else inner, imports)
    return None


def _names_in(src: str) -> list[str] | None:
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)})


def _by_repr(value: Any) -> Expr | None:
    """The value's repr, when it evaluates back to an equal value of the same type."""
    kind: Any = type(value)
    if kind.__eq__ is object.__eq__ or kind.__repr__ is object.__repr__:
        return None
    try:
        src = repr(value)
    except Exception:
        return None
    if len(src) > MAX_TEXT or " at 0x" in src:
        return None
    names = _names_in(src)
    if names is None:
        return None
    home = sys.modules.get(kind.__module__)
    imports: list[str] = []
    namespace: dict[str, Any] = {}
    for name in names:
        if hasattr(builtins, name):
            continue
        if name in sys.modules and "." not in name:
            imports.append(f"import {name}")
            namespace[name] = sys.modules[name]
            continue
        found = getattr(home, name, None)
        spelled = importable_name(found) if found is not None else None
        if spelled is None or spelled.src != name:
            return None
        imports += spelled.imports
        namespace[name] = found
    try:
        again = eval(src, namespace)  # the repr of a value, checked below to rebuild an equal one
        same = type(again) is kind and bool(again == value)
    except Exception:
        return None
    return Expr(src, tuple(imports)) if same else None


def encode(value: Any, depth: int = 0, known: Known | None = None) -> Expr | None:
    """Source rebuilding `value`, or None; see the module docstring."""
    simple = _literal(value)
    if simple is not None:
        return simple
    kind = type(value)
    if kind in (list, tuple, dict, set, frozenset):
        return _container(value, depth, known)
    if known is not None and id(value) in known:
        owner, expr = known[id(value)]
        if owner is kind:
            return expr
    if isinstance(value, enum.Enum):
        member: str = value.name
        owner_name = importable_name(kind)
        if owner_name is not None and getattr(kind, member, None) is value:
            return Expr(f"{owner_name.src}.{member}", owner_name.imports)
        return None
    if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")):
        return importable_name(value)
    return _by_repr(value)
