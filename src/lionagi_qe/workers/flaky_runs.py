"""The `flaky-runs` job: some of a flaky hunt's runs of a project's tests, in the orders asked, on a worker.

    result = run_flaky_runs({**project_spec(source, project, ctx, settings), "run_id": run, "job": "flaky-runs-2",
                             "runs": [RunRequest("shuffled", order, seed=8).to_json(), ...]})
    result["runs"]       # one `OrderedRun.to_json()` per request, in the same order
    result["summary"]    # 'shuffled seed 8: 12 tests, 1 failed'

Each run is what the local hunter makes (`analysis.ordered_runs.OrderedRunner`):
one pytest process with the probe plugins, no coverage; the runs of one job
one after another. Orders name tests by node id, relative to the project
root, so a `--from-git` checkout runs them as the caller's folder would. The
pytest logs stay on the worker under .aqe/runs/<run>/flaky/<job>-<id>/.
Runs in the job process (`workers.job_process`); `TargetProjectError` means
the project's fault (not retried), `WorkerError` this worker's (retried elsewhere).
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.analysis.ordered_runs import OrderedRun, OrderedRunner, RunRequest
from lionagi_qe.workers.job_project import open_project


def run_flaky_runs(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the job's runs; see the module docstring."""
    opened = open_project(spec)
    work_dir = opened.work_dir(spec["run_id"], "flaky", spec["job"])
    runs = OrderedRunner(opened.project, opened.settings, work_dir).run_all(
        [RunRequest.from_json(r) for r in spec["runs"]]
    )
    return {"runs": [run.to_json() for run in runs], "summary": summary(runs), "work_dir": str(work_dir)}


def summary(runs: list[OrderedRun]) -> str:
    """One line per job for the report: each run's kind (and seed), tests and failures."""
    parts = []
    for run in runs:
        seed = f" seed {run.seed}" if run.seed is not None else ""
        failed = sum(run.failed(nodeid) for nodeid in run.outcomes)
        parts.append(f"{run.kind}{seed}: {len(run.outcomes)} tests, {failed} failed")
    return "; ".join(parts)
