"""Read a coverage.py data file into line, branch and per-file figures, as `coverage report` does.

    report = load_coverage(run.data_file, project, python=run_python)
    report.totals.line_percent, report.totals.branch_percent, report.totals.percent
    report.files["src/shopkit/pricing.py"].missing_lines
    report.config.fail_under     # the project's coverage settings the report was made with

The figures come from coverage.py's own JSON report of the data file, made
in the target's interpreter (`python`, default the one running aqe) in the
project root with the project's coverage configuration (see
`coverage_config`), so they equal what `coverage report --data-file=...`
prints there, whatever folder aqe runs from: `percent` is its "Cover" column.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.coverage_config import CoverageConfig, ask_coverage
from lionagi_qe.analysis.project import TargetProject

Arc = tuple[int, int]


@dataclass
class Totals:
    """Counts as in `coverage report`: Stmts, Miss, Branch, BrPart and the Cover percentage."""

    statements: int = 0
    missing: int = 0
    branches: int = 0
    partial_branches: int = 0
    covered_branches: int = 0
    percent: float = 100.0

    @property
    def line_percent(self) -> float:
        """Statements executed, in percent."""
        return _percent(self.statements - self.missing, self.statements)

    @property
    def branch_percent(self) -> float:
        """Branch destinations taken, in percent."""
        return _percent(self.covered_branches, self.branches)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the percentages rounded to 2 decimals."""
        return {
            **asdict(self),
            "percent": round(self.percent, 2),
            "line_percent": round(self.line_percent, 2),
            "branch_percent": round(self.branch_percent, 2),
        }


@dataclass
class FileCoverage:
    """One measured file: absolute path, executed and missing lines and branches."""

    path: str
    totals: Totals
    executed_lines: list[int] = field(default_factory=list)
    missing_lines: list[int] = field(default_factory=list)
    executed_branches: list[Arc] = field(default_factory=list)
    missing_branches: list[Arc] = field(default_factory=list)


@dataclass
class CoverageReport:
    """All measured files (keyed by path relative to the project root) and the totals."""

    totals: Totals
    files: dict[str, FileCoverage]
    data_file: str
    config: CoverageConfig = field(default_factory=CoverageConfig)

    def summary(self) -> dict[str, Any]:
        """Totals and a per-file table, JSON-ready."""
        return {
            "totals": self.totals.to_dict(),
            "files": {name: f.totals.to_dict() for name, f in sorted(self.files.items())},
            "data_file": self.data_file,
        }


def _percent(part: int, whole: int) -> float:
    return 100.0 if whole == 0 else 100.0 * part / whole


def _totals(summary: dict[str, Any]) -> Totals:
    return Totals(
        statements=summary["num_statements"],
        missing=summary["missing_lines"],
        branches=summary.get("num_branches", 0),
        partial_branches=summary.get("num_partial_branches", 0),
        covered_branches=summary.get("covered_branches", 0),
        percent=summary["percent_covered"],
    )


def load_coverage(data_file: str | Path, project: TargetProject, *, python: Path | None = None) -> CoverageReport:
    """Report on `data_file` as `coverage report` does in the project root; raises if it cannot be read."""
    asked = ask_coverage(project.root, python or Path(sys.executable), "report", str(Path(data_file).resolve()))
    config = CoverageConfig.from_probe(asked["config"])
    raw = asked["report"]
    if raw is None:
        return CoverageReport(Totals(), {}, str(data_file), config)
    files = {}
    for name, entry in raw["files"].items():
        path = (project.root / name).resolve()  # coverage.py names files relative to its working folder, the root
        files[project.relative(path)] = FileCoverage(
            path=str(path),
            totals=_totals(entry["summary"]),
            executed_lines=entry["executed_lines"],
            missing_lines=entry["missing_lines"],
            executed_branches=[tuple(arc) for arc in entry.get("executed_branches", [])],
            missing_branches=[tuple(arc) for arc in entry.get("missing_branches", [])],
        )
    return CoverageReport(_totals(raw["totals"]), files, str(data_file), config)
