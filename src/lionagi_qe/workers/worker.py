"""The `aqe worker` process: a procrastinate worker on the fleet's PostgreSQL, in production mode.

    config = StorageConfig.from_environment()                 # production: DATABASE_URL, AQE_DB_SCHEMA
    await serve(config, concurrency=2, queues=None)           # until SIGTERM or SIGINT
    await queue_report(config)                                # `aqe worker --check`

The worker connects the memory (migrating its schema) and the queue
(migrating the queue schema beside it, under the same lock), registers
itself with a heartbeat every AQE_WORKER_HEARTBEAT seconds, and runs jobs,
`concurrency` at a time, each in a process of its own. Every heartbeat it
also queues again the jobs of workers whose heartbeat stopped (killed with
SIGKILL, cut off): any live worker recovers them. On SIGTERM or SIGINT it
takes no new job, lets running ones finish for up to `grace` seconds, then
stops them and puts them back in the queue for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Sequence
from typing import Any

from procrastinate.app import WorkerOptions

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage.postgres import PostgresMemory
from lionagi_qe.workers.queue import JobQueue
from lionagi_qe.workers.settings import WorkerSettings

log = logging.getLogger(__name__)

DEFAULT_GRACE = 60.0


def default_name() -> str:
    """host:pid, how a worker is named in reports unless given a name."""
    return f"{socket.gethostname()}:{os.getpid()}"


def require_production(config: StorageConfig) -> None:
    """Workers share the queue through PostgreSQL: refuse other modes with what to set."""
    if config.mode is not StorageMode.PROD:
        raise ConfigurationError(
            f"aqe worker needs production mode (this is {config.mode.value}): set AQE_STORAGE_MODE=production "
            "and DATABASE_URL to the PostgreSQL the runs use; in development and testing modes "
            "`aqe run --distributed` works its jobs inside its own process"
        )


async def _recover_forever(queue: JobQueue) -> None:
    while True:
        await asyncio.sleep(queue.settings.heartbeat)
        try:
            recovered = await queue.recover_stalled()
            if recovered:
                log.warning("queued %d job(s) of lost workers again", recovered)
        except Exception as exc:  # recovery must not stop the worker; the next heartbeat tries again
            log.warning("could not look for stalled jobs: %s", exc)


async def serve(
    config: StorageConfig,
    *,
    concurrency: int = 1,
    queues: Sequence[str] | None = None,
    name: str | None = None,
    grace: float = DEFAULT_GRACE,
    settings: WorkerSettings | None = None,
    install_signal_handlers: bool = True,
) -> None:
    """Work jobs until stopped; see the module docstring."""
    require_production(config)
    settings = settings or WorkerSettings.from_environment()
    memory = PostgresMemory(config)
    await memory.connect()
    queue = JobQueue(memory, config=config, settings=settings, concurrency=concurrency)
    try:
        async with queue:
            recovery = asyncio.create_task(_recover_forever(queue), name="aqe-recover-stalled")
            try:
                await queue.recover_stalled()
                options: WorkerOptions = {
                    "name": name or default_name(),
                    "concurrency": concurrency,
                    "update_heartbeat_interval": settings.heartbeat,
                    "stalled_worker_timeout": settings.stalled_after,
                    "shutdown_graceful_timeout": grace,
                    "delete_jobs": "successful",
                    "install_signal_handlers": install_signal_handlers,
                }
                if queues:
                    options["queues"] = list(queues)
                await queue.app.run_worker_async(**options)
            finally:
                recovery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovery
    finally:
        await memory.disconnect()


async def queue_report(config: StorageConfig, settings: WorkerSettings | None = None) -> dict[str, Any]:
    """Waiting, running and failed jobs and live workers of the queue beside the configured memory."""
    require_production(config)
    memory = PostgresMemory(config)
    await memory.connect()
    try:
        async with JobQueue(memory, config=config, settings=settings) as queue:
            return await queue.stats()
    finally:
        await memory.disconnect()
