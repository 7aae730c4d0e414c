"""Coverage of the changed lines, as diff-cover counts it.

    changes = find_changes(project, "main")
    diff = measure_diff_coverage(load_coverage(data_file, project), changes)
    diff.percent, diff.statements, diff.covered     # 75.0, 4, 3
    diff.files["src/shopkit/pricing.py"]["missing_lines"]

A changed line counts when it is an executable statement that coverage.py
measured (executed or missing; excluded lines and lines of files outside
the measured sources do not count); it is covered when it ran. Partly taken
branches count as covered lines, as in diff-cover's default. With no
changed statement the figure is 100%, as diff-cover reports it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lionagi_qe.analysis.changed_code import ChangeSet
from lionagi_qe.analysis.coverage_report import CoverageReport


@dataclass
class DiffCoverage:
    """Changed statements, those covered, the percentage, and the same per file."""

    base: str
    commit: str
    statements: int
    covered: int
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        """Covered changed statements in percent (100 when none changed)."""
        return 100.0 if self.statements == 0 else round(100.0 * self.covered / self.statements, 2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the percentage included."""
        return {**asdict(self), "percent": self.percent}


def measure_diff_coverage(report: CoverageReport, changes: ChangeSet) -> DiffCoverage:
    """The coverage of the lines changed since `changes.commit`; see the module docstring."""
    result = DiffCoverage(changes.base, changes.commit, 0, 0)
    for file, lines in sorted(changes.lines.items()):
        measured = report.files.get(file)
        if measured is None:
            continue
        executed = set(measured.executed_lines)
        statements = sorted(lines & (executed | set(measured.missing_lines)))
        if not statements:
            continue
        covered = [line for line in statements if line in executed]
        result.statements += len(statements)
        result.covered += len(covered)
        result.files[file] = {
            "statements": len(statements),
            "covered": len(covered),
            "percent": round(100.0 * len(covered) / len(statements), 2),
            "missing_lines": [line for line in statements if line not in executed],
        }
    return result
