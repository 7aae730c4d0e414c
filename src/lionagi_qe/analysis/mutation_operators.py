"""Mutation operators over a module's `ast`: one small edit of the source per mutant, lines kept in place.

    for site in find_mutation_sites(source, covered_lines={3, 4}):
        site.operator, site.description, site.line   # 'comparison', '`>` -> `>=`', 2
        mutated = apply_edit(source, site.edit)      # the module with this one change

Operators: arithmetic (`+`<->`-`, `*`<->`/`, `//`->`/`, `%`->`*`, `**`->`*`, also in
`+=` and the like), comparisons (`<`->`<=`, `<=`->`<`, `>`->`>=`, `>=`->`>`,
`==`<->`!=`, `is`<->`is not`, `in`<->`not in`), boolean (`and`<->`or`, `not x`->`x`),
constants (a number n -> n + 1, `True`<->`False`, a string -> `""`, `""` -> `"aqe"`),
return values (`return x` -> `return None`) and removed calls (a call statement ->
`pass`). Only code inside function bodies whose line some test ran is
mutated (signatures, defaults and decorators run at import, not in a test);
docstrings, f-string parts and lines marked `# pragma: no mutate` are left alone.
Every edit keeps each line where it was, so the mutated module's functions
start on the same lines as the original's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lionagi_qe.analysis.probes.aqe_mutation_worker import apply_edit

__all__ = ["MutationSite", "apply_edit", "find_mutation_sites"]

Edit = tuple[int, int, int, int, str]

_ARITHMETIC: dict[type[ast.operator], tuple[str, str]] = {
    ast.Add: (r"\+", "-"), ast.Sub: (r"-", "+"), ast.Mult: (r"\*", "/"), ast.Div: (r"/", "*"),
    ast.FloorDiv: (r"//", "/"), ast.Mod: (r"%", "*"), ast.Pow: (r"\*\*", "*"),
}
_COMPARE: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Lt: (r"<(?!=)", "<="), ast.LtE: (r"<=", "<"), ast.Gt: (r">(?!=)", ">="), ast.GtE: (r">=", ">"),
    ast.Eq: (r"==", "!="), ast.NotEq: (r"!=", "=="), ast.Is: (r"\bis\b(?!\s+not\b)", "is not"),
    ast.IsNot: (r"\bis\s+not\b", "is"), ast.In: (r"(?<!not )\bin\b", "not in"), ast.NotIn: (r"\bnot\s+in\b", "in"),
}
_BOOL: dict[type[ast.boolop], tuple[str, str]] = {ast.And: (r"\band\b", "or"), ast.Or: (r"\bor\b", "and")}
_NO_MUTATE = "pragma: no mutate"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class MutationSite:
    """One mutant: where, which operator, what it changes, and the edit that makes it."""

    qualname: str
    """The innermost function holding the mutated code."""
    holder: str
    """The outermost function around it (a module or class member: its code object is swapped)."""
    line: int
    col: int
    operator: str
    description: str
    edit: Edit
    lines: tuple[int, ...]
    """Lines whose covering tests run against this mutant (the mutated node's and its statement's)."""


class _Sites:
    def __init__(self, source: str, covered: set[int]) -> None:
        self.lines = source.splitlines()
        self.covered = covered
        self.found: list[MutationSite] = []
        self.skip: set[int] = set()

    def text(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """Source between two (line, byte column) positions."""
        if start[0] == end[0]:
            return self.lines[start[0] - 1].encode()[start[1]:end[1]].decode()
        parts = [self.lines[start[0] - 1].encode()[start[1]:].decode()]
        parts += self.lines[start[0]:end[0] - 1]
        parts.append(self.lines[end[0] - 1].encode()[:end[1]].decode())
        return "\n".join(parts)

    def add(self, node: ast.AST, stmt: ast.stmt, scope: tuple[str, str], operator: str, description: str,
            start: tuple[int, int], end: tuple[int, int], replacement: str) -> None:
        line = getattr(node, "lineno", stmt.lineno)
        if line not in self.covered or line in self.skip or stmt.lineno in self.skip:
            return
        last = getattr(node, "end_lineno", None) or line
        lines = tuple(sorted({stmt.lineno, *range(line, last + 1)}))
        self.found.append(MutationSite(
            scope[0], scope[1], line, getattr(node, "col_offset", 0), operator, description,
            (start[0], start[1], end[0], end[1], replacement), lines,
        ))

    def swap(self, node: ast.AST, stmt: ast.stmt, scope: tuple[str, str], operator: str,
             left: ast.AST, right: ast.AST, pattern: str, new: str) -> None:
        """Replace the operator token found between two operands."""
        start = (left.end_lineno or left.lineno, left.end_col_offset or 0)  # type: ignore[attr-defined]
        end = (right.lineno, right.col_offset)  # type: ignore[attr-defined]
        gap = self.text(start, end)
        match = re.search(pattern, gap)
        if match is None:
            return
        replaced = gap[:match.start()] + new + gap[match.end():]
        self.add(node, stmt, scope, operator, f"`{match.group(0)}` -> `{new}`", start, end, replaced)


def find_mutation_sites(source: str, covered_lines: set[int]) -> list[MutationSite]:
    """Every mutant of the module's covered function bodies, in source order; see the module docstring."""
    tree = ast.parse(source)
    sites = _Sites(source, covered_lines)
    sites.skip = {n for n, line in enumerate(sites.lines, 1) if _NO_MUTATE in line}
    for scope, stmt in _body_statements(tree):
        for node in _expressions(stmt):
            _mutate(sites, node, stmt, scope)
        _mutate_statement(sites, stmt, scope)
    return sorted(sites.found, key=lambda s: (s.line, s.col, s.operator, s.description))


