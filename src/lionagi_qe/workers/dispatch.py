"""Send a run's jobs to the queue and wait for every result, reporting progress per job.

    requests = [JobRequest("shard-1", "test-shard", spec1), JobRequest("shard-2", "test-shard", spec2)]
    outcomes = await run_jobs(queue, run_id, requests, on_progress=lambda key, phase, info: ...)
    outcomes["shard-1"]   # {"status": "ok", "result": {...}, "worker": {"name", "attempt", "job_id"}}

Phases: `queued`, `running` (info names the worker and attempt), `done` or
`failed`. While waiting, every heartbeat the caller also queues again the
jobs of lost workers. In production, if no worker is alive for
`worker_wait` seconds, the run stops with a `WorkerError` saying to start one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lionagi_qe.errors import WorkerError
from lionagi_qe.workers.job_results import job_states, record_result
from lionagi_qe.workers.queue import JobQueue

POLL = 0.1
FINAL = ("failed", "aborted", "cancelled")

JobProgress = Callable[[str, str, dict[str, Any]], None]
"""Called as (job key, phase, info) when a job is queued, taken, done or failed."""


@dataclass(frozen=True)
class JobRequest:
    """One job of a run: its key (unique in the run), its kind and its spec (JSON)."""

    key: str
    kind: str
    spec: dict[str, Any]


async def run_jobs(
    queue: JobQueue,
    run_id: str,
    requests: Sequence[JobRequest],
    *,
    on_progress: JobProgress | None = None,
    worker_wait: float = 60.0,
) -> dict[str, dict[str, Any]]:
    """Queue every request and return {key: outcome} once each has one; see the module docstring."""
    notify = on_progress or (lambda key, phase, info: None)
    ids: dict[str, int] = {}
    for request in requests:
        ids[request.key] = await queue.defer(request.kind, run_id, request.key, request.spec)
        notify(request.key, "queued", {"job_id": ids[request.key]})
    seen: dict[str, tuple[str, Any]] = {}
    outcomes: dict[str, dict[str, Any]] = {}
    next_check = time.monotonic() + queue.settings.heartbeat
    no_worker_since: float | None = None
    while len(outcomes) < len(requests):
        await asyncio.sleep(POLL)
        for key, state in (await job_states(queue.memory, run_id)).items():
            if key not in ids or key in outcomes:
                continue
            if state["result"] is not None:
                outcomes[key] = state["result"]
                phase = "done" if state["result"]["status"] == "ok" else "failed"
                notify(key, phase, state["result"])
            elif state["started"] is not None and seen.get(key) != ("running", state["started"]):
                seen[key] = ("running", state["started"])
                notify(key, "running", state["started"])
        if time.monotonic() >= next_check and len(outcomes) < len(requests):
            next_check = time.monotonic() + queue.settings.heartbeat
            await queue.recover_stalled()
            await _ended_without_result(queue, run_id, ids, outcomes)
            no_worker_since = await _check_workers(queue, no_worker_since, worker_wait)
    return outcomes


async def _ended_without_result(
    queue: JobQueue, run_id: str, ids: dict[str, int], outcomes: dict[str, dict[str, Any]]
) -> None:
    """Record a failure for a job the queue gave up on (aborted at its last attempt) without a result."""
    for key, job_id in ids.items():
        if key in outcomes:
            continue
        status = await queue.job_status(job_id)
        if status in FINAL:
            error = f"job {job_id} ended {status} without a result (a worker stopped it at its last attempt)"
            await record_result(queue.memory, run_id, key, {
                "status": "failed", "error": error, "retry": False, "fault": "worker",
                "worker": {"name": None, "attempt": None, "job_id": job_id},
            })


async def _check_workers(queue: JobQueue, since: float | None, worker_wait: float) -> float | None:
    if not queue.production or await queue.live_workers() > 0:
        return None
    now = time.monotonic()
    if since is None:
        return now
    if now - since > worker_wait:
        raise WorkerError(
            f"no aqe worker has been alive on the queue for {worker_wait:g}s; start one where the project is "
            "visible (`aqe worker`, same DATABASE_URL and AQE_DB_SCHEMA), then run again"
        )
    return since
