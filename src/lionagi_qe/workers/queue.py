"""The job queue: procrastinate on the fleet's PostgreSQL (production) or in memory (development, testing).

    queue = JobQueue(memory, config=orchestrator.storage_config)   # PostgreSQL when the memory is
    async with queue:                                               # migrates aqe_jobs, opens the pool
        job_id = await queue.defer("test-shard", run_id, "shard-1", spec)
        await queue.recover_stalled()                               # jobs of lost workers go back to the queue
        await queue.stats()                                         # waiting, running, failed, live workers

One procrastinate task, `aqe.run_job`, runs every job kind (`job_kinds`) in a
process of its own (`job_process`) and records its start and result in the
memory (`job_results`). A job fails for the worker's reasons (it cannot see
the project, its process died) up to AQE_JOB_ATTEMPTS times before its
failure is recorded; a failure for the project's reasons is recorded at once.
In development and testing modes the same task runs on procrastinate's
`InMemoryConnector`, worked by a worker inside the calling process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job, Status
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.testing import InMemoryConnector
from psycopg.conninfo import conninfo_to_dict

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import WorkerError
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.workers.job_kinds import JOB_KINDS
from lionagi_qe.workers.job_results import has_result, record_result, record_start
from lionagi_qe.workers.queue_schema import jobs_schema, migrate_queue
from lionagi_qe.workers.settings import WorkerSettings

log = logging.getLogger(__name__)

TASK_NAME = "aqe.run_job"
STOP_GRACE = 5.0
_LIVE_WORKERS = (
    "SELECT count(*) FILTER (WHERE last_heartbeat >= now() - make_interval(secs => %(stalled)s)) AS live, "
    "count(*) AS registered FROM procrastinate_workers"
)
_JOB_COUNTS = "SELECT status::text AS status, count(*) AS jobs FROM procrastinate_jobs GROUP BY status"


class _BoundedRetries(BaseRetryStrategy):
    """Retry at once until a job has been tried `attempts` times."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        return RetryDecision(retry_in={"seconds": 0}) if job.attempts + 1 < self.attempts else None


