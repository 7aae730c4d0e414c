"""mutation-tester, distributed: the mutants run as `mutant-batch` jobs on workers; the record is a local run's.

    orchestrator.create_and_register_agent(
        DistributedMutationTesterAgent, agent_id="mutation-tester", jobs=JobClient(queue, on_job=print))
    result = await orchestrator.execute_agent("mutation-tester", {"run_id": run_id})
    result.data["score"], result.data["distributed"]["jobs"]     # the local agent's data, plus which worker ran what

Same context, plan and `MutationRecord` as `MutationTesterAgent`; only the
running differs. The planned mutants are cut into consecutive batches
(`plan_batches`: about two per slot the workers have, at least
`MIN_BATCH` mutants each, so a batch's warm pytest start is shared by
several mutants), each batch is a job, and the batches' rows are joined
back in plan order: the same rows, score, per-module figures and
survivors as a local run. A batch that fails for the project's reasons
fails the agent as a local run would; one no worker could run fails it
with the workers' message (`WorkerError`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lionagi_qe.agents.mutation_tester import MutationTesterAgent
from lionagi_qe.agents.records import ExecutionRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis.mutation_testing import Mutant, MutantSettings, MutationRun
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.errors import WorkerError
from lionagi_qe.workers.dispatch import JobRequest
from lionagi_qe.workers.dispatching_agent import DispatchingAgent
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.job_project import project_spec
from lionagi_qe.workers.project_source import job_source

MIN_BATCH = 5
"""Fewest mutants worth a job: each batch pays for a job process and a warm pytest start (about a second)."""
BATCHES_PER_SLOT = 2
"""Batches per slot of the workers, so a slow batch does not leave the others idle at the end."""


def plan_batches(count: int, slots: int) -> list[range]:
    """`count` mutants as consecutive, near-equal batches: two per slot, at least `MIN_BATCH` each (one at least)."""
    batches = max(1, min(BATCHES_PER_SLOT * max(1, slots), count // MIN_BATCH))
    return [range(i * count // batches, (i + 1) * count // batches) for i in range(batches)]


class DistributedMutationTesterAgent(DispatchingAgent, MutationTesterAgent):
    """Runs the mutants as jobs; see the module docstring."""

    async def _run_mutants(
        self,
        ctx: RunContext,
        execution: ExecutionRecord,
        project: TargetProject,
        settings: MutantSettings,
        mutants: Sequence[Mutant],
        work_dir: Path,
    ) -> MutationRun:
        """Send the mutants to the workers in batches; one `MutationRun` from theirs, as `run_mutants` gives."""
        if not mutants:
            return MutationRun([], 0.0)
        source = await asyncio.to_thread(job_source, project, Path(execution.code_path), ctx.from_git)
        suite = RunSettings(python=settings.python, pytest_args=settings.pytest_args)
        common = {
            **project_spec(source, project, ctx, suite), "run_id": execution.run_id,
            "fork": settings.fork, "batch_size": settings.batch_size,
        }
        batches = plan_batches(len(mutants), await self.jobs.capacity())
        requests = [
            JobRequest(f"mutants-{n}", "mutant-batch", {
                **common, "batch": f"mutants-{n}", "mutants": [mutants[i].portable() for i in batch],
            })
            for n, batch in enumerate(batches, start=1)
        ]
        started = time.perf_counter()
        outcomes = await self.jobs.run(execution.run_id, requests, worker_wait=ctx.worker_wait)
        results = JobClient.results(requests, outcomes)
        rows = [row for result in results for row in result["results"]]
        if [row["id"] for row in rows] != [mutant.id for mutant in mutants]:
            raise WorkerError(
                "the workers returned other mutants than they were sent; run `aqe worker` with the same "
                "lionagi-qe-fleet version as `aqe run`"
            )
        jobs = JobClient.rows(requests, outcomes)
        self.dispatched[execution.run_id] = {"jobs": jobs}
        _write_batches(work_dir, jobs, results)
        notes = [note for result in results for note in result["notes"]]
        return MutationRun(rows, round(time.perf_counter() - started, 3), notes=notes)


def _write_batches(work_dir: Path, jobs: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Which worker ran which batch, and where its files are on that worker: `<work_dir>/batches.json`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    rows = [{**job, "work_dir": result["work_dir"]} for job, result in zip(jobs, results, strict=True)]
    (work_dir / "batches.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
