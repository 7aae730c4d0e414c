"""Choose arguments to call a function with, from its `ast`: defaults, type hints and the constants it compares.

    plan = plan_calls(source, "bulk_price")
    plan.calls        # ['{"unit_price": 0.0, "quantity": 99}', ...] (dict literals, keyword arguments)
    plan.init         # keyword arguments for the class, for a method
    plan.raises       # exception names the function raises itself

Boundary values come from comparisons in the body: `if quantity >= 100`
gives 99, 100 and 101 for `quantity`. Calls vary one parameter at a time
around a base call, so each branch has a chance to be taken.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

MAX_CALLS = 40
_BY_TYPE: dict[str, list[Any]] = {
    "int": [1, 0, -1, 10],
    "float": [1.5, 0.0, -1.0, 100.0],
    "str": ["a", "", "Hello World"],
    "bool": [True, False],
    "bytes": [b"", b"abc"],
    "list": [[], [1, 2]],
    "tuple": [(), (1, 2)],
    "dict": [{}, {"a": 1}],
    "set": [set(), {1}],
    "None": [None],
    "Any": [1, "a", None],
    "object": [1, "a", None],
}
_UNTYPED: list[Any] = [1, "a", None]


@dataclass
class CallPlan:
    """Argument sets for one function (dict literals as source) and what else the generator needs."""

    calls: list[str] = field(default_factory=list)
    init: str | None = None
    raises: list[str] = field(default_factory=list)
    fully_typed: bool = False
    skip_reason: str | None = None


def _literal(node: ast.AST | None) -> tuple[bool, Any]:
    if node is None:
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _values_for_annotation(node: ast.AST | None) -> list[Any] | None:
    """Sample values for a type hint, or None when unknown."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.Constant) and node.value is None:
        return [None]
    if isinstance(node, ast.Name):
        return list(_BY_TYPE.get(node.id, [])) or None
    if isinstance(node, ast.Attribute):
        return list(_BY_TYPE.get(node.attr, [])) or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _values_for_annotation(node.left), _values_for_annotation(node.right)
        return None if left is None and right is None else (left or []) + (right or [])
    if isinstance(node, ast.Subscript):
        head = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        inner = node.slice
        if head == "Literal":
            items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            found = [_literal(item) for item in items]
            return [value for ok, value in found if ok] or None
        if head == "Optional":
            return [None, *(_values_for_annotation(inner) or [])]
        if head == "Union" and isinstance(inner, ast.Tuple):
            merged = [_values_for_annotation(item) or [] for item in inner.elts]
            return [value for values in merged for value in values] or None
        return _values_for_annotation(ast.Name(id=head.lower() if head in ("List", "Dict", "Tuple", "Set") else head))
    return None


_TEXT_TESTS = frozenset({"startswith", "endswith", "find", "rfind", "index", "rindex", "count", "split", "rsplit",
                         "partition", "rpartition", "strip", "lstrip", "rstrip", "removeprefix", "removesuffix"})


