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
from lionagi_qe.workers.dispatch import JobRequest
from lionagi_qe.workers.dispatching_agent import DispatchingAgent
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.job_project import project_spec
from lionagi_qe.workers.project_source import job_source

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
        self.sent = 0
        self.rows: list[dict[str, Any]] = []
        """The report's row of each job sent so far (`JobClient.rows`)."""

    def run_all(self, requests: Sequence[RunRequest]) -> list[OrderedRun]:
        """Send `requests` as jobs and wait for their runs, in the same order."""
        return asyncio.run_coroutine_threadsafe(self._send(list(requests)), self.loop).result()

    async def _send(self, requests: list[RunRequest]) -> list[OrderedRun]:
        batch: list[JobRequest] = []
        for chunk in split_evenly(requests, self.at_once):
            key = f"{JOB_KIND}-{self.sent + len(batch) + 1}"
            spec = {**self.spec, "job": key, "runs": [request.to_json() for request in chunk]}
            batch.append(JobRequest(key, JOB_KIND, spec))
        self.sent += len(batch)
        outcomes = await self.jobs.run(self.run_id, batch, worker_wait=self.worker_wait)
        self.rows += JobClient.rows(batch, outcomes)
        return [OrderedRun.from_json(run) for result in JobClient.results(batch, outcomes) for run in result["runs"]]


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


class DistributedFlakyHunterAgent(DispatchingAgent, FlakyTestHunterAgent):
    """Hunts with its runs made on workers; see the module docstring."""

    async def _orders_runner(
        self, ctx: RunContext, execution: ExecutionRecord, project: TargetProject, settings: RunSettings,
        work_dir: Path,
    ) -> RunsOrders:
        """A `JobOrders` on this loop, with the run's source (shared path or `--from-git`) and the suite's settings."""
        source = await asyncio.to_thread(job_source, project, Path(execution.code_path), ctx.from_git)
        spec = {**project_spec(source, project, ctx, settings), "run_id": execution.run_id}
        runner = JobOrders(
            self.jobs, asyncio.get_running_loop(), execution.run_id, spec,
            at_once=await self.jobs.capacity(), worker_wait=ctx.worker_wait,
        )
        self.dispatched[execution.run_id] = {"jobs": runner.rows}
        return runner
