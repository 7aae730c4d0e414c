"""Test impact analysis for `aqe run --diff BASE --only-impacted`: which tests to run, from an earlier run's map.

    previous = latest_test_map(project.root / ".aqe" / "runs")       # or the path an earlier run recorded
    selection = select_impacted(project, "main", previous)
    selection.selected          # ['tests/test_accounts.py::test_open', ...] or None (run every test)
    # after the run:
    update_test_map(work_dir / TEST_MAP, contexts.by_function(project), ran, previous)

Every run writes a test map: each function (file::qualname, as the sources
were then) with the tests that ran one of its lines, from the per-test
coverage contexts. The impacted tests are those the latest map names for
the functions changed since BASE, plus every test of a test file changed
since BASE or unknown to the map (new tests). A run of only some tests
updates the map for those tests and keeps the rest, as pytest-testmon keeps
its database. Without an earlier map, or when the map names no test for
the changes, every test runs, and the selection says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.changed_code import find_changes
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_contexts import read_test_map, save_test_map

TEST_MAP = "test-map.json"


@dataclass
class ImpactSelection:
    """The tests chosen for a run (None: all of them), from which map, and why."""

    base: str
    commit: str
    selected: list[str] | None
    reason: str
    map_file: str | None = None
    changed_functions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def latest_test_map(runs_dir: Path) -> Path | None:
    """The newest test map under a folder of runs (run ids sort by time), if any."""
    maps = sorted(runs_dir.glob(f"*/{TEST_MAP}")) if runs_dir.is_dir() else []
    return maps[-1] if maps else None


def select_impacted(project: TargetProject, base: str, map_file: Path | None) -> ImpactSelection:
    """The tests exercising what changed since `base`, per `map_file`; see the module docstring."""
    changes = find_changes(project, base)
    keys = [function.key for function in changes.functions]
    selection = ImpactSelection(base, changes.commit, None, "", str(map_file) if map_file else None, keys)
    if map_file is None:
        selection.reason = (
            "no test map from an earlier run: ran every test; the next --only-impacted run selects from this one"
        )
        return selection
    functions, known = read_test_map(map_file)
    chosen = {test for key in keys for test in functions.get(key, [])}
    known_files = {test.split("::")[0] for test in known}
    fresh = sorted(
        relative for path in project.test_files if (relative := project.relative(path)) not in known_files
    )
    chosen.update(changes.test_files, fresh)
    if not chosen:
        selection.reason = f"no test exercises the {len(keys)} function(s) changed since {base}: ran every test"
        return selection
    selection.selected = sorted(chosen)
    selection.reason = (
        f"{len(selection.selected)} test(s) or test file(s) exercise the {len(keys)} function(s) changed since "
        f"{base} (map {map_file.parent.name}), changed test files included"
    )
    return selection


def update_test_map(
    path: Path, functions: Mapping[str, list[str]], ran: Iterable[str], previous: Path | None
) -> Path:
    """Write this run's map; after a partial run, the earlier map's entries for tests that did not run are kept."""
    ran = set(ran)
    merged = {key: set(tests) for key, tests in functions.items()}
    known = set(ran)
    if previous is not None and previous.is_file():
        old_functions, old_known = read_test_map(previous)
        known |= old_known
        for key, tests in old_functions.items():
            kept = {test for test in tests if test not in ran}
            if kept:
                merged.setdefault(key, set()).update(kept)
    return save_test_map(path, {key: sorted(tests) for key, tests in sorted(merged.items())}, known)
