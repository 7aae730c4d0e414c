"""The kinds of job a worker runs: a name, a function of JSON to JSON, and its queue.

    kind = JOB_KINDS["test-shard"]
    kind.run(spec)          # in the job process: returns the result stored for the caller

Kinds: `test-shard` (the suite's test files, `test_shard`) and `flaky-runs`
(a flaky hunt's ordered runs, `flaky_runs`), both on the `tests` queue.
Adding a kind (mutant batches, candidate verification) takes
three steps: a function `run_x(spec: dict) -> dict` here in `workers/` that
calls its engine (plain JSON in and out, paths as the worker sees them:
resolve the project with `project_source.located_project`), an entry in `JOB_KINDS`,
and on the caller's side a planner that splits the work into specs, sends
them with `dispatch.run_jobs` and merges the results (as
`distributed_executor` does for test shards). Raise `TargetProjectError`
for the project's faults (reported, never retried) and `WorkerError` for the
worker's (retried on another worker, up to AQE_JOB_ATTEMPTS tries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lionagi_qe.workers.flaky_runs import run_flaky_runs
from lionagi_qe.workers.test_shard import run_test_shard

DEFAULT_QUEUE = "aqe"


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its name, what runs it (in the job process) and the queue it goes to."""

    name: str
    run: Callable[[dict[str, Any]], dict[str, Any]]
    queue: str = DEFAULT_QUEUE


JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind("test-shard", run_test_shard, queue="tests"),
        JobKind("flaky-runs", run_flaky_runs, queue="tests"),
    )
}
