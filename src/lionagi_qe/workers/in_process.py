"""A worker inside the calling process, for development and testing modes (procrastinate's in-memory queue).

    async with JobQueue(memory, config=None) as queue, in_process_worker(queue, concurrency=2):
        await run_jobs(queue, run_id, requests)

The same task and job processes as `aqe worker`; only the queue lives in
this process, so nothing outside it can take a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from lionagi_qe.workers.queue import JobQueue

IN_PROCESS_NAME = "in-process"


def default_concurrency() -> int:
    """Jobs at once for the in-process worker: the machine's cores."""
    return os.cpu_count() or 2


@contextlib.asynccontextmanager
async def in_process_worker(queue: JobQueue, concurrency: int) -> AsyncIterator[None]:
    """Run a procrastinate worker on `queue` in this event loop while the block runs."""
    task = asyncio.create_task(
        queue.app.run_worker_async(
            name=IN_PROCESS_NAME,
            concurrency=concurrency,
            install_signal_handlers=False,
            update_heartbeat_interval=queue.settings.heartbeat,
            stalled_worker_timeout=queue.settings.stalled_after,
            fetch_job_polling_interval=0.2,
            delete_jobs="successful",
        ),
        name="aqe-in-process-worker",
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
