"""GitHub Actions: workflow commands for `--format github`, and the job's step summary.

    for line in workflow_commands(report):          # ::warning file=src/pkg/core.py,line=12,...::...
        print(line)
    append_step_summary(report)                     # when GITHUB_STEP_SUMMARY is set: the markdown summary

Annotations: an `::error` at each failing test (the line of its `def`) and
test module that cannot be collected, a `::warning` at each flaky test and
at the uncovered lines of each of the riskiest gaps, and an
`::error` without a file when the gate fails or the run errs. File paths are
relative to the repository root: GITHUB_WORKSPACE when the project is inside
it, else the nearest parent holding `.git`, else the project itself.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lionagi_qe.cli.render_markdown import markdown_report

MAX_GAP_ANNOTATIONS = 10
MAX_TEST_ANNOTATIONS = 20
_PARAMETRIZED = re.compile(r"\[.*\]$")


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner reads it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title), escaped as GitHub's runner reads it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: object) -> str:
    """`::kind prop=value,...::message`, properties without a value left out."""
    given = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties.items() if value)
    return f"::{kind}{' ' + given if given else ''}::{escape_data(message)}"


def repository_root(project: Path, env: Mapping[str, str] | None = None) -> Path:
    """The root file paths in annotations are relative to (see the module docstring)."""
    env = os.environ if env is None else env
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace and project.is_relative_to(Path(workspace).resolve()):
        return Path(workspace).resolve()
    for folder in (project, *project.parents):
        if (folder / ".git").exists():
            return folder
    return project


def workflow_commands(report: dict[str, Any], env: Mapping[str, str] | None = None) -> list[str]:
    """The annotations for one `aqe.run/1` report, failing tests first."""
    project = Path(report["project"]).resolve() if report.get("project") else Path.cwd()
    root = repository_root(project, env)
    lines = [_failing_test(test, project, root) for test in _failing(report)[:MAX_TEST_ANNOTATIONS]]
    lines += [_gap(gap, project, root) for gap in (report.get("gaps") or [])[:MAX_GAP_ANNOTATIONS]]
    if report.get("error"):
        lines.append(command("error", report["error"]["message"], title="aqe could not judge the project"))
    elif report.get("gate") and not report["gate"]["passed"]:
        lines.append(command("error", "; ".join(report["gate"]["reasons"]), title="aqe quality gate failed"))
    return lines


def append_step_summary(report: dict[str, Any], env: Mapping[str, str] | None = None) -> Path | None:
    """Append the markdown summary to the file GITHUB_STEP_SUMMARY names (if set); returns that file."""
    env = os.environ if env is None else env
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as summary:
        summary.write(markdown_report(report) + "\n")
    return path


def _failing(report: dict[str, Any]) -> list[dict[str, Any]]:
    tests = report.get("tests") or {}
    return [*tests.get("failing", []), *(
        {"nodeid": error["nodeid"], "outcome": "collection error", "message": error["message"]}
        for error in tests.get("collection_errors", [])
    )]


def _failing_test(test: dict[str, Any], project: Path, root: Path) -> str:
    file, _, name = test["nodeid"].partition("::")
    path = project / file
    first = (test.get("message") or "").strip().splitlines()[:1]
    message = f"{test['nodeid']} {test['outcome']}" + (f": {first[0]}" if first else "")
    line = _definition_line(path, name)
    kind = "warning" if test["outcome"] == "flaky" else "error"
    return command(kind, message, file=_shown(path, root), line=line, title=f"aqe: test {test['outcome']}")


def _gap(gap: dict[str, Any], project: Path, root: Path) -> str:
    missing = gap["missing_lines"] or sorted({a for a, _ in gap["missing_branches"]}) or [gap["lineno"]]
    branches = ", ".join(f"{a}->{'exit' if b < 0 else b}" for a, b in gap["missing_branches"])
    message = f"{gap['qualname']}: lines {', '.join(map(str, gap['missing_lines'])) or 'none'} not covered"
    message += f"; branches not taken: {branches}" if branches else ""
    message += f" (risk {gap['risk']:g})"
    return command(
        "warning", message, file=_shown(project / gap["file"], root), line=min(missing), endLine=max(missing),
        title=f"aqe: uncovered code in {gap['qualname']}",
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _definition_line(path: Path, name: str) -> int | None:
    """The line of the test's `def` (class-qualified, parameters stripped), or None if not found."""
    if not name or not path.is_file():
        return None
    wanted = [_PARAMETRIZED.sub("", part) for part in name.split("::")]
    try:
        body: list[ast.stmt] = ast.parse(path.read_bytes()).body
    except (SyntaxError, ValueError):
        return None
    found: ast.stmt | None = None
    for part in wanted:
        found = next(
            (node for node in body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
             and node.name == part),
            None,
        )
        if found is None:
            return None
        body = found.body if isinstance(found, ast.ClassDef) else []
    return found.lineno if found is not None else None
