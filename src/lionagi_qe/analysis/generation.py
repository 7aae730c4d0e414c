"""Close coverage gaps with verified tests: the generation sequence, model or not.

    job = GenerationJob(project, settings, gaps, work_dir, output_dir, baseline_data_file,
                        budget=60, recorded_inputs=run_dir / "recorded-inputs")
    outcome = close_gaps(job, model_candidates=[], fallbacks=[])
    outcome.kept            # [(Verification, Path)]: tests kept and the files they were written to
    outcome.rejected        # verdicts with their reasons; outcome.notes, outcome.possible_bugs
    outcome.coverage_after  # Totals with the kept tests (coverage.py's combination)

The sequence: verify the model's candidates (if any); every gap the model
did not close falls back to the offline engines (a coverage-guided search
within what is left of `budget` seconds, starting from the inputs recorded
while the suite ran), whose candidates are verified the same way; the kept
tests are confirmed in clean processes, alone and with the suite (a test
failing there is rejected), then written to `output_dir` (never over an
existing file); coverage is measured before and with them. The model call
itself belongs to the caller (an agent): pass its candidates and the
fallbacks it already noted (gaps it could not even ask about).

Verifying a batch of candidates and confirming the kept set are the job's
`verifier` and `confirmer` (`verify_candidates` and `confirm_kept` here;
`workers.DistributedTestGeneratorAgent` passes versions that run them as
jobs on workers); the offline search always runs in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.confirmation import Confirmation, confirm_kept
from lionagi_qe.analysis.coverage_report import Totals, load_coverage
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.input_recording import load_recorded
from lionagi_qe.analysis.mutant_targets import keep_mutant_killers
from lionagi_qe.analysis.mutation_testing import Mutant
from lionagi_qe.analysis.offline_generator import DEFAULT_BUDGET, offline_generation
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.analysis.verification import (
    Covered,
    Verification,
    combine_coverage,
    forget_reached,
    missing_points,
    verify_candidates,
)


class VerifyCandidates(Protocol):
    """Verifies a batch of candidates as `verify_candidates` does (same arguments, same verdicts)."""

    def __call__(
        self, project: TargetProject, settings: RunSettings, candidates: Sequence[Candidate], gaps: dict[str, Gap],
        work_dir: Path, *, missing: Covered | None = None,
    ) -> list[Verification]: ...


ConfirmKept = Callable[[TargetProject, RunSettings, Sequence[Verification], Path], Confirmation]
"""Confirms the kept tests in clean processes as `confirm_kept` does."""


@dataclass(frozen=True)
class GenerationJob:
    """What to close and where: the project, how to run its tests, the gaps, the folders, the suite's coverage."""

    project: TargetProject
    settings: RunSettings
    gaps: Sequence[Gap]
    work_dir: Path
    output_dir: Path
    baseline_data_file: str
    mutants: Sequence[Mutant] = ()
    """Mutants the suite let survive (mutation-tester): a passing candidate that kills one is kept."""
    budget: float = DEFAULT_BUDGET
    """Seconds for the whole sequence; the offline search gets what the model's verification left."""
    recorded_inputs: Path | None = None
    """Folder of the inputs recorded while the suite ran (`input_recording`), if any."""
    confirm: bool = True
    """Run the kept tests again in clean processes, alone and with the suite, before writing them."""
    verifier: VerifyCandidates = verify_candidates
    """What verifies each batch of candidates (the model's, then the offline engine's)."""
    confirmer: ConfirmKept = confirm_kept
    """What confirms the kept tests (when `confirm`)."""


@dataclass
class GenerationOutcome:
    """Every verdict, the kept tests with their files, the fallbacks and coverage before and after."""

    checks: list[Verification]
    kept: list[tuple[Verification, Path]]
    fallbacks: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)
    coverage_before: Totals = field(default_factory=Totals)
    coverage_after: Totals = field(default_factory=Totals)
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    search: dict[str, Any] = field(default_factory=dict)
    """The offline search's figures: calls tried, rounds, seconds, why it stopped, its estimate per candidate."""
    seconds: float = 0.0

    @property
    def rejected(self) -> list[Verification]:
        """Candidates that failed verification."""
        return [check for check in self.checks if not check.kept]


