"""The test generator's jobs on a worker: `verify-candidates` (run a batch) and `confirm-kept` (clean processes).

    result = run_verify_candidates({**project_spec(...), "run_id": run, "job": "verify-offline-1",
                                    "candidates": [candidate.to_dict(), ...], "modules": ["shopkit.pricing"],
                                    "runs": 2})
    result["runs"]        # per candidate, its runs: [{"passed", "message", "coverage"}, ...]
    result = run_confirm_kept({**project_spec(...), "run_id": run, "job": "confirm-kept",
                               "kept": [candidate.to_dict(), ...]})
    result["failures"]    # {"0": "failed alone in a clean process (...)"}: index in `kept` -> why
    result["coverage"]    # the kept tests alone (coverage_transfer), or None

`verify-candidates` runs each candidate `runs` times as verification does
here (`analysis.verification.run_candidates`); the verdicts, which depend on
the order of every batch, are the caller's (`decide`). A run's coverage
travels only where the verdict reads it: the first run of a candidate that
passed every run. `confirm-kept` is `analysis.confirmation.confirm_kept` on
the kept tests. Both open the project with `job_project.open_project` and
say what they did in `summary`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.confirmation import confirm_kept
from lionagi_qe.analysis.verification import RUNS, RunOutcome, Verification, run_candidates
from lionagi_qe.workers.job_project import OpenedProject, open_project

WORK_FOLDER = "generation-jobs"


def run_verify_candidates(spec: dict[str, Any]) -> dict[str, Any]:
    """Run a batch of candidates; see the module docstring."""
    opened = open_project(spec)
    candidates = [Candidate(**fields) for fields in spec["candidates"]]
    runs = int(spec["runs"])
    work_dir = opened.work_dir(spec["run_id"], WORK_FOLDER, spec["job"])
    outcomes = run_candidates(opened.project, opened.settings, candidates, spec["modules"], work_dir, runs=runs)
    results = [_runs_as_json(outcomes[index], opened) for index in range(len(candidates))]
    passed = sum(all(run["passed"] for run in runs_of) for runs_of in results)
    return {
        "runs": results,
        "summary": f"{len(candidates)} candidate(s) run {runs} time(s) each, {passed} passed every run",
    }


def _runs_as_json(outcomes: list[RunOutcome], opened: OpenedProject) -> list[dict[str, Any]]:
    every_run_passed = all(outcome.passed for outcome in outcomes)
    return [
        {
            "passed": outcome.passed,
            "message": outcome.message,
            "coverage": opened.pack(Path(outcome.data_file)) if every_run_passed and index == 0 else None,
        }
        for index, outcome in enumerate(outcomes)
    ]


def run_confirm_kept(spec: dict[str, Any]) -> dict[str, Any]:
    """Confirm the kept tests in clean processes; see the module docstring."""
    opened = open_project(spec)
    kept = [Verification(Candidate(**fields), RUNS, True, "kept") for fields in spec["kept"]]
    work_dir = opened.work_dir(spec["run_id"], WORK_FOLDER, spec["job"])
    confirmation = confirm_kept(opened.project, opened.settings, kept, work_dir)
    failed = len(confirmation.failures)
    return {
        "failures": {str(index): reason for index, reason in confirmation.failures.items()},
        "coverage": opened.pack(confirmation.data_file) if confirmation.data_file is not None else None,
        "summary": f"{len(kept)} kept test module(s) run alone and with the suite, {failed} failed",
    }
