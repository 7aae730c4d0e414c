"""Close coverage gaps with verified tests: the generation sequence, model or not.

    job = GenerationJob(project, settings, gaps, work_dir, output_dir, baseline_data_file)
    outcome = close_gaps(job, model_candidates=[], fallbacks=[])
    outcome.kept            # [(Verification, Path)]: tests kept and the files they were written to
    outcome.coverage_after  # Totals with the kept tests (coverage.py's combination)

The sequence: verify the model's candidates (if any); every gap the model
did not close falls back to the offline engines, whose candidates are
verified the same way; the kept tests are written to `output_dir` (never
over an existing file); coverage is measured before and with them. The
model call itself belongs to the caller (an agent): pass its candidates and
the fallbacks it already noted (gaps it could not even ask about).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.coverage_report import Totals, load_coverage
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.mutant_targets import keep_mutant_killers
from lionagi_qe.analysis.mutation_testing import Mutant
from lionagi_qe.analysis.offline_generator import offline_candidates
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.analysis.verification import Verification, coverage_after, verify_candidates


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


@dataclass
class GenerationOutcome:
    """Every verdict, the kept tests with their files, the fallbacks and coverage before and after."""

    checks: list[Verification]
    kept: list[tuple[Verification, Path]]
    fallbacks: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)
    coverage_before: Totals = field(default_factory=Totals)
    coverage_after: Totals = field(default_factory=Totals)

    @property
    def rejected(self) -> list[Verification]:
        """Candidates that failed verification."""
        return [check for check in self.checks if not check.kept]


def close_gaps(
    job: GenerationJob, model_candidates: Sequence[Candidate], fallbacks: Sequence[dict[str, str]]
) -> GenerationOutcome:
    """Run the sequence of the module docstring; `fallbacks` gets the model's rejected gaps appended."""
    by_id = {gap.id: gap for gap in job.gaps}
    fallen = list(fallbacks)
    checks = _verify(job, model_candidates, by_id, "llm")
    closed = {check.candidate.gap_id for check in checks if check.kept}
    for check in checks:
        if not check.kept and check.candidate.gap_id not in closed:
            fallen.append({"gap": check.candidate.gap_id, "reason": f"model's test {check.reason}"})
    open_gaps = [gap for gap in job.gaps if gap.id not in closed]
    notes: list[str] = []
    if open_gaps:
        offline, notes = offline_candidates(job.project, job.settings.python, open_gaps, job.work_dir / "offline")
        checks += _verify(job, offline, by_id, "offline")
    keep_mutant_killers(job.project, job.settings, checks, job.mutants, job.work_dir / "mutant-killers")
    kept = [check for check in checks if check.kept]
    files = write_tests(job.output_dir, [(c.candidate.stem, c.candidate.source) for c in kept]) if kept else []
    before = load_coverage(job.baseline_data_file, job.project, python=job.settings.python)
    after_file = coverage_after(job.baseline_data_file, kept, job.work_dir / "after.coverage")
    after = load_coverage(after_file, job.project, python=job.settings.python)
    return GenerationOutcome(
        checks=checks,
        kept=list(zip(kept, files, strict=True)),
        fallbacks=fallen,
        notes=notes,
        coverage_before=before.totals,
        coverage_after=after.totals,
    )


def _verify(
    job: GenerationJob, candidates: Sequence[Candidate], by_id: dict[str, Gap], folder: str
) -> list[Verification]:
    if not candidates:
        return []
    return verify_candidates(job.project, job.settings, candidates, by_id, job.work_dir / folder)
