"""flaky-test-hunter, distributed: the hunt's reruns, random orders and bisection steps run as jobs on workers.

    queue = JobQueue(orchestrator.memory, config=orchestrator.storage_config)
    async with queue:
        orchestrator.create_and_register_agent(
            DistributedFlakyHunterAgent, agent_id="flaky-test-hunter", jobs=JobClient(queue, on_job=print))
        await orchestrator.execute_agent("flaky-test-hunter", {"run_id": run_id, "flaky_seed": 7})

Same context, record and findings as `FlakyTestHunterAgent` for the same
outcomes; only where the runs are made differs. The hunt (in its thread)
asks for runs in batches; each batch becomes `flaky-runs` jobs (at most as
many as the workers take at once, each a few consecutive runs), sent from
the agent's event loop, and their runs come back in the batch's order, so
the random orders keep their seeds. The suspects' replays and bisection
steps go out side by side, up to the workers' capacity at a time
(`analysis.shared_budget`). A job that fails for the project's reasons
fails the hunt as a local run would (`TargetProjectError`); one that no
worker could run fails it with the workers' message (`WorkerError`). The
result's data gains `distributed`: `jobs`, which worker ran which job, each
with a summary of its runs (more runs than the hunt's `processes` when
steps sent ahead were not needed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lionagi_qe.agents.flaky_hunter import FlakyTestHunterAgent
from lionagi_qe.agents.records import ExecutionRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis.ordered_runs import OrderedRun, RunRequest, RunsOrders
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.workers.dispatch import JobRequest
from lionagi_qe.workers.job_client import JobClient, result_of
from lionagi_qe.workers.project_source import run_source

JOB_KIND = "flaky-runs"


class JobOrders:
    """Makes a hunt's runs as `flaky-runs` jobs (`RunsOrders`); called from the hunt's thread, waits on `loop`."""

    def __init__(
        self, jobs: JobClient, loop: asyncio.AbstractEventLoop, run_id: str, spec: dict[str, Any], *,
        at_once: int, worker_wait: float,
    ) -> None:
        self.jobs = jobs
        self.loop = loop
        self.run_id = run_id
        self.spec = spec
        self.at_once = at_once
        self.worker_wait = worker_wait
        self.sent: list[JobRequest] = []
        self.outcomes: dict[str, dict[str, Any]] = {}

    def run_all(self, requests: Sequence[RunRequest]) -> list[OrderedRun]:
        """Send `requests` as jobs and wait for their runs, in the same order."""
        return asyncio.run_coroutine_threadsafe(self._send(list(requests)), self.loop).result()

    async def _send(self, requests: list[RunRequest]) -> list[OrderedRun]:
        batch: list[JobRequest] = []
        for chunk in split_evenly(requests, self.at_once):
            key = f"{JOB_KIND}-{len(self.sent) + len(batch) + 1}"
            spec = {**self.spec, "job": key, "runs": [request.to_json() for request in chunk]}
            batch.append(JobRequest(key, JOB_KIND, spec))
        self.sent += batch
        outcomes = await self.jobs.run(self.run_id, batch, worker_wait=self.worker_wait)
        self.outcomes.update(outcomes)
        return [OrderedRun.from_json(run) for job in batch for run in result_of(job.key, outcomes[job.key])["runs"]]

    def section(self) -> dict[str, Any]:
        """The result's `distributed` data: a row per job (`JobClient.rows`)."""
        return {"jobs": JobClient.rows(self.sent, self.outcomes)}


def split_evenly(requests: list[RunRequest], count: int) -> list[list[RunRequest]]:
    """`requests` cut into at most `count` consecutive parts whose sizes differ by one at most."""
    parts = min(max(1, count), len(requests))
    size, extra = divmod(len(requests), parts)
    chunks: list[list[RunRequest]] = []
    start = 0
    for index in range(parts):
        end = start + size + (index < extra)
        chunks.append(requests[start:end])
        start = end
    return chunks


class DistributedFlakyHunterAgent(FlakyTestHunterAgent):
    """Hunts with its runs made on workers; see the module docstring."""

    def __init__(
        self, agent_id: str, model: Any = None, memory: MemoryBackend | None = None, *, jobs: JobClient
    ) -> None:
        super().__init__(agent_id, model, memory)
        self.jobs = jobs
        self.dispatched: dict[asyncio.Task[Any] | None, JobOrders] = {}
        """The job runner of each hunt under way, by the asyncio task running it (`execute` and the hook share it)."""

    async def execute(self, task: QETask) -> AgentResult:
        """Hunt with the runs on the workers; the result is the local hunter's plus `distributed`."""
        hunting = asyncio.current_task()
        try:
            result = await super().execute(task)
        finally:
            runner = self.dispatched.pop(hunting, None)
        if runner is not None:
            result.data["distributed"] = runner.section()
        return result

    async def _orders_runner(
        self, ctx: RunContext, execution: ExecutionRecord, project: TargetProject, settings: RunSettings,
        work_dir: Path,
    ) -> RunsOrders:
        """A `JobOrders` on this loop, with the run's source (shared path or `--from-git`) and the suite's settings."""
        source = await asyncio.to_thread(run_source, project, Path(execution.code_path), ctx.from_git)
        spec = {
            "source": source, "run_id": execution.run_id, "python": ctx.python, "venv": ctx.venv,
            "test_timeout": settings.test_timeout, "pytest_args": list(settings.pytest_args),
        }
        runner = JobOrders(
            self.jobs, asyncio.get_running_loop(), execution.run_id, spec,
            at_once=await self.jobs.capacity(), worker_wait=ctx.worker_wait,
        )
        self.dispatched[asyncio.current_task()] = runner
        return runner
