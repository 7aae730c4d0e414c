"""test-generator, distributed: candidates are verified and the kept tests confirmed as jobs on workers.

    orchestrator.create_and_register_agent(
        DistributedTestGeneratorAgent, agent_id="test-generator", model=model, jobs=JobClient(queue))
    result = await orchestrator.execute_agent("test-generator", {"run_id": run_id, "distributed": True})
    result.data["kept"]                      # what a local run keeps
    result.data["distributed"]["jobs"]       # which worker ran which verify-candidates / confirm-kept job

Same context and same `GeneratedRecord` as `TestGeneratorAgent`; only where
the clean-process runs happen differs. Each batch of candidates (the
model's, then the offline engine's) is split over the workers as
`verify-candidates` jobs; their runs come back and are judged here, in
order, by the function a local run uses (`verification.decide`), so the
verdicts are a local run's. The kept set is confirmed by one
`confirm-kept` job (alone under coverage, then with the suite). The model
loop and the offline search (an interactive, warm process) stay here. The
jobs are sent from the generation thread to the agent's event loop.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.test_generator import TestGeneratorAgent
from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.confirmation import Confirmation
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.generation import GenerationJob
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.analysis.verification import RUNS, Covered, RunOutcome, Verification, decide
from lionagi_qe.workers.coverage_transfer import unpack_coverage
from lionagi_qe.workers.dispatch import JobRequest
from lionagi_qe.workers.dispatching_agent import DispatchingAgent
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.job_project import project_spec
from lionagi_qe.workers.project_source import job_source

MIN_BATCH = 8
"""Fewest candidates worth a job of their own (each job starts a process and imports the project)."""


class DistributedTestGeneratorAgent(DispatchingAgent, TestGeneratorAgent):
    """Verifies and confirms generated tests on workers; see the module docstring."""

    async def _generation_steps(self, ctx: RunContext, run_id: str, job: GenerationJob) -> GenerationJob:
        """`job` with a verifier and a confirmer that run on the workers."""
        steps = RemoteSteps(
            jobs=self.jobs,
            loop=asyncio.get_running_loop(),
            run_id=run_id,
            ctx=ctx,
            source=await asyncio.to_thread(job_source, job.project, Path(ctx.code_path).resolve(), ctx.from_git),
            capacity=await self.jobs.capacity(),
            rows=self.dispatched.setdefault(run_id, {"jobs": []})["jobs"],
        )
        return replace(job, verifier=steps.verify, confirmer=steps.confirm)


@dataclass
class RemoteSteps:
    """`verify_candidates` and `confirm_kept` as jobs, called from the generation thread."""

    jobs: JobClient
    loop: asyncio.AbstractEventLoop
    run_id: str
    ctx: RunContext
    source: dict[str, Any]
    capacity: int
    rows: list[dict[str, Any]]
    """Where each job's report row goes (`JobClient.rows`)."""

    def verify(
        self, project: TargetProject, settings: RunSettings, candidates: Sequence[Candidate], gaps: dict[str, Gap],
        work_dir: Path, *, missing: Covered | None = None,
    ) -> list[Verification]:
        """As `verify_candidates`: the runs on workers, in batches; the verdicts here."""
        if not candidates:
            return []
        spec = {
            **project_spec(self.source, project, self.ctx, settings), "run_id": self.run_id, "runs": RUNS,
            "modules": sorted({gap.module for gap in gaps.values()}),
        }
        batches = _batches(len(candidates), self.capacity)
        requests = [
            JobRequest(key, "verify-candidates", {
                **spec, "job": key, "candidates": [c.to_dict() for c in candidates[start:end]],
            })
            for key, (start, end) in ((f"verify-{work_dir.name}-{n + 1}", batch) for n, batch in enumerate(batches))
        ]
        results = self._run(requests)
        work_dir.mkdir(parents=True, exist_ok=True)
        outcomes: dict[int, list[RunOutcome]] = {}
        for (start, _), result in zip(batches, results, strict=True):
            for offset, runs in enumerate(result["runs"]):
                index = start + offset
                outcomes[index] = [
                    _run_outcome(run, work_dir / f"{index:03d}-{candidates[index].origin}.run{number}.coverage")
                    for number, run in enumerate(runs)
                ]
        return decide(candidates, outcomes, gaps, RUNS, missing)

    def confirm(
        self, project: TargetProject, settings: RunSettings, kept: Sequence[Verification], work_dir: Path
    ) -> Confirmation:
        """As `confirm_kept`: one job; its coverage data lands where the local run writes it."""
        if not kept:
            return Confirmation()
        key = "confirm-kept"
        spec = {
            **project_spec(self.source, project, self.ctx, settings), "run_id": self.run_id, "job": key,
            "kept": [check.candidate.to_dict() for check in kept],
        }
        [result] = self._run([JobRequest(key, "confirm-kept", spec)])
        data_file = None
        if result["coverage"] is not None:
            (work_dir / "confirm").mkdir(parents=True, exist_ok=True)
            data_file = unpack_coverage(result["coverage"], work_dir / "confirm" / "kept.coverage")
        return Confirmation({int(index): reason for index, reason in result["failures"].items()}, data_file)

    def _run(self, requests: list[JobRequest]) -> list[dict[str, Any]]:
        """Send `requests` through the agent's event loop, wait, keep their report rows; results in order."""
        running = self.jobs.run(self.run_id, requests, worker_wait=self.ctx.worker_wait)
        outcomes = asyncio.run_coroutine_threadsafe(running, self.loop).result()
        self.rows.extend(JobClient.rows(requests, outcomes))
        return JobClient.results(requests, outcomes)


def _batches(count: int, capacity: int) -> list[tuple[int, int]]:
    """(start, end) of contiguous batches: one per slot, each of at least MIN_BATCH candidates (one if fewer)."""
    jobs = max(1, min(capacity, math.ceil(count / MIN_BATCH)))
    size = math.ceil(count / jobs)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def _run_outcome(run: dict[str, Any], data_file: Path) -> RunOutcome:
    """A worker's run as verification's own: the first run's coverage written to `data_file`."""
    if run["coverage"] is None:
        return RunOutcome(run["passed"], run["message"])
    return RunOutcome(run["passed"], run["message"], data_file=str(unpack_coverage(run["coverage"], data_file)))
