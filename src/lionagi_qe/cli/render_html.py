"""The front page of `aqe report --html`: verdict, coverage, trend chart, gaps ranked, kept tests.

    page = html_front_page(report, trend, coverage_href="coverage/index.html", measured="suite plus kept tests")

One self-contained HTML file (inline CSS and SVG); the line-by-line pages
are coverage.py's, linked from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from lionagi_qe.cli.render_markdown import percent, relative
from lionagi_qe.cli.trend_chart import TrendPoint, trend_svg

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1f2328; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; }
code { font-size: 0.9em; }
.verdict { padding: 0.8rem 1rem; border-radius: 6px; font-size: 1.2rem; margin: 1rem 0; }
.passed { background: #dafbe1; }
.failed { background: #ffebe9; }
.error { background: #fff8c5; }
"""
_VERDICT = {
    "passed": "Quality gate passed", "failed": "Quality gate failed", "error": "aqe could not judge the project",
}


def html_front_page(
    report: dict[str, Any], trend: Sequence[TrendPoint], coverage_href: str, measured: str
) -> str:
    """The page for one `aqe.run/1` report; `trend` oldest first; `coverage_href` links coverage.py's index."""
    title = f"aqe run {report.get('run_id') or ''}".strip()
    body = [
        f"<h1>{escape(title)}</h1>",
        _facts(report),
        _verdict(report),
        _coverage(report, coverage_href, measured),
        "<h2>Coverage across runs</h2>",
        trend_svg(list(trend)),
        _gaps(report),
        _kept(report),
        _failing(report),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of cells already escaped; columns in `numeric` right-aligned."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    lines = []
    for row in rows:
        cells = "".join(f"<td class=\"num\">{v}</td>" if i in numeric else f"<td>{v}</td>" for i, v in enumerate(row))
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _code(value: object) -> str:
    return f"<code>{escape(str(value))}</code>"


def _facts(report: dict[str, Any]) -> str:
    facts = [
        ("project", _code(report.get("project") or "-")),
        ("started", escape(str(report.get("started_at") or "-"))),
        ("storage mode", escape(str(report.get("mode") or "-"))),
        ("model", escape(str(report.get("model") or "offline"))),
    ]
    return "<p>" + " · ".join(f"{name}: {value}" for name, value in facts) + "</p>"


def _verdict(report: dict[str, Any]) -> str:
    status = report.get("status", "error")
    reasons = (report.get("gate") or {}).get("reasons") or []
    if report.get("error"):
        reasons = [report["error"]["message"]]
    items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
    heading = escape(_VERDICT.get(status, status))
    return f'<div class="verdict {escape(status)}"><strong>{heading}</strong><ul>{items}</ul></div>'


def _coverage(report: dict[str, Any], coverage_href: str, measured: str) -> str:
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
    link = f'<p><a href="{escape(coverage_href)}">Line by line (coverage.py, {escape(measured)})</a></p>'
    return "<h2>Coverage</h2>" + _table(["", "suite", "with kept tests"], rows, numeric=(1, 2)) + link


def _gaps(report: dict[str, Any]) -> str:
    gaps = report.get("gaps") or []
    if not gaps:
        return ""
    rows = []
    for rank, gap in enumerate(gaps, 1):
        branches = ", ".join(f"{a}&rarr;{'exit' if b < 0 else b}" for a, b in gap["missing_branches"])
        rows.append((
            str(rank), _code(gap["qualname"]), _code(f"{gap['file']}:{gap['lineno']}"),
            escape(", ".join(map(str, gap["missing_lines"]))), branches, f"{gap['risk']:g}",
        ))
    header = ["#", "function", "where", "missing lines", "missing branches", "risk"]
    return "<h2>Gaps, riskiest first</h2>" + _table(header, rows, numeric=(0, 5))


def _kept(report: dict[str, Any]) -> str:
    kept = (report.get("generation") or {}).get("kept") or []
    if not kept:
        return ""
    project = report.get("project")
    rows = [
        (_code(relative(k["file"], project)), _code(k["gap"]), escape(k["origin"]), escape(k.get("reason", "")))
        for k in kept
    ]
    note = "<p>Move them into the project's tests with <code>aqe adopt</code>.</p>"
    return "<h2>Kept tests</h2>" + _table(["file", "closes gap", "origin", "why kept"], rows) + note


def _failing(report: dict[str, Any]) -> str:
    failing = (report.get("tests") or {}).get("failing") or []
    if not failing:
        return ""
    rows = [(_code(t["nodeid"]), escape(t["outcome"]), escape((t.get("message") or "")[:300])) for t in failing]
    return "<h2>Failing tests</h2>" + _table(["test", "outcome", "message"], rows)
