"""Confirm the finally kept tests in clean pytest processes: alone (under coverage) and together with the suite.

    confirmed = confirm_kept(project, settings, kept, work_dir)
    confirmed.failures      # {index in kept: "failed alone: AssertionError: ..."}: tests to drop
    confirmed.data_file     # coverage of the kept tests alone (combine it with the suite's)

Verification ran each candidate in a fork of a warm process; this is the
last word, in the conditions a user will meet: one fresh process runs the
kept modules alone under coverage.py, another runs the project's suite (as
configured, with `--pytest-args`) with the kept modules added to it. Both
load the installed pytest plugins, as the suite's own run does. The modules
are copied outside the project for these runs: pytest would leave out a
file under a folder it does not collect (such as `.aqe/`) when the suite
collects the project's root.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lionagi_qe.analysis.probes import EXTRA_TESTS_PLUGIN, PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.analysis.verification import Verification, first_line

MIN_TIMEOUT = 300.0


@dataclass
class Confirmation:
    """Which kept tests failed in a clean process, and the coverage data of the kept tests alone."""

    failures: dict[int, str] = field(default_factory=dict)
    data_file: Path | None = None


def _run(command: list[str], project: TargetProject, env: dict[str, str], limit: float) -> None:
    try:
        subprocess.run(
            command, cwd=project.root, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def _owners(nodeid: str, files: Sequence[Path], names: list[set[str]]) -> list[int]:
    """Which of `files` a node id can be from: pytest writes files outside its root as '::name' or '../..'."""
    path, _, rest = nodeid.partition("::")
    name = rest.split("::")[-1].split("[")[0]
    outside = path == "" or path.startswith("..") or Path(path).is_absolute()
    return [i for i, f in enumerate(files) if name in names[i] and (outside or path.endswith(f.name))]


def _failed_files(events: Path, files: Sequence[Path]) -> dict[int, str]:
    """{index of file: first failure} from the probe's events of one run."""
    found: dict[int, str] = {}
    names = [_test_names(f) for f in files]
    lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
    ran: set[int] = set()
    for line in lines:
        event = json.loads(line)
        if event["e"] not in ("test", "collect_error"):
            continue
        if event["e"] == "collect_error":
            owners = [i for i, f in enumerate(files) if event["nodeid"].endswith(f.name)]
        else:
            owners = _owners(event["nodeid"], files, names)
        for index in owners:
            ran.add(index)
            if event["e"] == "collect_error" or event["outcome"] not in ("passed", "skipped"):
                found.setdefault(index, f"{event.get('outcome', 'collection error')}: {first_line(event['message'])}")
    for index in range(len(files)):
        if index not in ran:
            found.setdefault(index, "did not run")
    return found


def confirm_kept(
    project: TargetProject, settings: RunSettings, kept: Sequence[Verification], work_dir: Path
) -> Confirmation:
    """Run the kept tests alone under coverage, then with the suite; see the module docstring."""
    if not kept:
        return Confirmation()
    folder = work_dir / "confirm"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aqe-confirm-") as outside:
        files = write_tests(Path(outside), [(v.candidate.stem, v.candidate.source) for v in kept])
        return _confirm(project, settings, files, folder)


def _confirm(project: TargetProject, settings: RunSettings, files: list[Path], folder: Path) -> Confirmation:
    limit = max(MIN_TIMEOUT, 4 * settings.test_timeout * len(files))
    data = folder / "kept.coverage"
    data.unlink(missing_ok=True)
    alone_events, suite_events = folder / "alone.events.jsonl", folder / "suite.events.jsonl"
    for events in (alone_events, suite_events):
        events.unlink(missing_ok=True)
    base = {"AQE_PROBE_TIMEOUT": str(settings.test_timeout)}
    sources = ",".join(str(p) for p in project.sources)
    alone = [
        str(settings.python), "-m", "coverage", "run", "--branch", f"--data-file={data}", f"--source={sources}",
        "-m", "pytest", "-p", PYTEST_PLUGIN, "-p", "no:cacheprovider", "-q", *map(str, files),
    ]
    _run(alone, project, probe_environment(project, {**base, "AQE_PROBE_EVENTS": str(alone_events)}), limit)
    failures = {i: f"failed alone in a clean process ({m})" for i, m in _failed_files(alone_events, files).items()}
    together = [
        str(settings.python), "-m", "pytest", "-p", PYTEST_PLUGIN, "-p", EXTRA_TESTS_PLUGIN, "-p", "no:cacheprovider",
        *settings.pytest_args,
    ]
    env = probe_environment(project, {
        **base, "AQE_PROBE_EVENTS": str(suite_events), "AQE_EXTRA_TESTS": os.pathsep.join(map(str, files)),
    })
    _run(together, project, env, limit + 10 * MIN_TIMEOUT)
    for index, message in _failed_files(suite_events, files).items():
        failures.setdefault(index, f"failed together with the project's suite ({message})")
    return Confirmation(failures, data if data.exists() else None)
