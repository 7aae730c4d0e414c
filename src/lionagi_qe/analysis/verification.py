"""Keep a generated test only if it passes twice, alone, and raises its target's coverage.

    checks = verify_candidates(project, settings, candidates, gaps_by_id, work_dir)
    kept = [c for c in checks if c.kept]
    after = coverage_after(run.data_file, kept, work_dir / "after.coverage")

Each candidate module runs in its own pytest process under coverage.py
(branch coverage, measuring only the target's file), `runs` times; every run
must pass. Offline candidates run without pytest's autoloaded plugins, which
they do not use; a model's tests run with them (it may use their fixtures).
Candidates of one gap are then taken in order (model first, then the
offline engines): each is kept only if it reaches missing lines or branches
that the suite and the candidates kept before it do not.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.coverage_report import Arc
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.probes import PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment

RUNS = 2
USAGE_ERROR = 4
MIN_RUN_TIMEOUT = 60.0


@dataclass
class RunOutcome:
    """One run of a candidate: passed or why not, and what it covered in the target file."""

    passed: bool
    message: str
    lines: set[int] = field(default_factory=set)
    arcs: set[Arc] = field(default_factory=set)
    data_file: str = ""


@dataclass
class Verification:
    """The verdict on one candidate."""

    candidate: Candidate
    passed_runs: int
    kept: bool
    reason: str
    new_lines: list[int] = field(default_factory=list)
    new_branches: list[Arc] = field(default_factory=list)
    data_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the candidate's source included)."""
        return {
            "gap": self.candidate.gap_id,
            "origin": self.candidate.origin,
            "passed_runs": self.passed_runs,
            "kept": self.kept,
            "reason": self.reason,
            "new_lines": self.new_lines,
            "new_branches": [list(a) for a in self.new_branches],
        }


def _read_coverage(data_file: Path, target: str) -> tuple[set[int], set[Arc]]:
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    wanted = Path(target).resolve()
    for measured in data.measured_files():
        if Path(measured).resolve() == wanted:
            return set(data.lines(measured) or []), {(a, b) for a, b in data.arcs(measured) or []}
    return set(), set()


def run_candidate(
    project: TargetProject,
    settings: RunSettings,
    test_file: Path,
    target: str,
    data_file: Path,
    *,
    plugins: bool = True,
) -> RunOutcome:
    """Run one candidate module alone under coverage; see the module docstring.

    With `plugins=False` pytest's plugin autoloading is off (much faster to
    start); a run that then fails on usage (an option of a missing plugin) is
    repeated with the plugins.
    """
    events = data_file.with_suffix(".events.jsonl")
    events.unlink(missing_ok=True)
    command = [
        str(settings.python), "-m", "coverage", "run", "--branch", f"--data-file={data_file}", f"--include={target}",
        "-m", "pytest", "-p", PYTEST_PLUGIN, "-p", "no:cacheprovider", "-q", str(test_file),
    ]
    extra = {"AQE_PROBE_EVENTS": str(events), "AQE_PROBE_TIMEOUT": str(settings.test_timeout)}
    limit = max(MIN_RUN_TIMEOUT, 4 * settings.test_timeout)
    for autoload in ((False, True) if not plugins else (True,)):
        env = probe_environment(project, extra if autoload else {**extra, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        try:
            done = subprocess.run(
                command, cwd=project.root, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                text=True, timeout=limit, check=False,
            )
        except subprocess.TimeoutExpired:
            return RunOutcome(False, f"did not finish within {limit:g}s")
        if done.returncode != USAGE_ERROR:
            break
    results = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()] if events.exists() else []
    tests = [r for r in results if r["e"] == "test"]
    problems = [r for r in results if r["e"] == "collect_error"] + [t for t in tests if t["outcome"] != "passed"]
    if problems or not tests or done.returncode != 0:
        if problems:
            first = problems[0]
            last_line = first["message"].splitlines()[-1] if first["message"] else ""
            message = f"{first.get('outcome', 'collection error')}: {last_line}"
        elif not tests:
            message = "no test ran: " + " | ".join(done.stdout.strip().splitlines()[-2:])
        else:
            message = f"pytest exited with {done.returncode}"
        return RunOutcome(False, message.strip()[:500])
    lines, arcs = _read_coverage(data_file, target)
    return RunOutcome(True, "passed", lines, arcs, str(data_file))


def verify_candidates(
    project: TargetProject,
    settings: RunSettings,
    candidates: Sequence[Candidate],
    gaps: dict[str, Gap],
    work_dir: Path,
    *,
    runs: int = RUNS,
) -> list[Verification]:
    """Run every candidate `runs` times (in parallel) and decide which to keep."""
    jobs: list[tuple[int, int, Path, Path]] = []
    for index, candidate in enumerate(candidates):
        folder = work_dir / f"{index:03d}-{candidate.origin}"
        folder.mkdir(parents=True, exist_ok=True)
        test_file = folder / f"{candidate.stem}.py"
        test_file.write_text(candidate.source, encoding="utf-8")
        jobs += [(index, run, test_file, folder / f"run{run}.coverage") for run in range(runs)]
    workers = max(1, min(len(jobs), os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(
                run_candidate, project, settings, test_file, gaps[candidates[i].gap_id].path, data,
                plugins=candidates[i].origin == "llm",
            )
            for i, _, test_file, data in jobs
        ]
        outcomes = [f.result() for f in futures]
    by_candidate: dict[int, list[RunOutcome]] = {}
    for (index, _, _, _), outcome in zip(jobs, outcomes, strict=True):
        by_candidate.setdefault(index, []).append(outcome)
    remaining = {gap_id: (set(g.missing_lines), {(a, b) for a, b in g.missing_branches}) for gap_id, g in gaps.items()}
    verdicts = []
    for index, candidate in enumerate(candidates):
        results = by_candidate[index]
        passed = sum(r.passed for r in results)
        if passed < runs:
            failure = next(r.message for r in results if not r.passed)
            reason = f"rejected: failed {runs - passed} of {runs} runs ({failure})"
            verdicts.append(Verification(candidate, passed, False, reason))
            continue
        lines, branches = remaining[candidate.gap_id]
        new_lines = sorted(lines & results[0].lines)
        new_branches = sorted(branches & results[0].arcs)
        if not new_lines and not new_branches:
            reason = "rejected: passes but adds no coverage to its target"
            verdicts.append(Verification(candidate, passed, False, reason))
            continue
        lines -= set(new_lines)
        branches -= set(new_branches)
        verdicts.append(Verification(
            candidate, passed, True,
            f"kept: passed {runs} of {runs} runs, "
            f"covers {len(new_lines)} more lines and {len(new_branches)} more branches",
            new_lines, new_branches, results[0].data_file,
        ))
    return verdicts


def coverage_after(baseline: str | Path, kept: Sequence[Verification], out: Path) -> Path:
    """Combine the suite's coverage data with the kept candidates' into `out` (as `coverage combine`)."""
    import coverage

    out.unlink(missing_ok=True)
    combined = coverage.Coverage(data_file=str(out), config_file=False)
    combined.combine([str(baseline), *(v.data_file for v in kept if v.data_file)], keep=True)
    combined.save()
    return out