async def run_job_process(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a job in `python -m lionagi_qe.workers.job_process`; cancelled, it stops the process group."""
    with tempfile.TemporaryDirectory(prefix="aqe-job-") as tmp:
        spec_file, result_file = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec_file.write_text(json.dumps({"kind": kind, "spec": spec}), encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lionagi_qe.workers.job_process", str(spec_file), str(result_file), str(os.getpid()),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = await proc.communicate()
        except asyncio.CancelledError:
            await _stop_group(proc)
            raise
        if not result_file.exists():
            tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise WorkerError(f"the job process exited with code {proc.returncode} and no result: {' | '.join(tail)}")
        outcome: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        return outcome


async def _stop_group(proc: asyncio.subprocess.Process) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE)
            return
        except asyncio.TimeoutError:
            continue


async def run_job(
    memory: MemoryBackend, settings: WorkerSettings, context: JobContext,
    kind: str, run_id: str, key: str, spec: dict[str, Any],
) -> None:
    """The body of `aqe.run_job`: skip a job already done, run it, record its outcome (see the module docstring)."""
    if await has_result(memory, run_id, key):
        return
    attempt = context.job.attempts + 1
    worker = {"name": context.worker_name, "attempt": attempt, "job_id": context.job.id}
    await record_start(memory, run_id, key, worker)
    try:
        outcome = await run_job_process(kind, {**spec, "worker": context.worker_name})
        if outcome["status"] == "failed" and outcome["retry"]:
            raise WorkerError(outcome["error"])
    except WorkerError as exc:
        if attempt < settings.max_attempts:
            log.warning("job %s of run %s failed on %s, to be tried again: %s", key, run_id, worker["name"], exc)
            raise
        outcome = {"status": "failed", "error": f"{exc} (tried {attempt} time(s))", "retry": False, "fault": "worker"}
    await record_result(memory, run_id, key, {**outcome, "worker": worker})


def _connector(config: StorageConfig | None, concurrency: int) -> procrastinate.BaseConnector:
    if config is None or config.mode is not StorageMode.PROD:
        return InMemoryConnector()
    url = config.database_url.get_secret_value() if config.database_url else ""
    given = str(conninfo_to_dict(url).get("options") or "")
    options = f"{given} -c search_path={jobs_schema(config.db_schema)}".strip()
    return procrastinate.PsycopgConnector(
        conninfo=url, kwargs={"options": options}, min_size=1, max_size=concurrency + 3,
        timeout=config.connection_timeout,
    )


class JobQueue:
    """procrastinate's App with the `aqe.run_job` task, bound to the memory where results go."""

    def __init__(
        self,
        memory: MemoryBackend,
        *,
        config: StorageConfig | None,
        settings: WorkerSettings | None = None,
        concurrency: int = 1,
    ) -> None:
        self.memory = memory
        self.config = config
        self.settings = settings or WorkerSettings.from_environment()
        self.production = config is not None and config.mode is StorageMode.PROD
        self.app = procrastinate.App(connector=_connector(config, concurrency))
        queue_settings = self.settings

        @self.app.task(name=TASK_NAME, pass_context=True, retry=_BoundedRetries(self.settings.max_attempts))
        async def aqe_run_job(context: JobContext, kind: str, run_id: str, key: str, spec: dict[str, Any]) -> None:
            await run_job(memory, queue_settings, context, kind, run_id, key, spec)

    def __repr__(self) -> str:
        where = f"schema {jobs_schema(self.config.db_schema)}" if self.production and self.config else "in memory"
        return f"<JobQueue {where}>"

    async def open(self) -> None:
        """Create or migrate the queue schema (production), then open procrastinate's pool."""
        if self.production and self.config is not None:
            import psycopg

            url = self.config.database_url.get_secret_value() if self.config.database_url else ""
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=30)
            try:
                await migrate_queue(conn, self.config.db_schema, lock_timeout=max(60.0, self.config.connection_timeout))
            finally:
                await conn.close()
        await self.app.open_async()

    async def close(self) -> None:
        """Close procrastinate's pool."""
        await self.app.close_async()

    async def __aenter__(self) -> JobQueue:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def defer(self, kind: str, run_id: str, key: str, spec: dict[str, Any]) -> int:
        """Queue one job of `kind`; returns its job id."""
        deferrer = self.app.configure_task(TASK_NAME, queue=JOB_KINDS[kind].queue, queueing_lock=f"{run_id}:{key}")
        return await deferrer.defer_async(kind=kind, run_id=run_id, key=key, spec=spec)

    async def job_status(self, job_id: int) -> str | None:
        """The job's status (todo, doing, succeeded, failed, aborted, ...), None once deleted."""
        try:
            return (await self.app.job_manager.get_job_status_async(job_id)).value
        except procrastinate_errors.NoResult:
            return None

    async def recover_stalled(self) -> int:
        """Queue again the running jobs of workers that stopped sending heartbeats; returns how many.

        A job lost this way `max_attempts` times is recorded as failed instead.
        """
        stalled = await self.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=self.settings.stalled_after)
        recovered = 0
        for job in stalled:
            if job.task_name != TASK_NAME or job.id is None:
                continue
            try:
                if job.attempts + 1 >= self.settings.max_attempts:
                    await self._give_up(job)
                else:
                    await self.app.job_manager.retry_job(job)
                    recovered += 1
            except procrastinate_errors.ConnectorException as exc:  # another process recovered it first
                log.debug("stalled job %s already handled: %s", job.id, exc)
        return recovered

    async def _give_up(self, job: Job) -> None:
        args = job.task_kwargs
        error = (
            f"the worker running this job stopped responding {job.attempts + 1} time(s) "
            "(killed, out of memory, or cut off from the database); not tried again"
        )
        worker = {"name": None, "attempt": job.attempts + 1, "job_id": job.id}
        await record_result(
            self.memory, str(args["run_id"]), str(args["key"]),
            {"status": "failed", "error": error, "retry": False, "fault": "worker", "worker": worker},
        )
        assert job.id is not None
        await self.app.job_manager.finish_job_by_id_async(job_id=job.id, status=Status.FAILED, delete_job=False)

    async def live_workers(self) -> int:
        """Workers whose heartbeat is recent."""
        return int((await self._workers())["live"])

    async def _workers(self) -> dict[str, int]:
        connector = self.app.connector
        if isinstance(connector, InMemoryConnector):
            return {"live": len(connector.workers), "registered": len(connector.workers)}
        row = await connector.execute_query_one_async(_LIVE_WORKERS, stalled=self.settings.stalled_after)
        return {"live": int(row["live"]), "registered": int(row["registered"])}

    async def stats(self) -> dict[str, Any]:
        """Jobs per status (waiting = todo, running = doing) and live workers, for `aqe worker --check`."""
        connector = self.app.connector
        if isinstance(connector, InMemoryConnector):
            counts: dict[str, int] = {}
            for job in connector.jobs.values():
                counts[job["status"]] = counts.get(job["status"], 0) + 1
        else:
            rows = await connector.execute_query_all_async(_JOB_COUNTS)
            counts = {row["status"]: int(row["jobs"]) for row in rows}
        workers = await self._workers()
        return {
            "schema": jobs_schema(self.config.db_schema) if self.production and self.config else None,
            "waiting": counts.get("todo", 0),
            "running": counts.get("doing", 0),
            "failed": counts.get("failed", 0),
            "succeeded": counts.get("succeeded", 0),
            "aborted": counts.get("aborted", 0) + counts.get("cancelled", 0),
            "live_workers": workers["live"],
            "stalled_workers": workers["registered"] - workers["live"],
        }
