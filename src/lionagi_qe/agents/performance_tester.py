"""performance-tester: per-test durations against earlier runs; the slowest tests; slowdowns; benchmarks.

    agent = orchestrator.create_and_register_agent(PerformanceTesterAgent, agent_id="performance-tester")
    result = await orchestrator.execute_agent("performance-tester", {"run_id": run_id, "slowdown_ratio": 2})
    result.data["slowest"][0]       # {'nodeid': ..., 'duration': 0.81}
    result.data["regressions"][0]   # {'nodeid': ..., 'duration': 0.81, 'baseline': 0.11, 'history': [...]}

Context (`RunContext`): run_id, slowdown_ratio, slowdown_floor, slowdown_window.
The durations are the executor's (aqe/test-plan/<run>/execution); the history
is the earlier executions of the same project in memory (across processes in
production mode). With none, the result says "no history yet". Where the
project has pytest-benchmark tests, they run too, and each is compared with
the previous run's mean. Writes aqe/performance/<run>/durations (`PerformanceRecord`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import DURATIONS_PATTERN, EXECUTION_PATTERN, durations_key, run_id_of
from lionagi_qe.agents.records import ExecutionRecord, PerformanceRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.benchmark_results import run_benchmarks, uses_pytest_benchmark
from lionagi_qe.analysis.performance import History, judge_durations, passed_durations
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask

NO_HISTORY = "no history yet: no earlier run of this project in memory to compare with"


class PerformanceTesterAgent(BaseQEAgent):
    """Judges the run's test durations against history; see the module docstring."""

    agent_type = "performance-tester"

    async def execute(self, task: QETask) -> AgentResult:
        """Compare the run's durations with earlier runs, run the benchmarks, store the result."""
        ctx = RunContext.of(task.context)
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        execution = inputs.execution
        history = await self._history(inputs.run_id, execution.project)
        judged = judge_durations(execution.tests, history, ctx.slowdown_rule())
        benchmarks = await self._benchmarks(inputs.run_id, execution)
        notes = [] if history else [NO_HISTORY]
        record = PerformanceRecord(
            run_id=inputs.run_id, project=execution.project, benchmarks=benchmarks, notes=notes, **judged
        )
        await self.store_memory(durations_key(inputs.run_id), record.to_json())
        return self.result(_summary(record), run_id=inputs.run_id, **{
            k: v for k, v in record.to_json().items() if k not in ("run_id", "project")
        })

    async def _history(self, run_id: str, project: str) -> History:
        """Earlier executions of `project`, oldest first, as {nodeid: duration of a passing run}."""
        earlier = {
            run_id_of(key): value
            for key, value in (await self.search_memory(EXECUTION_PATTERN)).items()
            if run_id_of(key) < run_id and value.get("project") == project
        }
        return [(run, passed_durations(earlier[run]["tests"])) for run in sorted(earlier)]

    async def _benchmarks(self, run_id: str, execution: ExecutionRecord) -> list[dict[str, Any]]:
        """The project's pytest-benchmark results, each with the previous run's mean and the ratio to it."""
        project = await asyncio.to_thread(inspect_project, execution.code_path, check_syntax=False)
        python = Path(execution.python)
        if not await asyncio.to_thread(uses_pytest_benchmark, project, python):
            return []
        settings = RunSettings(python=python, test_timeout=execution.test_timeout,
                               pytest_args=tuple(execution.pytest_args))
        results = await asyncio.to_thread(run_benchmarks, project, settings, Path(execution.work_dir) / "performance")
        previous = await self._previous_benchmarks(run_id, execution.project)
        for result in results:
            before = previous.get(result["fullname"])
            result["previous_mean"] = before
            result["ratio"] = round(result["mean"] / before, 3) if before else None
        return results

    async def _previous_benchmarks(self, run_id: str, project: str) -> dict[str, float]:
        earlier = sorted(
            (run_id_of(key), value)
            for key, value in (await self.search_memory(DURATIONS_PATTERN)).items()
            if run_id_of(key) < run_id and value.get("project") == project and value.get("benchmarks")
        )
        return {b["fullname"]: b["mean"] for b in earlier[-1][1]["benchmarks"]} if earlier else {}


def _summary(record: PerformanceRecord) -> str:
    slowest = record.slowest[0] if record.slowest else None
    text = f"slowest {slowest['nodeid']} {slowest['duration']:.2f}s" if slowest else "no passing test to time"
    if not record.history_runs:
        text += f"; {NO_HISTORY}"
    elif record.regressions:
        first = record.regressions[0]
        text += (
            f"; {len(record.regressions)} test(s) slower than before, first {first['nodeid']} "
            f"{first['baseline']:.2f}s -> {first['duration']:.2f}s (over {len(record.history_runs)} earlier run(s))"
        )
    else:
        text += f"; no test slower than before ({record.compared} compared over {len(record.history_runs)} run(s))"
    if record.benchmarks:
        text += f"; {len(record.benchmarks)} pytest-benchmark result(s)"
    return text
