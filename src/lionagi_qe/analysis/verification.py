"""Keep a generated test only if it passes twice, alone, and raises its target's coverage.

    checks = verify_candidates(project, settings, candidates, gaps_by_id, work_dir)
    kept = [c for c in checks if c.kept]
    after = coverage_after(run.data_file, kept, work_dir / "after.coverage")
    outcomes = run_candidates(project, settings, candidates, ["shopkit.pricing"], work_dir)  # the same in two
    checks = decide(candidates, outcomes, gaps_by_id, RUNS)       # halves: the runs (anywhere), the verdicts
    spent = RunSeconds(); run_candidates(..., seconds=spent)      # spent.start (worker start-up), spent.runs

Each candidate module runs `runs` times under coverage.py (branch coverage
of the project's sources); every run must pass. On Linux the runs are forks
of one warm worker (`warm_worker`) that imported pytest, coverage.py and the
project once, started in other surroundings than the search (time zone,
hash seed, temporary folder); elsewhere, or with `warm=False`, each run is
its own pytest process. Offline candidates run without pytest's autoloaded
plugins, which they do not use; a model's tests run with them (it may use
their fixtures). Candidates are then taken in order (model first, then the
offline engines): each is kept only if it reaches missing lines or branches
of the given gaps that the suite and the candidates kept before it do not.
A failure's reason is the first line of its message (the assertion, not the
end of pytest's diff).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.coverage_report import Arc, CoverageReport
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.probes import PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment
from lionagi_qe.analysis.warm_worker import WarmWorker, available

RUNS = 2
FAN_OUT = 12
"""Candidates per folder: pytest lists every sibling of each folder on the way to a test file."""
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
    new_points: int = 0
    """Missing lines and branches reached in any file of the given gaps (new_lines/new_branches: the target's)."""

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
            "new_points": self.new_points,
        }


Covered = dict[str, tuple[set[int], set[Arc]]]


def read_coverage(data_file: Path | str) -> Covered:
    """{resolved file path: (lines, arcs)} of a coverage data file."""
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    return {
        str(Path(measured).resolve()): (set(data.lines(measured) or []), {(a, b) for a, b in data.arcs(measured) or []})
        for measured in data.measured_files()
    }


def first_line(message: str) -> str:
    """The first non-empty line of a failure message."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def read_outcome(events: Path, returncode: int, output_tail: str, data_file: Path) -> RunOutcome:
    """A candidate run's verdict from the probe's events, pytest's exit code and the coverage data."""
    results = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()] if events.exists() else []
    tests = [r for r in results if r["e"] == "test"]
    problems = [r for r in results if r["e"] == "collect_error"] + [t for t in tests if t["outcome"] != "passed"]
    if problems or not tests or returncode != 0:
        if problems:
            first = problems[0]
            message = f"{first.get('outcome', 'collection error')}: {first_line(first['message'])}"
            if first["e"] == "collect_error":
                message = f"collection error: {_last_error_line(first['message'])}"
        elif not tests:
            message = "no test ran: " + output_tail
        elif returncode < 0:
            message = "did not finish in time and was stopped"
        else:
            message = f"pytest exited with {returncode}"
        return RunOutcome(False, message.strip()[:500])
    return RunOutcome(True, "passed", data_file=str(data_file))


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("E ")]
    return lines[-1][1:].strip() if lines else first_line(text)


