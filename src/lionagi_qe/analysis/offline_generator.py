"""Write pytest tests for coverage gaps without a model.

    result = offline_generation(project, python, gaps, work_dir, budget=60, report=report, recorded=recorded)
    result.candidates, result.notes, result.possible_bugs, result.search   # SearchResult: tried, rounds, ...
    candidates, notes = offline_candidates(project, python, gaps, work_dir)  # the same, candidates and notes only

Engines, each giving candidates that verification keeps or drops:

- characterization: the coverage-guided search (`guided_search`) calls the
  gaps' functions with recorded, type-directed and boundary values in a warm
  worker; the calls that reach missing lines or branches become tests that
  pin down today's result or deliberate exception (`call_rendering`);
- doctest: docstring examples of any module that reach uncovered code;
- ghostwriter: for fully type-hinted functions still open after the search,
  Hypothesis writes a fuzz test (when the target's interpreter has Hypothesis
  and black; otherwise a note says to install them).
"""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.call_rendering import render_calls, render_doctest
from lionagi_qe.analysis.call_synthesis import plan_calls
from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.coverage_report import CoverageReport
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.guided_search import (
    CALL_TIMEOUT,
    FoundCall,
    MissingPoints,
    SearchJob,
    SearchResult,
    VerificationTimer,
    guided_search,
)
from lionagi_qe.analysis.probes import CALL_PROBE
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment
from lionagi_qe.analysis.verification import RUNS, RunSeconds, run_candidates
from lionagi_qe.errors import TargetProjectError

DEFAULT_BUDGET = 60.0
TIMED_SAMPLE = 16
"""Test modules a search timing verifies at most (the estimate is per candidate)."""
PROBE_TIMEOUT = 120.0
HYPOTHESIS_SETTINGS = (
    "@settings(database=None, derandomize=True, deadline=None, max_examples=50, "
    "suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])"
)
NO_GHOSTWRITER = "Hypothesis ghostwriter unavailable in the target interpreter: install hypothesis and black there"


@dataclass
class OfflineResult:
    """Candidates, notes on what was skipped, possible bugs found on the way, and the search's figures."""

    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    search: SearchResult = field(default_factory=SearchResult)


def offline_candidates(
    project: TargetProject,
    python: Path,
    gaps: Sequence[Gap],
    work_dir: Path,
    *,
    call_timeout: float = CALL_TIMEOUT,
    budget: float = DEFAULT_BUDGET,
) -> tuple[list[Candidate], list[str]]:
    """Candidates for `gaps` from the offline engines, and notes on what was skipped."""
    result = offline_generation(project, python, gaps, work_dir, call_timeout=call_timeout, budget=budget)
    return result.candidates, result.notes


def offline_generation(
    project: TargetProject,
    python: Path,
    gaps: Sequence[Gap],
    work_dir: Path,
    *,
    budget: float = DEFAULT_BUDGET,
    report: CoverageReport | None = None,
    recorded: dict[str, Any] | None = None,
    call_timeout: float = CALL_TIMEOUT,
) -> OfflineResult:
    """Search, render, then ghostwrite for what stays open; see the module docstring."""
    timer = verification_timer(project, python, work_dir / "timing")
    job = SearchJob(project, python, gaps, report, recorded or {}, budget, work_dir / "search", call_timeout, timer)
    search = guided_search(job)
    result = OfflineResult(notes=list(search.notes), possible_bugs=search.possible_bugs, search=search)
    result.candidates = found_candidates(search.calls)
    known = {gap.id: gap for gap in gaps}
    missing = MissingPoints.of(None, gaps)
    for call in search.calls:
        missing.take(*missing.reached(call.outcome))
    still_open = [gap for gap in gaps if missing.left_in(gap) > 0 and gap.id in known]
    result.candidates += ghostwritten(project, python, still_open, work_dir / "fuzz", result.notes)
    return result


