"""Surviving mutants as targets for generated tests: a passing test that kills one is worth keeping.

    survivors = [Mutant.from_survivor(s, project) for s in mutation_record["survived"]]
    killed = killed_by(project, settings, test_file, survivors)   # {mutant id: node id of the test that failed}
    keep_mutant_killers(project, settings, checks, survivors, work_dir)   # hook for analysis.generation

A candidate that passes every verification run but adds no coverage is
rejected by the verifier; if it fails against a mutant the suite let
survive, it checks behaviour the suite does not, and is kept with a reason
naming the mutant. The mutants run in the warm worker of
`mutation_testing`, against the candidate's tests only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lionagi_qe.analysis.mutation_testing import Mutant, MutantSettings, run_mutants
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.analysis.verification import RUNS, Verification

MIN_CANDIDATE_TIMEOUT = 10.0


def killed_by(
    project: TargetProject, settings: RunSettings, test_file: Path, mutants: Sequence[Mutant], work_dir: Path
) -> dict[str, str]:
    """{mutant id: failing test} for the `mutants` the tests of `test_file` kill."""
    aimed = [
        replace(m, tests=(str(test_file.resolve()),), timeout=max(m.timeout, MIN_CANDIDATE_TIMEOUT)) for m in mutants
    ]
    run = run_mutants(project, MutantSettings(python=settings.python), aimed, work_dir)
    return {r["id"]: r["test"] or "" for r in run.results if r["status"] in ("killed", "timeout")}


def keep_mutant_killers(
    project: TargetProject,
    settings: RunSettings,
    checks: Sequence[Verification],
    survivors: Sequence[Mutant],
    work_dir: Path,
) -> None:
    """Keep each candidate that passed every run without adding coverage but kills a surviving mutant."""
    if not survivors:
        return
    for index, check in enumerate(checks):
        if check.kept or check.passed_runs < RUNS:
            continue
        folder = work_dir / f"{index:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        test_file = folder / f"test_{check.candidate.stem}.py"
        test_file.write_text(check.candidate.source, encoding="utf-8")
        killed = killed_by(project, settings, test_file, survivors, folder / "mutants")
        if killed:
            first = sorted(killed)[0]
            check.kept = True
            check.reason = (
                f"kept: passed {check.passed_runs} of {RUNS} runs and kills {len(killed)} mutant(s) the suite "
                f"let survive (first {first}), though it adds no coverage"
            )