def run_candidate(
    project: TargetProject,
    settings: RunSettings,
    test_file: Path,
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
    sources = ",".join(str(p) for p in project.sources)
    command = [
        str(settings.python), "-m", "coverage", "run", "--branch", f"--data-file={data_file}", f"--source={sources}",
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
    return read_outcome(events, done.returncode, " | ".join(done.stdout.strip().splitlines()[-2:]), data_file)


def verify_candidates(
    project: TargetProject,
    settings: RunSettings,
    candidates: Sequence[Candidate],
    gaps: dict[str, Gap],
    work_dir: Path,
    *,
    runs: int = RUNS,
    warm: bool | None = None,
    missing: Covered | None = None,
) -> list[Verification]:
    """Run every candidate `runs` times and decide which to keep; see the module docstring.

    `missing` ({file: (lines, arcs)}, e.g. `missing_points(report)`) are the points a candidate
    may reach to be kept; by default those of `gaps`.
    """
    modules = sorted({gap.module for gap in gaps.values()})
    outcomes = run_candidates(project, settings, candidates, modules, work_dir, runs=runs, warm=warm)
    return decide(candidates, outcomes, gaps, runs, missing)


def run_candidates(
    project: TargetProject,
    settings: RunSettings,
    candidates: Sequence[Candidate],
    modules: Sequence[str],
    work_dir: Path,
    *,
    runs: int = RUNS,
    warm: bool | None = None,
    seconds: RunSeconds | None = None,
) -> dict[int, list[RunOutcome]]:
    """{index of candidate: its `runs` outcomes}: the running half of `verify_candidates`, before `decide`.

    `modules` (the gaps' modules) are imported once by the warm worker before its forks; `seconds`, if
    given, gets the time spent starting it and the time of the runs themselves.
    """
    jobs: list[tuple[int, Path, Path]] = []
    for index, candidate in enumerate(candidates):
        folder = work_dir / f"{index // FAN_OUT:02d}" / f"{index:03d}-{candidate.origin}"
        folder.mkdir(parents=True, exist_ok=True)
        test_file = folder / f"{candidate.stem}.py"
        test_file.write_text(candidate.source, encoding="utf-8")
        jobs += [(index, test_file, folder / f"run{run}.coverage") for run in range(runs)]
    use_warm = available() if warm is None else warm and available()
    run_all = _run_warm if use_warm and jobs else _run_apart
    runs_of = [(candidates[i].origin == "llm", f, d) for i, f, d in jobs]
    outcomes = run_all(project, settings, runs_of, work_dir, modules, seconds if seconds is not None else RunSeconds())
    by_candidate: dict[int, list[RunOutcome]] = {}
    for (index, _, _), outcome in zip(jobs, outcomes, strict=True):
        by_candidate.setdefault(index, []).append(outcome)
    return by_candidate


@dataclass
class RunSeconds:
    """Where the time of `run_candidates` went: starting the warm worker (and its imports), and the runs."""

    start: float = 0.0
    runs: float = 0.0


Job = tuple[bool, Path, Path]
"""(pytest plugins on, test file, coverage data file) of one run."""


def _run_apart(
    project: TargetProject, settings: RunSettings, jobs: Sequence[Job], work_dir: Path, modules: Sequence[str],
    seconds: RunSeconds,
) -> list[RunOutcome]:
    """Each run in its own pytest process (in parallel, one per core)."""
    started = time.monotonic()
    workers = max(1, min(len(jobs), os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(run_candidate, project, settings, test_file, data, plugins=plugins)
            for plugins, test_file, data in jobs
        ]
        outcomes = [f.result() for f in futures]
    seconds.runs += time.monotonic() - started
    return outcomes


def _run_warm(
    project: TargetProject, settings: RunSettings, jobs: Sequence[Job], work_dir: Path, modules: Sequence[str],
    seconds: RunSeconds,
) -> list[RunOutcome]:
    """Each run a fork of one warm worker that imported pytest, coverage.py and the gaps' modules."""
    specs: list[dict[str, str | bool]] = [
        {"file": str(test_file), "data_file": str(data), "events": str(data.with_suffix(".events.jsonl")),
         "log": str(data.with_suffix(".log")), "autoload": plugins}
        for plugins, test_file, data in jobs
    ]
    limit = max(MIN_RUN_TIMEOUT, 4 * settings.test_timeout)
    started = time.monotonic()
    with WarmWorker.start(project, settings.python, work_dir, condition="witness") as worker:
        worker.request("load", modules=list(modules), files=[])
        loaded = time.monotonic()
        codes = worker.request(
            "verify", jobs=specs, source=[str(p) for p in project.sources], parallel=os.cpu_count() or 2,
            job_timeout=limit, test_timeout=settings.test_timeout, timeout=limit * len(specs) + 60,
        )["exit_codes"]
        seconds.start += loaded - started
        seconds.runs += time.monotonic() - loaded
    outcomes = []
    for spec, code in zip(specs, codes, strict=True):
        log = Path(str(spec["log"]))
        tail = " | ".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-2:]) if (
            log.exists()) else ""
        outcomes.append(read_outcome(Path(str(spec["events"])), code, tail, Path(str(spec["data_file"]))))
    return outcomes


def missing_points(report: CoverageReport) -> Covered:
    """{resolved file: (missing lines, missing arcs)} of a coverage report."""
    return {
        str(Path(m.path).resolve()): (set(m.missing_lines), {(a, b) for a, b in m.missing_branches})
        for m in report.files.values()
    }


def forget_reached(missing: Covered, kept: Sequence[Verification]) -> None:
    """Take the points the kept candidates reach out of `missing`."""
    for check in kept:
        if check.data_file:
            for path, (lines, arcs) in _reached(read_coverage(check.data_file), missing).items():
                missing[path][0].difference_update(lines)
                missing[path][1].difference_update(arcs)


def _missing_of(gaps: dict[str, Gap]) -> Covered:
    missing: Covered = {}
    for gap in gaps.values():
        lines, arcs = missing.setdefault(str(Path(gap.path).resolve()), (set(), set()))
        lines.update(gap.missing_lines)
        arcs.update((a, b) for a, b in gap.missing_branches)
    return missing


def _reached(covered: Covered, missing: Covered) -> dict[str, tuple[set[int], set[Arc]]]:
    found = {}
    for path, (lines, arcs) in covered.items():
        if path not in missing:
            continue
        want_lines, want_arcs = missing[path]
        hit_arcs = {m for a, b in arcs for m in want_arcs if m == (a, b) or (b < 0 and m[0] == a and m[1] < 0)}
        if lines & want_lines or hit_arcs:
            found[path] = (lines & want_lines, hit_arcs)
    return found


def decide(
    candidates: Sequence[Candidate],
    runs_by_candidate: dict[int, list[RunOutcome]],
    gaps: dict[str, Gap],
    runs: int,
    missing: Covered | None = None,
) -> list[Verification]:
    """Keep, in order, each candidate that passed every run and reaches points not reached before it."""
    missing = {k: (set(v[0]), set(v[1])) for k, v in missing.items()} if missing is not None else _missing_of(gaps)
    verdicts = []
    for index, candidate in enumerate(candidates):
        results = runs_by_candidate[index]
        passed = sum(r.passed for r in results)
        if passed < runs:
            failure = next(r.message for r in results if not r.passed)
            reason = f"rejected: failed {runs - passed} of {runs} runs ({failure})"
            verdicts.append(Verification(candidate, passed, False, reason))
            continue
        reached = _reached(read_coverage(results[0].data_file), missing)
        points = sum(len(lines) + len(arcs) for lines, arcs in reached.values())
        if not points:
            reason = "rejected: passes but reaches no line or branch that is still missing"
            verdicts.append(Verification(candidate, passed, False, reason))
            continue
        for path, (lines, arcs) in reached.items():
            missing[path][0].difference_update(lines)
            missing[path][1].difference_update(arcs)
        gap = gaps.get(candidate.gap_id)
        own = reached.get(str(Path(gap.path).resolve()), (set(), set())) if gap is not None else (set(), set())
        verdicts.append(Verification(
            candidate, passed, True,
            f"kept: passed {runs} of {runs} runs, covers {points} more lines and branches "
            f"({len(own[0])} lines and {len(own[1])} branches of its target)",
            sorted(own[0]), sorted(own[1]), results[0].data_file, points,
        ))
    return verdicts


def coverage_after(baseline: str | Path, kept: Sequence[Verification], out: Path) -> Path:
    """Combine the suite's coverage data with the kept candidates' into `out` (as `coverage combine`)."""
    return combine_coverage(baseline, [v.data_file for v in kept if v.data_file], out)


def combine_coverage(baseline: str | Path, others: Sequence[str], out: Path) -> Path:
    """Combine the suite's coverage data with other data files into `out` (as `coverage combine`)."""
    import coverage

    out.unlink(missing_ok=True)
    combined = coverage.Coverage(data_file=str(out), config_file=False)
    combined.combine([str(baseline), *others], keep=True)
    combined.save()
    return out
