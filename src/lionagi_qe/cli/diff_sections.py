"""The text report's sections for `--diff` and the diff-aware agents (an `aqe.run/1` report in, lines out).

    for section in DIFF_SECTIONS:
        section(report)      # diff coverage, mutation score and survivors, regression risk, API breaks
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.markup import escape

from lionagi_qe.cli.common import console

MAX_SHOWN = 5


def _print(text: str) -> None:
    console.print(text, highlight=False)


def diff_coverage(report: dict[str, Any]) -> None:
    """Coverage of the changed lines and, per file, the changed lines no test ran."""
    diff = report.get("diff_coverage")
    if not diff:
        return
    _print(
        f"changed lines since {escape(diff['base'])}: {diff['percent']:.1f}% covered "
        f"({diff['covered']} of {diff['statements']} statements; threshold {diff['threshold']:g}%)"
    )
    for file, figures in diff["files"].items():
        if figures["missing_lines"]:
            _print(f"  {escape(file)}: not run {', '.join(map(str, figures['missing_lines']))}")


def mutation(report: dict[str, Any]) -> None:
    """The mutation score and the first surviving mutants."""
    found = report.get("mutation")
    if not found:
        return
    score = "n/a" if found["score"] is None else f"{found['score']:.1f}%"
    _print(f"mutation score {score} ({found['killed']} killed, {len(found['survived'])} survived)")
    for mutant in found["survived"][:MAX_SHOWN]:
        _print(f"  [yellow]survived[/] {escape(mutant['file'])}:{mutant['line']} {escape(mutant['description'])}")


def regression_risk(report: dict[str, Any]) -> None:
    """The riskiest changed functions, their tests, and those no test covers."""
    found = report.get("regression_risk")
    if not found:
        return
    for row in found["changed"][:MAX_SHOWN]:
        _print(f"risk {row['level']} {row['risk']:g} {escape(row['key'])}: {len(row['tests'])} test(s)")
    for key in found["uncovered"]:
        _print(f"  [yellow]no tests cover[/] {escape(key)} (changed)")


def api_contract(report: dict[str, Any]) -> None:
    """Breaking API changes and the semver advice."""
    found = report.get("api_contract")
    if not found:
        return
    breaking = len(found["breaking"])
    _print(f"public API since {escape(found['base'])}: {breaking} breaking change(s), semver {found['semver']}")
    for item in found["breaking"][:MAX_SHOWN]:
        _print(f"  [red]breaking[/] {escape(item['message'])}")


DIFF_SECTIONS: tuple[Callable[[dict[str, Any]], None], ...] = (diff_coverage, mutation, regression_risk, api_contract)