def _tested_texts(node: ast.Call) -> tuple[str, list[Any]] | None:
    """(parameter, values) for `text.startswith("0x")` and the like: the string, and one that contains it."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in _TEXT_TESTS):
        return None
    found: list[Any] = []
    for arg in node.args[:1]:
        ok, value = _literal(arg)
        for item in (value if isinstance(value, tuple) else (value,)) if ok else ():
            if isinstance(item, str) and item:
                found += [item, item + "1", "a" + item]
            elif isinstance(item, bytes) and item:
                found += [item, item + b"1", b"a" + item]
    return (func.value.id, found) if found else None


def _compared_constants(fn: ast.AST) -> dict[str, list[Any]]:
    """{parameter name: boundary values} from comparisons such as `x >= 100` or `kind == "gold"`.

    String tests such as `text.startswith("0x")` give the string and strings that start or end with it.
    """
    found: dict[str, list[Any]] = {}
    for node in ast.walk(fn):
        tested = _tested_texts(node) if isinstance(node, ast.Call) else None
        if tested is not None:
            name, texts = tested
            found.setdefault(name, [])
            found[name] += [v for v in texts if v not in found[name]]
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        names = [o.id for o in operands if isinstance(o, ast.Name)]
        for operand in operands:
            ok, value = _literal(operand)
            if not ok or isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (int, float)):
                step = 1 if isinstance(value, int) else 0.5
                values: list[Any] = [value - step, value, value + step]
            elif isinstance(value, (str, bytes)):
                values = [value]
            elif isinstance(value, (tuple, list, set, frozenset)):
                values = [v for v in value if not isinstance(v, (list, dict, set))][:6]
            else:
                continue
            for name in names:
                found.setdefault(name, [])
                found[name] += [v for v in values if v not in found[name]]
    return found


def _raised_names(fn: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return names


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef, skip_first: bool) -> list[tuple[ast.arg, ast.AST | None]]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True)) + list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return pairs[1:] if skip_first and pairs else pairs


def _sources(fn: ast.FunctionDef | ast.AsyncFunctionDef, skip_first: bool) -> tuple[dict[str, list[Any]], bool]:
    """Candidate values per required or defaulted parameter, and whether every parameter is type-hinted."""
    compared = _compared_constants(fn)
    values: dict[str, list[Any]] = {}
    typed = True
    for param, default in _parameters(fn, skip_first):
        has_default, default_value = _literal(default)
        if default is not None and not has_default:
            continue
        hinted = _values_for_annotation(param.annotation)
        typed = typed and hinted is not None
        pool = [*(hinted or ([] if has_default else _UNTYPED)), *compared.get(param.arg, [])]
        if has_default:
            pool.insert(0, default_value)
        unique: list[Any] = []
        for value in pool:
            if not any(value == seen and type(value) is type(seen) for seen in unique):
                unique.append(value)
        values[param.arg] = unique
    return values, typed


def _vary(values: dict[str, list[Any]], limit: int) -> list[dict[str, Any]]:
    base = {name: pool[0] for name, pool in values.items()}
    calls = [base]
    for name, pool in values.items():
        for value in pool[1:]:
            calls.append({**base, name: value})
    return calls[:limit]


def find_function(
    tree: ast.Module, qualname: str
) -> tuple[ast.ClassDef | None, ast.FunctionDef | ast.AsyncFunctionDef | None]:
    """(enclosing class or None, the function node or None) for a qualname like 'Cls.method'."""
    scope: ast.AST = tree
    owner: ast.ClassDef | None = None
    parts = qualname.split(".")
    for index, part in enumerate(parts):
        match = next((n for n in ast.iter_child_nodes(scope) if getattr(n, "name", None) == part), None)
        if match is None:
            return owner, None
        if index < len(parts) - 1:
            if not isinstance(match, ast.ClassDef):
                return owner, None
            owner = match
        scope = match
    return owner, scope if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def plan_calls(source: str, qualname: str, limit: int = MAX_CALLS) -> CallPlan:
    """Argument sets for `qualname` in `source`; `skip_reason` says why there are none."""
    if "<locals>" in qualname:
        return CallPlan(skip_reason="nested functions cannot be called from a test")
    owner, fn = find_function(ast.parse(source), qualname)
    if fn is None:
        return CallPlan(skip_reason=f"{qualname} not found")
    if fn.args.vararg is not None and not fn.args.args:
        return CallPlan(skip_reason="takes only *args")
    decorators = {ast.unparse(d) for d in fn.decorator_list}
    is_method = owner is not None and "staticmethod" not in decorators
    values, typed = _sources(fn, skip_first=is_method)
    plan = CallPlan(raises=_raised_names(fn), fully_typed=typed and owner is None)
    if owner is not None:
        init = next((n for n in owner.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        init_values = _sources(init, skip_first=True)[0] if init is not None else {}
        required = {}
        for param, default in (_parameters(init, True) if init is not None else []):
            if default is None:
                pool = init_values.get(param.arg)
                if not pool:
                    return CallPlan(skip_reason=f"cannot build a {owner.name} to call it on")
                required[param.arg] = pool[0]
        plan.init = repr(required)
    if "property" in decorators:
        plan.calls = ["{}"]
        return plan
    plan.calls = [repr(call) for call in _vary(values, limit)]
    return plan


def compared_constants(source: str, qualname: str) -> dict[str, list[Any]]:
    """{parameter: boundary values} for `qualname` in `source`, JSON-ready (numbers and short strings only)."""
    _, fn = find_function(ast.parse(source), qualname)
    if fn is None:
        return {}
    found = {}
    for name, values in _compared_constants(fn).items():
        plain = [v for v in values if isinstance(v, (int, float, str)) and not (isinstance(v, str) and len(v) > 200)]
        if plain:
            found[name] = plain
    return found