def close_gaps(
    job: GenerationJob, model_candidates: Sequence[Candidate], fallbacks: Sequence[dict[str, str]]
) -> GenerationOutcome:
    """Run the sequence of the module docstring; `fallbacks` gets the model's rejected gaps appended."""
    started = time.monotonic()
    by_id = {gap.id: gap for gap in job.gaps}
    fallen = list(fallbacks)
    before = load_coverage(job.baseline_data_file, job.project, python=job.settings.python)
    missing = missing_points(before)
    checks = _verify(job, model_candidates, by_id, "llm", missing)
    closed = {check.candidate.gap_id for check in checks if check.kept}
    for check in checks:
        if not check.kept and check.candidate.gap_id not in closed:
            fallen.append({"gap": check.candidate.gap_id, "reason": f"model's test {check.reason}"})
    open_gaps = [gap for gap in job.gaps if gap.id not in closed]
    outcome = GenerationOutcome(checks=checks, kept=[], fallbacks=fallen, coverage_before=before.totals)
    if open_gaps:
        left = max(1.0, job.budget - (time.monotonic() - started))
        offline = offline_generation(
            job.project, job.settings.python, open_gaps, job.work_dir / "offline", budget=left, report=before,
            recorded=load_recorded(job.recorded_inputs),
        )
        outcome.notes, outcome.possible_bugs = offline.notes, offline.possible_bugs
        outcome.search = {
            "calls_tried": offline.search.tried, "rounds": offline.search.rounds,
            "seconds": offline.search.seconds, "stopped": offline.search.stopped,
            "seconds_per_candidate": offline.search.seconds_per_candidate,
        }
        offline_checks = _verify(job, offline.candidates, by_id, "offline", missing)
        outcome.possible_bugs += [fuzz_failure(check) for check in offline_checks if fuzz_found_a_crash(check)]
        checks += offline_checks
    keep_mutant_killers(job.project, job.settings, checks, job.mutants, job.work_dir / "mutant-killers")
    kept = [check for check in checks if check.kept]
    after_data: list[str] = [c.data_file for c in kept if c.data_file]
    if job.confirm and kept:
        confirmation = job.confirmer(job.project, job.settings, kept, job.work_dir)
        for index, reason in confirmation.failures.items():
            checks[checks.index(kept[index])] = replace(kept[index], kept=False, reason=f"rejected: {reason}")
        kept = [check for check in checks if check.kept]
        if confirmation.data_file is not None and not confirmation.failures:
            after_data = [str(confirmation.data_file)]
        else:
            after_data = [c.data_file for c in kept if c.data_file]
    files = write_tests(job.output_dir, [(c.candidate.stem, c.candidate.source) for c in kept]) if kept else []
    after_file = combine_coverage(job.baseline_data_file, after_data, job.work_dir / "after.coverage")
    outcome.checks = checks
    outcome.kept = list(zip(kept, files, strict=True))
    outcome.coverage_after = load_coverage(after_file, job.project, python=job.settings.python).totals
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def fuzz_found_a_crash(check: Verification) -> bool:
    """A Hypothesis fuzz test (inputs from the type hints) that failed on an exception, not on a timeout."""
    return check.candidate.origin == "ghostwriter" and not check.kept and check.passed_runs < 2 and (
        "failed: " in check.reason and "Error" in check.reason
    )


def fuzz_failure(check: Verification) -> dict[str, Any]:
    """A failed fuzz test as a possible bug (same fields as the search's)."""
    failure = check.reason.split("(failed: ", 1)[-1].rstrip(")")
    return {
        "gap": check.candidate.gap_id,
        "call": f"the Hypothesis fuzz test {check.candidate.stem}",
        "imports": [],
        "exception": failure,
        "where": "",
        "reason": "a fuzz test with inputs from the type hints failed: valid-typed input the function does not handle",
    }


def _verify(
    job: GenerationJob, candidates: Sequence[Candidate], by_id: dict[str, Gap], folder: str, missing: Covered
) -> list[Verification]:
    """Verify `candidates` against the points still `missing`, then take away what the kept ones reach."""
    if not candidates:
        return []
    checks = job.verifier(job.project, job.settings, candidates, by_id, job.work_dir / folder, missing=missing)
    forget_reached(missing, [c for c in checks if c.kept])
    return checks
