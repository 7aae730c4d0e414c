"""`coverage report` and `coverage run` as a user types them, to hold aqe's figures to coverage.py's.

    printed = coverage_report(project.root, run.data_file)    # the TOTAL row, printed in the project root
    assert_same_as_printed(report.totals, printed)            # counts equal, Cover shown the same
    plain = plain_coverage_run(root, ["pkg"], tmp_path / "plain.coverage")   # coverage run -m pytest, then report
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from coverage.results import display_covered

from lionagi_qe.analysis.coverage_report import Totals

TOTAL = re.compile(r"^TOTAL\s+(\d+)\s+(\d+)(?:\s+(\d+)\s+(\d+))?\s+([\d.]+)%", re.MULTILINE)
FAIL_UNDER = 2
"""`coverage report` exits 2 when the total is under the configuration's fail_under."""


@dataclass(frozen=True)
class PrintedTotal:
    """The TOTAL row of `coverage report`: Stmts, Miss, Branch, BrPart and Cover as printed."""

    statements: int
    missing: int
    branches: int
    partial_branches: int
    cover: str


def coverage_report(
    root: Path, data_file: str | Path, *args: str, env: Mapping[str, str] | None = None
) -> PrintedTotal:
    """Run `python -m coverage report --data-file=...` in `root` and parse its TOTAL row."""
    command = [sys.executable, "-m", "coverage", "report", f"--data-file={data_file}", *args]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode in (0, FAIL_UNDER), done.stdout + done.stderr
    found = TOTAL.search(done.stdout)
    assert found is not None, done.stdout
    statements, missing, branches, partial, cover = found.groups()
    return PrintedTotal(int(statements), int(missing), int(branches or 0), int(partial or 0), cover)


def assert_same_as_printed(totals: Totals, printed: PrintedTotal) -> None:
    """aqe's totals are the printed ones: the same counts, and the same Cover once shown as coverage.py shows it."""
    counted = (totals.statements, totals.missing, totals.branches, totals.partial_branches)
    assert counted == (printed.statements, printed.missing, printed.branches, printed.partial_branches)
    precision = len(printed.cover.partition(".")[2])
    assert display_covered(totals.percent, precision) == printed.cover


def plain_coverage_run(
    root: Path, source: Sequence[str], data_file: Path, *, pythonpath: Sequence[Path] = ()
) -> PrintedTotal:
    """`coverage run --branch [--source=...] -m pytest` in `root`, then `coverage report` of its data."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    sources = [f"--source={','.join(source)}"] if source else []
    command = [
        sys.executable, "-m", "coverage", "run", "--branch", *sources, f"--data-file={data_file}",
        "-m", "pytest", "-q", "-p", "no:cacheprovider",
    ]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return coverage_report(root, data_file, env=env)
