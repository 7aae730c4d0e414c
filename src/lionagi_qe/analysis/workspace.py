"""The `.aqe/` folder aqe keeps inside a project: ignored by git, one folder per run, old runs pruned.

    folder = run_folder(project.root, run_id)   # <root>/.aqe/runs/<run>; <root>/.aqe/.gitignore holds "*"
    prune_runs(project.root, keep=10)           # only the 10 newest run folders stay (0: keep every run)

Like pytest's `.pytest_cache`, `.aqe/` writes its own `.gitignore`, so
nothing aqe writes (run data, reports, generated tests before `aqe adopt`)
shows up in `git status`. Run ids start with a UTC timestamp, so run folders
sort by time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

WORKSPACE = ".aqe"
RUNS = "runs"
GITIGNORE = "# Created by aqe automatically: its runs, reports and generated tests.\n*\n"
DEFAULT_KEEP_RUNS = 10


def workspace(root: Path) -> Path:
    """`<root>/.aqe`, created with its `.gitignore` if missing (an existing one is left as it is)."""
    folder = root / WORKSPACE
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
    return folder


def runs_folder(root: Path) -> Path:
    """`<root>/.aqe/runs` (its parent made as `workspace` does; the folder itself may not exist yet)."""
    return workspace(root) / RUNS


def run_folder(root: Path, run_id: str) -> Path:
    """Where one run keeps its files: `<root>/.aqe/runs/<run>`."""
    return runs_folder(root) / run_id


def run_ids(root: Path) -> list[str]:
    """Ids of the runs with a folder under `<root>/.aqe/runs`, oldest first."""
    runs = root / WORKSPACE / RUNS
    return sorted(child.name for child in runs.iterdir() if child.is_dir()) if runs.is_dir() else []


def prune_runs(root: Path, keep: int = DEFAULT_KEEP_RUNS) -> list[str]:
    """Delete all but the `keep` newest run folders (`keep` 0: delete none); returns the ids deleted."""
    if keep <= 0:
        return []
    doomed = run_ids(root)[:-keep]
    for run_id in doomed:
        shutil.rmtree(root / WORKSPACE / RUNS / run_id, ignore_errors=True)
    return doomed
