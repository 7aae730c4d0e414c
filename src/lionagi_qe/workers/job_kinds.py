"""The kinds of job a worker runs: a name, a function of JSON to JSON, and its queue.

    kind = JOB_KINDS["test-shard"]
    kind.run(spec)          # in the job process: returns the result stored for the caller
    kind.queue              # 'tests' (flaky-runs too; 'generation', 'mutants' for the others; default: all)

Adding a kind takes three steps: a function `run_x(spec: dict) -> dict`
here in `workers/` that calls its engine (plain JSON in and out, paths
relative to the project root: open the project with
`job_project.open_project`), an entry in `JOB_KINDS` naming it as
`module:function`, and on the caller's
side a `DispatchingAgent` subclass of the local agent that splits the work
into specs, sends them with `JobClient.run` and merges the results (as
`distributed_executor` does for test shards, `distributed_generator` for
candidates, `distributed_mutation` for mutants, `distributed_flaky` for a
flaky hunt's runs). Raise `TargetProjectError`
for the project's faults (reported, never retried) and `WorkerError` for the
worker's (retried on another worker, up to AQE_JOB_ATTEMPTS tries).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

DEFAULT_QUEUE = "aqe"


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its name, what runs it (in the job process) and the queue it goes to."""

    name: str
    function: str
    """`module:function` under `lionagi_qe.workers`, imported only by the job process that runs such a job."""
    queue: str = DEFAULT_QUEUE

    def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Run one job of this kind on `spec` (JSON in, JSON out)."""
        module, _, name = self.function.partition(":")
        result: dict[str, Any] = getattr(importlib.import_module(f"lionagi_qe.workers.{module}"), name)(spec)
        return result


JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind("test-shard", "test_shard:run_test_shard", queue="tests"),
        JobKind("mutant-batch", "mutant_batch:run_mutant_batch", queue="mutants"),
        JobKind("verify-candidates", "candidate_jobs:run_verify_candidates", queue="generation"),
        JobKind("confirm-kept", "candidate_jobs:run_confirm_kept", queue="generation"),
        JobKind("flaky-runs", "flaky_runs:run_flaky_runs", queue="tests"),
    )
}
