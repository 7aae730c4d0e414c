"""How a distributed agent sends its work to the workers: the queue, progress per job, the slots to plan for.

    jobs = JobClient(queue, on_job=lambda key, phase, info: print(key, phase), slots=2)
    outcomes = await jobs.run(run_id, [JobRequest("mutants-1", "mutant-batch", spec)], worker_wait=60)
    jobs.rows(requests, outcomes)    # the report's rows: which worker ran which job, attempts, status
    result_of("mutants-1", outcomes["mutants-1"])   # its result, or its failure raised as a local run's

Every distributed agent (`distributed_executor`, and one per job kind that
an agent sends) takes a `JobClient`; `fleet.distributed` gives them all the
same one for a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lionagi_qe.errors import TargetProjectError, WorkerError
from lionagi_qe.workers.dispatch import JobProgress, JobRequest, run_jobs
from lionagi_qe.workers.queue import JobQueue


@dataclass
class JobClient:
    """The queue a run's jobs go to, who hears of their progress, and how many run at once (0: the live workers)."""

    queue: JobQueue
    on_job: JobProgress | None = None
    slots: int = 0

    @property
    def queue_name(self) -> str:
        """'postgresql' in production mode, 'in-process' otherwise (procrastinate's in-memory queue)."""
        return "postgresql" if self.queue.production else "in-process"

    async def capacity(self) -> int:
        """Jobs the workers take at once: `slots`, else the live workers (at least 1)."""
        return self.slots or max(1, await self.queue.live_workers())

    async def run(
        self, run_id: str, requests: Sequence[JobRequest], *, worker_wait: float
    ) -> dict[str, dict[str, Any]]:
        """Queue `requests` and wait for every outcome (`dispatch.run_jobs`)."""
        return await run_jobs(self.queue, run_id, requests, on_progress=self.on_job, worker_wait=worker_wait)

    @staticmethod
    def rows(requests: Sequence[JobRequest], outcomes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """One report row per job: key, kind, status, worker, attempts, error, the result's summary."""
        rows = []
        for request in requests:
            outcome = outcomes[request.key]
            result = outcome.get("result") or {}
            rows.append({
                "job": request.key,
                "kind": request.kind,
                "status": outcome["status"],
                "worker": outcome["worker"]["name"],
                "attempts": outcome["worker"]["attempt"],
                "summary": result.get("summary"),
                "error": outcome.get("error"),
            })
        return rows


def result_of(key: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """A job's result; its failure raised as the local work would (`TargetProjectError`) or as the workers'."""
    if outcome["status"] == "ok":
        result: dict[str, Any] = outcome["result"]
        return result
    if outcome.get("fault") == "project":
        raise TargetProjectError(outcome["error"])
    raise WorkerError(f"{key} could not be run: {outcome['error']}")
