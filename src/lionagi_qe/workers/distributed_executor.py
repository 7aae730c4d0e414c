"""test-executor, distributed: the suite runs as test-file shards on workers; the record is a local run's.

    queue = JobQueue(orchestrator.memory, config=orchestrator.storage_config)
    async with queue:
        orchestrator.create_and_register_agent(
            DistributedTestExecutorAgent, agent_id="test-executor", jobs=JobClient(queue, on_job=print))
        await orchestrator.execute_pipeline([...], {"code_path": ".", "distributed": True, "shards": 4})

Same context and same `ExecutionRecord` as `TestExecutorAgent`; only the
running differs. The suite is split by test file (`shards.plan_shards`,
balanced by the durations of the project's last run in memory), each shard
is a `test-shard` job, and the shards' coverage data files are combined as
`coverage combine` does into the run's data file. A shard that fails for
the project's reasons fails the run as a local run would (kind `target`);
one that no worker could run fails it with the workers' message. The
result's data gains `distributed`: which worker ran which shard.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.test_executor import TestExecutorAgent
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import CollectionError, RunSettings, TestOutcome, TestRunResult, combine_parts
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import TargetProjectError
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.workers.coverage_transfer import unpack_coverage
from lionagi_qe.workers.dispatch import JobRequest
from lionagi_qe.workers.job_client import JobClient, result_of
from lionagi_qe.workers.project_source import run_source
from lionagi_qe.workers.shards import Shard, file_durations, merge_results, plan_shards


class DistributedTestExecutorAgent(TestExecutorAgent):
    """Runs the suite as jobs; see the module docstring."""

    def __init__(
        self, agent_id: str, model: Any = None, memory: MemoryBackend | None = None, *, jobs: JobClient
    ) -> None:
        super().__init__(agent_id, model, memory)
        self.jobs = jobs
        self.dispatched: dict[str, dict[str, Any]] = {}
        """The `distributed` section of each run this agent dispatched, by run id, until its result takes it."""

    async def execute(self, task: QETask) -> AgentResult:
        """Run the suite on the workers; the result is the local executor's plus `distributed`."""
        result = await super().execute(task)
        summary = self.dispatched.pop(str(result.data.get("run_id")), None)
        if summary is not None:
            result.data["distributed"] = summary
        return result

    async def _execute_suite(
        self, ctx: RunContext, run_id: str, project: TargetProject, work_dir: Path, settings: RunSettings
    ) -> TestRunResult:
        """Send the suite to the workers as test-file shards; one `TestRunResult` from theirs."""
        source = await asyncio.to_thread(run_source, project, Path(ctx.code_path).resolve(), ctx.from_git)
        shards = plan_shards(
            [project.relative(f) for f in project.test_files],
            await file_durations(self.memory, str(project.root)),
            ctx.shards or 2 * await self.jobs.capacity(),
        )
        common = {
            "source": source, "run_id": run_id, "python": ctx.python, "venv": ctx.venv,
            "test_timeout": settings.test_timeout, "pytest_args": list(settings.pytest_args),
            "measure": [_relative(item, project.root) for item in project.source_option],
            "select": list(settings.select) if settings.select is not None else None,
            "record_inputs": settings.record_inputs is not None,
        }
        started = time.perf_counter()
        requests = [JobRequest(shard.key, "test-shard", {**common, **shard.spec()}) for shard in shards]
        outcomes = await self.jobs.run(run_id, requests, worker_wait=ctx.worker_wait)
        summary = self.dispatched[run_id] = self._summary(shards, outcomes, source)
        results = _shard_results(shards, outcomes, project)
        run = _merged_run(results, shards, work_dir, round(time.perf_counter() - started, 3))
        if settings.record_inputs is not None:
            _write_recordings(results, shards, settings.record_inputs)
        (work_dir / "shards.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        return run

    def _summary(
        self, shards: list[Shard], outcomes: dict[str, dict[str, Any]], source: dict[str, Any]
    ) -> dict[str, Any]:
        rows = []
        for shard in shards:
            outcome = outcomes[shard.key]
            result = outcome.get("result") or {}
            rows.append({
                "shard": shard.key,
                "files": shard.files,
                "takes_the_rest": shard.takes_the_rest,
                "expected_s": shard.expected_s,
                "status": outcome["status"],
                "worker": outcome["worker"]["name"],
                "attempts": outcome["worker"]["attempt"],
                "tests": len(result.get("tests", [])),
                "duration_s": result.get("duration_s"),
                "error": outcome.get("error"),
            })
        return {
            "queue": self.jobs.queue_name,
            "code": f"git {source['url']}@{source['commit']}" if "url" in source else "shared path",
            "shards": rows,
        }


def _shard_results(
    shards: list[Shard], outcomes: dict[str, dict[str, Any]], project: TargetProject
) -> list[dict[str, Any]]:
    """The shards' results; the first failure raised as the local run would (project) or as the workers' (worker)."""
    results = [result_of(shard.key, outcomes[shard.key]) for shard in shards]
    if all(result["empty"] for result in results):
        raise TargetProjectError(results[0]["why_empty"])
    return results


def _relative(item: str, root: Path) -> str:
    """A `--source` entry as the workers can resolve it: relative to the project root when inside it."""
    path = Path(item)
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else item


def _write_recordings(results: list[dict[str, Any]], shards: list[Shard], folder: Path) -> None:
    """Each shard's recorded inputs as one file of the run's recording folder (`input_recording`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for shard, result in zip(shards, results, strict=True):
        if result.get("recorded_inputs"):
            path = folder / f"inputs-{shard.key}.json"
            path.write_text(json.dumps(result["recorded_inputs"]), encoding="utf-8")


def _merged_run(results: list[dict[str, Any]], shards: list[Shard], work_dir: Path, seconds: float) -> TestRunResult:
    """One `TestRunResult` from the shards', their coverage combined into `work_dir/.coverage`."""
    parts = work_dir / "coverage-parts"
    parts.mkdir(parents=True, exist_ok=True)
    for shard, result in zip(shards, results, strict=True):
        if result["coverage"]:
            unpack_coverage(result["coverage"], parts / f".coverage.{shard.key}")
    merged = merge_results(results)
    first = next(result for result in results if not result["empty"])
    return TestRunResult(
        tests=[TestOutcome(**test) for test in merged["tests"]],
        collection_errors=[CollectionError(**error) for error in merged["collection_errors"]],
        exit_code=merged["exit_code"],
        duration_s=seconds,
        data_file=str(combine_parts(parts, work_dir / ".coverage")),
        command=first["command"],
        log_file=str(work_dir / "shards.json"),
        resumed=merged["resumed"],
        notes=merged["notes"],
        coverage_source=list(first.get("coverage_source", [])),
        coverage_config=first.get("coverage_config"),
    )
