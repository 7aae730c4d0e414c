"""Distributed execution: the fleet's heavy work as procrastinate jobs on `aqe worker` processes.

    aqe worker --concurrency 2                 # production mode: same DATABASE_URL as the runs
    aqe run . --distributed                    # the suite as test-file shards on the workers, generated
                                               # tests verified and confirmed there
    aqe run . --distributed --agents mutation-tester,flaky-test-hunter   # and mutants, flaky re-runs

    from lionagi_qe.workers import JobQueue, DistributedTestExecutorAgent, DistributedFlakyHunterAgent, serve

Jobs go through procrastinate on the fleet's PostgreSQL (its tables in schema
`<AQE_DB_SCHEMA>_jobs`, created on connect under the memory's migration lock),
or through procrastinate's in-memory connector with a worker inside the
calling process in development and testing modes. Results land in the
fleet's memory under aqe/workers/<run>/. docs/scaling.md has the details.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lionagi_qe.workers.dispatch import JobRequest, run_jobs
    from lionagi_qe.workers.distributed_executor import DistributedTestExecutorAgent
    from lionagi_qe.workers.distributed_flaky import DistributedFlakyHunterAgent
    from lionagi_qe.workers.distributed_generator import DistributedTestGeneratorAgent
    from lionagi_qe.workers.distributed_mutation import DistributedMutationTesterAgent
    from lionagi_qe.workers.in_process import in_process_worker
    from lionagi_qe.workers.job_kinds import JOB_KINDS, JobKind
    from lionagi_qe.workers.queue import JobQueue
    from lionagi_qe.workers.settings import WorkerSettings
    from lionagi_qe.workers.worker import queue_report, serve

_MODULES = {
    "JobRequest": "dispatch", "run_jobs": "dispatch", "DistributedTestExecutorAgent": "distributed_executor",
    "DistributedFlakyHunterAgent": "distributed_flaky", "DistributedTestGeneratorAgent": "distributed_generator",
    "DistributedMutationTesterAgent": "distributed_mutation", "in_process_worker": "in_process",
    "JOB_KINDS": "job_kinds", "JobKind": "job_kinds", "JobQueue": "queue", "WorkerSettings": "settings",
    "queue_report": "worker", "serve": "worker",
}
"""The module of `lionagi_qe.workers` each name comes from, imported on first use: a job process
(`job_process`, one per job) then loads only what its job needs, not procrastinate and every agent."""


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'lionagi_qe.workers' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lionagi_qe.workers.{_MODULES[name]}"), name)


__all__ = [
    "JOB_KINDS",
    "DistributedFlakyHunterAgent",
    "DistributedMutationTesterAgent",
    "DistributedTestExecutorAgent",
    "DistributedTestGeneratorAgent",
    "JobKind",
    "JobQueue",
    "JobRequest",
    "WorkerSettings",
    "in_process_worker",
    "queue_report",
    "run_jobs",
    "serve",
]
