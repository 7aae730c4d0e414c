"""The `flaky-runs` job: some of a flaky hunt's runs of a project's tests, in the orders asked, on a worker.

    result = run_flaky_runs({"source": {...}, "run_id": run, "job": "flaky-runs-2", "python": None, "venv": None,
                             "test_timeout": 60, "pytest_args": [],
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

import uuid
from typing import Any

from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
from lionagi_qe.analysis.ordered_runs import OrderedRun, OrderedRunner, RunRequest
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.workers.project_source import located_project


def run_flaky_runs(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the job's runs; see the module docstring."""
    project = located_project(spec, check_syntax=False)
    python = resolve_interpreter(spec.get("python"), spec.get("venv"))
    check_interpreter(python)
    work_dir = project.root / ".aqe" / "runs" / spec["run_id"] / "flaky" / f"{spec['job']}-{uuid.uuid4().hex[:8]}"
    settings = RunSettings(
        python=python, test_timeout=float(spec["test_timeout"]), pytest_args=tuple(spec["pytest_args"])
    )
    runs = OrderedRunner(project, settings, work_dir).run_all([RunRequest.from_json(r) for r in spec["runs"]])
    return {"runs": [run.to_json() for run in runs], "summary": summary(runs), "work_dir": str(work_dir)}


def summary(runs: list[OrderedRun]) -> str:
    """One line per job for the report: each run's kind (and seed), tests and failures."""
    parts = []
    for run in runs:
        seed = f" seed {run.seed}" if run.seed is not None else ""
        failed = sum(run.failed(nodeid) for nodeid in run.outcomes)
        parts.append(f"{run.kind}{seed}: {len(run.outcomes)} tests, {failed} failed")
    return "; ".join(parts)