def _body_statements(tree: ast.Module) -> Iterator[tuple[tuple[str, str], ast.stmt]]:
    """((qualname, holder), statement) for every statement of every function body, nested blocks included."""
    for name, holder, function in _functions(tree, "", None):
        pending = list(function.body[1:] if function.body and _is_docstring(function.body[0]) else function.body)
        while pending:
            stmt = pending.pop(0)
            if isinstance(stmt, _SCOPES):
                continue
            yield (name, holder), stmt
            for block in ("body", "orelse", "finalbody"):
                pending.extend(getattr(stmt, block, []))
            for clause in [*getattr(stmt, "handlers", []), *getattr(stmt, "cases", [])]:
                pending.extend(clause.body)


def _functions(
    node: ast.AST, prefix: str, holder: str | None
) -> Iterator[tuple[str, str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualname, outermost function's qualname, node) of every function and method."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.", holder)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{child.name}"
            yield name, holder or name, child
            yield from _functions(child, f"{name}.<locals>.", holder or name)
        else:
            yield from _functions(child, prefix, holder)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _expressions(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of one statement itself (not of the blocks it holds), skipping f-strings and annotations."""
    blocks = {"body", "orelse", "finalbody", "handlers", "cases", "annotation", "returns", "type_comment"}
    stack: list[ast.AST] = [
        value for name, value in ast.iter_fields(stmt) if name not in blocks for value in _nodes(value)
    ]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.JoinedStr, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _nodes(value: object) -> list[ast.AST]:
    if isinstance(value, ast.AST):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, ast.AST)]
    return []


def _mutate(sites: _Sites, node: ast.AST, stmt: ast.stmt, scope: tuple[str, str]) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        pattern, new = _ARITHMETIC[type(node.op)]
        sites.swap(node, stmt, scope, "arithmetic", node.left, node.right, pattern, new)
    elif isinstance(node, ast.Compare):
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            pattern, new = _COMPARE[type(op)]
            sites.swap(node, stmt, scope, "comparison", left, right, pattern, new)
            left = right
    elif isinstance(node, ast.BoolOp):
        pattern, new = _BOOL[type(node.op)]
        for left, right in zip(node.values, node.values[1:], strict=False):
            sites.swap(node, stmt, scope, "boolean", left, right, pattern, new)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        start, end = (node.lineno, node.col_offset), (node.operand.lineno, node.operand.col_offset)
        prefix = sites.text(start, end)
        removed = re.sub(r"\bnot\b\s*", "", prefix, count=1)
        sites.add(node, stmt, scope, "boolean", "`not x` -> `x`", start, end, removed)
    elif isinstance(node, ast.Constant):
        _mutate_constant(sites, node, stmt, scope)


def _mutate_constant(sites: _Sites, node: ast.Constant, stmt: ast.stmt, scope: tuple[str, str]) -> None:
    value = node.value
    if isinstance(value, bool):
        new = repr(not value)
    elif isinstance(value, (int, float)):
        new = repr(value + 1)
    elif isinstance(value, str):
        new = '"aqe"' if value == "" else '""'
    else:
        return
    start, end = (node.lineno, node.col_offset), (node.end_lineno or node.lineno, node.end_col_offset or 0)
    old = sites.text(start, end)
    if "\n" in old and not isinstance(value, str):
        return
    shown = old if len(old) <= 30 else old[:27] + "..."
    sites.add(node, stmt, scope, "constant", f"`{shown}` -> `{new}`", start, end, new + "\n" * old.count("\n"))


def _mutate_statement(sites: _Sites, stmt: ast.stmt, scope: tuple[str, str]) -> None:
    if isinstance(stmt, ast.AugAssign) and type(stmt.op) in _ARITHMETIC:
        pattern, new = _ARITHMETIC[type(stmt.op)]
        sites.swap(stmt, stmt, scope, "arithmetic", stmt.target, stmt.value, pattern + "=", new + "=")
    elif isinstance(stmt, ast.Return) and stmt.value is not None:
        value = stmt.value
        if isinstance(value, ast.Constant) and value.value is None:
            return
        start, end = (value.lineno, value.col_offset), (value.end_lineno or value.lineno, value.end_col_offset or 0)
        lines = sites.text(start, end).count("\n")
        sites.add(stmt, stmt, scope, "return", "`return ...` -> `return None`", start, end, "None" + "\n" * lines)
    elif isinstance(stmt, ast.Expr) and isinstance(getattr(stmt.value, "value", stmt.value), ast.Call):
        start, end = (stmt.lineno, stmt.col_offset), (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        call = ast.unparse(stmt.value)
        shown = call if len(call) <= 40 else call[:37] + "..."
        lines = sites.text(start, end).count("\n")
        sites.add(stmt, stmt, scope, "call", f"`{shown}` removed", start, end, "pass" + "\n" * lines)
