"""Map coverage gaps to the functions and methods that hold them (via `ast`), ranked by risk.

    gaps, functions = find_gaps(report, project)
    gaps[0].qualname, gaps[0].missing_lines, gaps[0].missing_branches, gaps[0].risk
    functions   # {'total': 12, 'covered': 10, 'percent': 83.33}

A line belongs to the innermost function around it (a nested `def` line
runs in, and belongs to, the function around it). A gap's id is
'module:qualname', with '#2', '#3', ... for the later definitions of a
qualname defined more than once in a module (an `if`/`else` pair, a
property's setter, twin nested functions), so ids are unique and do not
change when unrelated code moves. Test files (test_*.py, *_test.py,
conftest.py, files under a tests/ folder) inside a measured package count
in the coverage figures, as coverage.py counts them, but hold no gaps. Risk weighs uncovered
branches by the function's cyclomatic complexity:
`risk = complexity * missing_branches + missing_lines`, so a complex
function with untaken branches ranks above a simple one missing a line.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.coverage_report import Arc, CoverageReport
from lionagi_qe.analysis.project import TargetProject

_DECISIONS = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.IfExp,
    ast.ExceptHandler, ast.Assert, ast.comprehension, ast.match_case,
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class FunctionInfo:
    """A function or method found by `ast`: where it is, how complex, which lines are its own."""

    qualname: str
    class_name: str | None
    lineno: int
    end_lineno: int
    complexity: int
    is_async: bool
    decorators: list[str]
    own_lines: set[int] = field(repr=False)
    occurrence: int = 1
    """1 for the first definition of this qualname in its module, 2 for the next one, ..."""


@dataclass
class Gap:
    """What a function misses, and how risky that is."""

    file: str
    path: str
    module: str
    qualname: str
    lineno: int
    end_lineno: int
    complexity: int
    statements: int
    missing_lines: list[int]
    missing_branches: list[Arc]
    executed_lines: list[int]
    covered: bool
    risk: float
    is_async: bool = False
    occurrence: int = 1

    @property
    def id(self) -> str:
        """'module:qualname' ('#2', ... for a qualname's later definitions), unique in a project."""
        suffix = f"#{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.module}:{self.qualname}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**asdict(self), "id": self.id, "missing_branches": [list(a) for a in self.missing_branches]}

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Gap:
        """The gap `to_dict` gave (as read back from memory)."""
        fields = {k: v for k, v in stored.items() if k != "id"}
        fields["missing_branches"] = [(a, b) for a, b in fields["missing_branches"]]
        return cls(**fields)


def complexity_of(node: ast.AST) -> int:
    """Cyclomatic complexity of a function body: 1 + decision points (nested scopes excluded)."""
    count = 1
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, (*_SCOPES, ast.Lambda)):
            continue
        if isinstance(child, _DECISIONS):
            count += 1 + (len(child.ifs) if isinstance(child, ast.comprehension) else 0)
        elif isinstance(child, ast.BoolOp):
            count += len(child.values) - 1
        stack.extend(ast.iter_child_nodes(child))
    return count


def index_functions(source: str) -> list[FunctionInfo]:
    """Every function and method of a module, in source order."""
    found: list[FunctionInfo] = []
    seen: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str, class_name: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", child.name)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                end = child.end_lineno or child.lineno
                own = set(range(child.body[0].lineno, end + 1))
                for inner in ast.walk(child):
                    if inner is not child and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        own -= set(range(inner.body[0].lineno, (inner.end_lineno or inner.lineno) + 1))
                qualname = f"{prefix}{child.name}"
                seen[qualname] = seen.get(qualname, 0) + 1
                found.append(FunctionInfo(
                    qualname=qualname, class_name=class_name, lineno=child.lineno,
                    end_lineno=end, complexity=complexity_of(child),
                    is_async=isinstance(child, ast.AsyncFunctionDef),
                    decorators=[ast.unparse(d) for d in child.decorator_list], own_lines=own,
                    occurrence=seen[qualname],
                ))
                visit(child, f"{qualname}.<locals>.", None)
            else:
                visit(child, prefix, class_name)

    visit(ast.parse(source), "", None)
    return found


def module_name(path: Path, project: TargetProject) -> str:
    """The dotted import name of a source file, e.g. 'shopkit.pricing' (`TargetProject.module_name`)."""
    return project.module_name(path)


TEST_FOLDERS = frozenset({"tests", "test", "testing"})


def is_test_file(relative: str) -> bool:
    """A test module, conftest.py or a file under a tests/ folder (path relative to the root): never a gap."""
    parts = Path(relative).parts
    name = parts[-1]
    named = name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")
    return named or any(part in TEST_FOLDERS for part in parts[:-1])


def find_gaps(report: CoverageReport, project: TargetProject) -> tuple[list[Gap], dict[str, Any]]:
    """Gaps of every measured function, riskiest first, and the function coverage figures."""
    gaps: list[Gap] = []
    total = covered = 0
    for name, measured in sorted(report.files.items()):
        path = Path(measured.path)
        if is_test_file(name):
            continue
        try:
            functions = index_functions(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        statements = set(measured.executed_lines) | set(measured.missing_lines)
        executed, missing = set(measured.executed_lines), set(measured.missing_lines)
        for fn in functions:
            own_statements = fn.own_lines & statements
            if not own_statements:
                continue
            total += 1
            is_covered = bool(fn.own_lines & executed)
            covered += is_covered
            lines = sorted(fn.own_lines & missing)
            branches = sorted(arc for arc in measured.missing_branches if arc[0] in fn.own_lines)
            if not lines and not branches:
                continue
            gaps.append(Gap(
                file=name, path=str(path), module=module_name(path, project), qualname=fn.qualname,
                lineno=fn.lineno, end_lineno=fn.end_lineno, complexity=fn.complexity,
                statements=len(own_statements), missing_lines=lines, missing_branches=branches,
                executed_lines=sorted(fn.own_lines & executed), covered=is_covered,
                risk=float(fn.complexity * len(branches) + len(lines)), is_async=fn.is_async,
                occurrence=fn.occurrence,
            ))
    gaps.sort(key=lambda g: (-g.risk, g.file, g.lineno))
    percent = 100.0 if total == 0 else round(100.0 * covered / total, 2)
    return gaps, {"total": total, "covered": covered, "percent": percent}
