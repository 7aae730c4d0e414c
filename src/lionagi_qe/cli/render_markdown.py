"""An `aqe.run/1` report as markdown: what `--format markdown` prints and GitHub's step summary shows.

    text = markdown_report(report)       # headline verdict, coverage table, gate reasons, gaps, kept tests

Sections: the verdict (or the error), the coverage table (suite and with
the kept tests, as `coverage report` counts), the trend, the gate's
reasons, the riskiest gaps, the kept tests and the failing tests. Paths are
shown relative to the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

MAX_GAPS = 10
MAX_FAILING = 20
_HEADLINE = {"passed": "✅ quality gate passed", "failed": "❌ quality gate failed", "error": "⚠️ aqe could not judge"}


def markdown_report(report: dict[str, Any]) -> str:
    """The whole summary, ending with a newline."""
    parts = [
        _headline(report),
        _coverage(report),
        _gate(report),
        _gaps(report),
        _kept(report),
        _failing(report),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def cell(value: object) -> str:
    """`value` as text fit for a markdown table cell (pipes escaped, one line)."""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def code(value: object) -> str:
    """`value` as inline code, fit for a table cell (double backticks when it holds one)."""
    text = cell(value)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A markdown table of cells already escaped (`cell`, `code`); `align`: 'l' or 'r' per column, left by default."""
    marks = [("---:" if align[i:i + 1] == "r" else "---") for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def relative(path: str, project: str | None) -> str:
    """`path` relative to the project folder when inside it."""
    if not project:
        return path
    try:
        return Path(path).relative_to(project).as_posix()
    except ValueError:
        return path


def percent(value: float | None) -> str:
    """'81.2%', or '-' when not measured."""
    return "-" if value is None else f"{value:.1f}%"


def _headline(report: dict[str, Any]) -> str:
    title = f"## aqe: {_HEADLINE.get(report['status'], report['status'])}"
    facts = [f"project {code(report['project'])}" if report.get("project") else ""]
    facts += [f"run {code(report['run_id'])}" if report.get("run_id") else ""]
    facts += [f"{report['mode']} mode" if report.get("mode") else ""]
    facts += [f"model {code(report['model'])}" if report.get("model") else ""]
    lines = [title, " · ".join(fact for fact in facts if fact)]
    if report.get("error"):
        lines.append(f"**Error** ({report['error']['kind']}): {report['error']['message']}")
    return "\n\n".join(line for line in lines if line)


def _coverage(report: dict[str, Any]) -> str:
    coverage = report.get("coverage")
    if not coverage:
        return ""
    after = (report.get("generation") or {}).get("coverage_after") or {}
    rows = [
        ("total (Cover)", percent(coverage["percent"]), percent(after.get("percent"))),
        ("lines", percent(coverage["line_percent"]), percent(after.get("line_percent"))),
        ("branches", percent(coverage["branch_percent"]), percent(after.get("branch_percent"))),
        ("functions", percent(coverage["function_percent"]), ""),
    ]
    text = "### Coverage (as `coverage report` counts it)\n\n" + table(["", "suite", "with kept tests"], rows, "lrr")
    trend = coverage.get("trend") or {}
    if trend.get("previous_run"):
        text += f"\n\nTrend: {trend['delta']:+.2f} points since run {code(trend['previous_run'])}."
    return text


def _gate(report: dict[str, Any]) -> str:
    gate = report.get("gate")
    if not gate:
        return ""
    word = "passed" if gate["passed"] else "failed"
    return f"### Quality gate: {word}\n\n" + "\n".join(f"- {reason}" for reason in gate["reasons"])


def _gaps(report: dict[str, Any]) -> str:
    gaps = report.get("gaps") or []
    if not gaps:
        return ""
    rows = []
    for gap in gaps[:MAX_GAPS]:
        branches = ", ".join(f"{a}->{'exit' if b < 0 else b}" for a, b in gap["missing_branches"])
        lines = ", ".join(map(str, gap["missing_lines"]))
        where = code(f"{gap['file']}:{gap['lineno']}")
        rows.append((code(gap["qualname"]), where, lines, branches, f"{gap['risk']:g}"))
    header = ["function", "where", "missing lines", "missing branches", "risk"]
    return "### Riskiest gaps\n\n" + table(header, rows, "llllr")


def _kept(report: dict[str, Any]) -> str:
    generation = report.get("generation") or {}
    kept = generation.get("kept") or []
    if not kept:
        return ""
    rows = [(code(relative(k["file"], report.get("project"))), code(k["gap"]), cell(k["origin"])) for k in kept]
    text = "### Kept tests\n\n" + table(["test file", "closes gap", "origin"], rows)
    return text + "\n\nAdopt them into the project's tests with `aqe adopt`."


def _failing(report: dict[str, Any]) -> str:
    failing = (report.get("tests") or {}).get("failing") or []
    if not failing:
        return ""
    lines = []
    for test in failing[:MAX_FAILING]:
        first = (test.get("message") or "").strip().splitlines()[:1]
        lines.append(f"- {code(test['nodeid'])} ({test['outcome']})" + (f": {cell(first[0])}" if first else ""))
    return "### Failing tests\n\n" + "\n".join(lines)
