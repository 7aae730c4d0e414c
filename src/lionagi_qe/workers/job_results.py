"""Where a job's start and result are kept: the fleet's shared memory, one result per job, first one wins.

    await record_result(memory, run_id, "shard-1", {"status": "ok", "result": {...}, "worker": {...}})
    await job_states(memory, run_id)      # {"shard-1": {"started": {...} | None, "result": {...} | None}}

A result is written with compare-and-set on an absent key, so a job that runs
twice (its worker was lost after the work was done) is counted once: the
second result is dropped. Keys: aqe/workers/<run>/started/<job> (the worker
and attempt now on it) and aqe/workers/<run>/results/<job>.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.storage.base import MemoryBackend

PARTITION = "workers"


def started_key(run_id: str, job: str) -> str:
    """Key naming the worker and attempt now running `job`."""
    return f"aqe/workers/{run_id}/started/{job}"


def result_key(run_id: str, job: str) -> str:
    """Key of `job`'s result."""
    return f"aqe/workers/{run_id}/results/{job}"


async def record_start(memory: MemoryBackend, run_id: str, job: str, worker: dict[str, Any]) -> None:
    """Say which worker and attempt took `job`."""
    await memory.store(started_key(run_id, job), worker, partition=PARTITION)


async def record_result(memory: MemoryBackend, run_id: str, job: str, outcome: dict[str, Any]) -> bool:
    """Keep `outcome` as the result of `job` unless one is there already; True if this one was kept."""
    return await memory.compare_and_set(result_key(run_id, job), outcome, 0, partition=PARTITION) is not None


async def has_result(memory: MemoryBackend, run_id: str, job: str) -> bool:
    """True once `job` has a result."""
    return await memory.exists(result_key(run_id, job))


async def job_states(memory: MemoryBackend, run_id: str) -> dict[str, dict[str, Any]]:
    """What is known of each job of a run: {job: {"started": ... | None, "result": ... | None}}."""
    prefix = f"aqe/workers/{run_id}/"
    states: dict[str, dict[str, Any]] = {}
    for key, value in (await memory.search(prefix + "*")).items():
        part, _, job = key[len(prefix):].partition("/")
        slot = {"started": "started", "results": "result"}.get(part)
        if slot is not None:
            states.setdefault(job, {"started": None, "result": None})[slot] = value
    return states
