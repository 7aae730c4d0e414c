"""The kinds of job a worker runs: a name, a function of JSON to JSON, and its queue.

    kind = JOB_KINDS["test-shard"]
    kind.run(spec)          # in the job process: returns the result stored for the caller
    kind.queue              # 'tests' (flaky-runs too; 'generation', 'mutants' for the others; default: all)

Adding a kind takes three steps: a function `run_x(spec: dict) -> dict`
here in `workers/` that calls its engine (plain JSON in and out, paths
relative to the project root: open the project with
`job_project.open_project`), an entry in `JOB_KINDS`, and on the caller's
side a `DispatchingAgent` subclass of the local agent that splits the work
into specs, sends them with `JobClient.run` and merges the results (as
`distributed_executor` does for test shards, `distributed_generator` for
candidates, `distributed_mutation` for mutants, `distributed_flaky` for a
flaky hunt's runs). Raise `TargetProjectError`
for the project's faults (reported, never retried) and `WorkerError` for the
worker's (retried on another worker, up to AQE_JOB_ATTEMPTS tries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lionagi_qe.workers.candidate_jobs import run_confirm_kept, run_verify_candidates
from lionagi_qe.workers.flaky_runs import run_flaky_runs
from lionagi_qe.workers.mutant_batch import run_mutant_batch
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
        JobKind("mutant-batch", run_mutant_batch, queue="mutants"),
        JobKind("verify-candidates", run_verify_candidates, queue="generation"),
        JobKind("confirm-kept", run_confirm_kept, queue="generation"),
        JobKind("flaky-runs", run_flaky_runs, queue="tests"),
    )
}
