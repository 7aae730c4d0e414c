"""Cognitive complexity of Python functions, after SonarSource's definition (G. Ann Campbell, 2017).

    cognitive_complexity(ast.parse(source).body[0])   # e.g. 9 for the white paper's try/if/for/while example

Increments, as the white paper defines them for Python's statements:

- +1, plus the current nesting level: `if` (and a conditional expression),
  `for`, `while`, `except`, `match`;
- +1, no nesting part: `elif`, `else` (of an `if`), each sequence of like
  boolean operators (`a and b and c` is one, `a and b or c` two), a direct
  recursive call (a call to the function's own name);
- nesting level +1 inside those structures and inside nested functions,
  lambdas and classes, whose complexity counts toward the enclosing function.

`try`, `finally`, `with` and loop `else` clauses add nothing.
"""

from __future__ import annotations

import ast

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def cognitive_complexity(function: FunctionNode) -> int:
    """The cognitive complexity of one function (nested functions and lambdas included)."""
    counter = _Counter(function.name)
    for statement in function.body:
        counter.visit_at(statement, 0)
    return counter.total


class _Counter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    def visit_at(self, node: ast.AST, nesting: int) -> None:
        """Count `node` at `nesting`, then its children."""
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is not None:
            handler(node, nesting)
        else:
            self._children(node, nesting)

    def _children(self, node: ast.AST, nesting: int) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit_at(child, nesting)

    def _all(self, nodes: list[ast.stmt] | list[ast.expr], nesting: int) -> None:
        for node in nodes:
            self.visit_at(node, nesting)

    def _If(self, node: ast.If, nesting: int, *, is_elif: bool = False) -> None:
        self.total += 1 if is_elif else 1 + nesting
        self.visit_at(node.test, nesting)
        self._all(node.body, nesting + 1)
        orelse = node.orelse
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and _is_elif(node, orelse[0]):
            self._If(orelse[0], nesting, is_elif=True)
        elif orelse:
            self.total += 1
            self._all(orelse, nesting + 1)

    def _IfExp(self, node: ast.IfExp, nesting: int) -> None:
        self.total += 1 + nesting
        self._children(node, nesting + 1)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, nesting: int) -> None:
        self.total += 1 + nesting
        header = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
        self._all(header, nesting)
        self._all(node.body, nesting + 1)
        self._all(node.orelse, nesting + 1)

    _For = _loop
    _AsyncFor = _loop
    _While = _loop

    def _Try(self, node: ast.Try, nesting: int) -> None:
        self._all(node.body, nesting)
        for handler in node.handlers:
            self.total += 1 + nesting
            self._all(handler.body, nesting + 1)
        self._all(node.orelse, nesting)
        self._all(node.finalbody, nesting)

    _TryStar = _Try

    def _Match(self, node: ast.Match, nesting: int) -> None:
        self.total += 1 + nesting
        self.visit_at(node.subject, nesting)
        for case in node.cases:
            if case.guard is not None:
                self.visit_at(case.guard, nesting + 1)
            self._all(case.body, nesting + 1)

    def _BoolOp(self, node: ast.BoolOp, nesting: int) -> None:
        self.total += 1
        for value in node.values:
            if isinstance(value, ast.BoolOp) and type(value.op) is type(node.op):
                self._children(value, nesting)
            else:
                self.visit_at(value, nesting)

    def _nested(self, node: ast.AST, nesting: int) -> None:
        self._children(node, nesting + 1)

    _FunctionDef = _nested
    _AsyncFunctionDef = _nested
    _Lambda = _nested
    _ClassDef = _nested

    def _Call(self, node: ast.Call, nesting: int) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == self.name:
            self.total += 1
        self._children(node, nesting)


def _is_elif(parent: ast.If, child: ast.If) -> bool:
    """An `elif` starts at the `if` statement's column; an `if` inside an `else:` block is indented further."""
    return child.col_offset == parent.col_offset
