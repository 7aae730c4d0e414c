"""The `mutant-batch` job: run some of a run's mutants against their tests, on a worker.

    result = run_mutant_batch({**project_spec(source, project, ctx, settings), "run_id": run,
                               "batch": "mutants-1", "fork": True, "batch_size": 250,
                               "mutants": [mutant.portable() for mutant in plan.mutants[:10]]})
    result["results"]      # one row per mutant, in the order given: what `run_mutants` gives locally
    result["summary"]      # '10 mutants: 8 killed, 2 survived'

Mutants travel with their files relative to the project root, so the batch
runs on this worker's view of the project (the shared path or its
`--from-git` checkout, fingerprint checked) exactly as a local run runs
them (`analysis.mutation_testing.run_mutants`: warm forked workers, each
mutant against only the tests covering its line). The interpreter is the
worker's unless the run gave `python` or `venv`. Runs in the job process
(`workers.job_process`); `TargetProjectError` means the project's fault
(not retried), `WorkerError` this worker's (retried elsewhere).
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.analysis.mutation_testing import Mutant, MutantSettings, MutationRun, run_mutants
from lionagi_qe.workers.job_project import open_project


def run_mutant_batch(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one batch of mutants; see the module docstring."""
    opened = open_project(spec)
    settings = MutantSettings(
        python=opened.settings.python, fork=bool(spec["fork"]), batch_size=int(spec["batch_size"]),
        pytest_args=opened.settings.pytest_args,
    )
    mutants = [Mutant.from_survivor(stored, opened.project) for stored in spec["mutants"]]
    work_dir = opened.work_dir(spec["run_id"], "mutation", spec["batch"])
    run = run_mutants(opened.project, settings, mutants, work_dir)
    return {
        "results": run.results, "notes": run.notes, "duration_s": run.duration_s, "work_dir": str(work_dir),
        "summary": batch_summary(run),
    }


def batch_summary(run: MutationRun) -> str:
    """'12 mutants: 10 killed, 2 survived' (timed out and errors named when there are any)."""
    counts = [f"{run.count('killed')} killed", f"{run.count('survived')} survived"]
    others = ((run.count("timeout"), "timed out"), (run.count("error"), "errors"))
    counts += [f"{n} {label}" for n, label in others if n]
    return f"{len(run.results)} mutants: {', '.join(counts)}"
