"""What changed since a git ref: the changed lines of the project's files and the functions they belong to.

    changes = find_changes(project, "main")          # GitRefError: no repository, unknown ref
    changes.commit                                   # the merge base the working tree is compared with
    changes.lines["src/shopkit/pricing.py"]          # {33, 34}: added or modified lines (as diff-cover counts)
    [f.qualname for f in changes.functions]          # ['bulk_price']: measured functions new or changed
    changes.test_files                               # test files changed since (their tests are impacted)

Paths are relative to the project root. A function has changed when its
source (decorators included) differs from the one of the same qualified
name at the base commit, or did not exist there; a change in a nested
function changes the functions around it too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.gaps import Gap, complexity_of
from lionagi_qe.analysis.git_repo import GitRepo
from lionagi_qe.analysis.project import TargetProject


@dataclass
class ChangedFunction:
    """A function or method added or modified since the base commit."""

    file: str
    qualname: str
    lineno: int
    end_lineno: int
    status: str
    """'added' or 'modified'."""
    complexity: int
    own_lines: list[int] = field(repr=False)
    changed_lines: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        """'file::qualname', as test maps name functions."""
        return f"{self.file}::{self.qualname}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**asdict(self), "key": self.key}


@dataclass
class ChangeSet:
    """The changes of the working tree since `commit` (the merge base of `base` and HEAD)."""

    base: str
    commit: str
    lines: dict[str, set[int]]
    functions: list[ChangedFunction]
    test_files: list[str]


@dataclass
class _Def:
    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    text: str
    own_lines: set[int]


def find_changes(project: TargetProject, base: str) -> ChangeSet:
    """The changes of `project`'s working tree since `base`; see the module docstring."""
    repo = GitRepo.at(project.root)
    commit = repo.merge_base(base)
    added = repo.added_lines(commit)
    renamed = repo.renamed(commit)
    lines = {}
    for git_path, numbers in added.items():
        relative = project.relative(repo.root / git_path)
        if relative.endswith(".py") and not Path(relative).is_absolute():
            lines[relative] = numbers
    tests = {project.relative(t) for t in project.test_files}
    files = repo.changed_files(commit)
    changed_tests = sorted(rel for name in files if (rel := project.relative(repo.root / name)) in tests)
    functions: list[ChangedFunction] = []
    for git_path in sorted(set(files) | set(added)):
        path = repo.root / git_path
        relative = project.relative(path)
        if not relative.endswith(".py") or relative in tests or not path.is_file() or not _is_source(project, path):
            continue
        old = repo.show(commit, renamed.get(git_path, git_path))
        now = path.read_text(encoding="utf-8")
        functions.extend(_changed_functions(relative, now, old, lines.get(relative, set())))
    return ChangeSet(base, commit, lines, functions, changed_tests)


def _is_source(project: TargetProject, path: Path) -> bool:
    return any(path == source or path.is_relative_to(source) for source in project.sources)


def _changed_functions(file: str, new: str, old: str | None, added: set[int]) -> list[ChangedFunction]:
    try:
        now = list(_defs(new))
    except SyntaxError:
        return []
    try:
        before: dict[str, list[str]] = {}
        for found in _defs(old or ""):
            before.setdefault(found.qualname, []).append(found.text)
    except SyntaxError:
        before = {}
    seen: dict[str, int] = {}
    changed = []
    for found in now:
        index = seen[found.qualname] = seen.get(found.qualname, -1) + 1
        earlier = before.get(found.qualname, [])
        if index < len(earlier) and earlier[index] == found.text:
            continue
        node = found.node
        changed.append(ChangedFunction(
            file=file, qualname=found.qualname, lineno=node.lineno, end_lineno=node.end_lineno or node.lineno,
            status="modified" if index < len(earlier) else "added", complexity=complexity_of(node),
            own_lines=sorted(found.own_lines),
            changed_lines=sorted(n for n in added if node.lineno <= n <= (node.end_lineno or node.lineno)),
        ))
    return changed


def _defs(source: str) -> Iterator[_Def]:
    """Every function and method with its source text (decorators included) and its own lines."""
    lines = source.splitlines()

    def visit(node: ast.AST, prefix: str) -> Iterator[_Def]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                end = child.end_lineno or child.lineno
                own = set(range(child.body[0].lineno, end + 1))
                for inner in ast.walk(child):
                    if inner is not child and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        own -= set(range(inner.body[0].lineno, (inner.end_lineno or inner.lineno) + 1))
                text = "\n".join(line.strip() for line in lines[first - 1:end])
                yield _Def(f"{prefix}{child.name}", child, text, own)
                yield from visit(child, f"{prefix}{child.name}.<locals>.")
            else:
                yield from visit(child, prefix)

    yield from visit(ast.parse(source), "")


def churn_by_file(project: TargetProject, files: list[str]) -> dict[str, int]:
    """{file relative to the project root: commits that touched it} from the git history."""
    repo = GitRepo.at(project.root)
    by_git_path = {repo.relative(project.root / file): file for file in files}
    return {by_git_path[path]: churn.commits for path, churn in repo.churn(list(by_git_path)).items()}


def changed_first(gaps: list[Gap], changes: ChangeSet, only_changed: bool = False) -> list[Gap]:
    """The gaps in changed functions first (each group keeps its order); only those with `only_changed`."""
    keys = {function.key for function in changes.functions}
    changed = [gap for gap in gaps if f"{gap.file}::{gap.qualname}" in keys]
    return changed if only_changed else changed + [gap for gap in gaps if f"{gap.file}::{gap.qualname}" not in keys]
