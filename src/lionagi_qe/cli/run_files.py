"""Each run's report on disk, beside its data: `<root>/.aqe/runs/<run>/report.json` (schema aqe.run/1).

    save_report(report)                       # after `aqe run`, when the run has its folder
    report = load_report(root, run_id=None)   # that run's report, or the latest run's
    reports = saved_reports(root)             # every run still on disk, oldest first

`aqe report` and `aqe adopt` read these, so they work in every storage mode
(in development mode memory ends with the process); old runs go as
`--keep-runs` prunes their folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.workspace import RUNS, WORKSPACE, run_ids
from lionagi_qe.errors import ConfigurationError

REPORT_FILE = "report.json"


def run_path(root: Path, run_id: str) -> Path:
    """The folder of one run (it may have been pruned)."""
    return root / WORKSPACE / RUNS / run_id


def save_report(report: dict[str, Any]) -> Path | None:
    """Write `report` into its run's folder; None when the run has no folder (it never ran the suite)."""
    if not report.get("project") or not report.get("run_id"):
        return None
    folder = run_path(Path(report["project"]), report["run_id"])
    if not folder.is_dir():
        return None
    path = folder / REPORT_FILE
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


def saved_reports(root: Path) -> list[dict[str, Any]]:
    """The reports of every run on disk under `root`, oldest first (runs without one left out)."""
    reports = []
    for run_id in run_ids(root):
        path = run_path(root, run_id) / REPORT_FILE
        if path.is_file():
            reports.append(json.loads(path.read_text(encoding="utf-8")))
    return reports


def load_report(root: Path, run_id: str | None = None) -> dict[str, Any]:
    """The saved report of `run_id` (default the latest run with one); a `ConfigurationError` says what exists."""
    if run_id is None:
        reports = saved_reports(root)
        if not reports:
            raise ConfigurationError(f"no run of {root} on disk (under .aqe/runs/); run `aqe run {root}` first")
        return reports[-1]
    path = run_path(root, run_id) / REPORT_FILE
    if not path.is_file():
        known = ", ".join(run_ids(root)[-5:]) or "none"
        raise ConfigurationError(
            f"no report of run {run_id!r} in {root / WORKSPACE / RUNS} (pruned, or never run there); "
            f"latest runs: {known}"
        )
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report