def found_candidates(calls: Sequence[FoundCall]) -> list[Candidate]:
    """The test modules of the found calls: one per doctest, one characterization module per gap."""
    by_gap: dict[str, list[FoundCall]] = {}
    for call in calls:
        by_gap.setdefault(call.gap_id, []).append(call)
    candidates = []
    for gap_id, found in by_gap.items():
        module, _, qualname = gap_id.partition(":")
        stem = generated_stem(module, qualname.strip("<>") or "module")
        for call in found:
            if call.spec.get("shape") == "doctest":
                source = render_doctest(call.spec["expr"], call.spec["name"])
                name = stem + "_doctest_" + call.spec["name"].rsplit(".", 1)[-1].lower()
                candidates.append(Candidate(gap_id, "doctest", source, name))
        characterization = render_calls(gap_id, [c for c in found if c.spec.get("shape") != "doctest"])
        if characterization is not None:
            candidates.append(Candidate(gap_id, "characterization", characterization, stem))
    return candidates


def verification_timer(project: TargetProject, python: Path, work_dir: Path) -> VerificationTimer:
    """A search timer: verifies the found calls' test modules (`TIMED_SAMPLE` at most, spread over them) once
    each, and gives the runs' seconds times `RUNS` and how many were verified.

    The warm worker's start-up is left out (verification pays it once, whatever the number of candidates);
    a timing that fails counts no candidate, so the estimate it was to refine holds.
    """
    timings = itertools.count()

    def timed(calls: Sequence[FoundCall]) -> tuple[float, int]:
        found = found_candidates(calls)
        candidates = found[::-(-len(found) // TIMED_SAMPLE)] if found else []
        if not candidates:
            return 0.0, 0
        modules = sorted({c.gap_id.partition(":")[0] for c in candidates})
        spent = RunSeconds()
        try:
            run_candidates(project, RunSettings(python=python), candidates, modules,
                           work_dir / f"{next(timings):02d}", runs=1, seconds=spent)
        except (TargetProjectError, OSError):
            return 0.0, 0
        return spent.runs * RUNS, len(candidates)

    return timed


def ghostwritten(
    project: TargetProject, python: Path, gaps: Sequence[Gap], work_dir: Path, notes: list[str]
) -> list[Candidate]:
    """Hypothesis fuzz tests for the fully type-hinted module-level functions among `gaps`."""
    targets = []
    for gap in gaps:
        plan = plan_calls(Path(gap.path).read_text(encoding="utf-8"), gap.qualname)
        if plan.skip_reason is None and plan.fully_typed and "." not in gap.qualname:
            targets.append({"id": gap.id, "module": gap.module, "qualname": gap.qualname, "except": plan.raises})
    if not targets:
        return []
    written = _run_probe(project, python, targets, work_dir, notes)
    candidates = []
    for gap in gaps:
        outcome = written.get(gap.id, {}).get("ghostwriter") or {}
        if outcome.get("source"):
            stem = generated_stem(gap.module, gap.qualname) + "_fuzz"
            candidates.append(Candidate(gap.id, "ghostwriter", with_fixed_settings(outcome["source"]), stem))
        elif "unavailable" in str(outcome.get("error", "")) and NO_GHOSTWRITER not in notes:
            notes.append(NO_GHOSTWRITER)
    return candidates


def _run_probe(
    project: TargetProject, python: Path, targets: list[dict[str, Any]], work_dir: Path, notes: list[str]
) -> dict[str, dict[str, Any]]:
    work_dir.mkdir(parents=True, exist_ok=True)
    request, reply = work_dir / "probe-request.json", work_dir / "probe-reply.json"
    request.write_text(json.dumps({"targets": targets}), encoding="utf-8")
    try:
        done = subprocess.run(
            [str(python), str(CALL_PROBE), str(request), str(reply)], cwd=project.root,
            env=probe_environment(project), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=PROBE_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        notes.append(f"the Hypothesis ghostwriter took over {PROBE_TIMEOUT:g}s and was stopped; no fuzz tests")
        return {}
    if done.returncode != 0 or not reply.exists():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        notes.append(f"the Hypothesis ghostwriter failed (exit {done.returncode}): {tail}")
        return {}
    return {t["id"]: t for t in json.loads(reply.read_text(encoding="utf-8"))["targets"]}


def with_fixed_settings(source: str) -> str:
    """Ghostwriter output made repeatable: no example database, derandomized, no deadline."""
    lines = []
    for line in source.splitlines():
        if line.startswith("@given("):
            lines.append(HYPOTHESIS_SETTINGS)
        lines.append(line)
    text = "\n".join(lines) + "\n"
    return text.replace("from hypothesis import ", "from hypothesis import HealthCheck, settings, ", 1)
