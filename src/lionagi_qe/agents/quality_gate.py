"""quality-gate: applies the thresholds (coverage, failures, flaky tests) and gives a verdict with reasons.

    agent = orchestrator.create_and_register_agent(QualityGateAgent, agent_id="quality-gate")
    result = await orchestrator.execute_agent("quality-gate", {"run_id": run_id, "coverage_threshold": 80})
    result.data["passed"], result.data["reasons"]

Context: run_id (default the latest run), coverage_threshold (default 80),
max_failures (0), max_flaky (0), wait_timeout (seconds to wait for the
coverage report when the coverage-analyzer runs alongside, default 30).
Reads the run's execution and coverage report; writes aqe/quality/<run>/verdict.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.agents.memory_keys import execution_key, generated_key, report_key, resolve_run_id, verdict_key
from lionagi_qe.analysis.quality_gate import DEFAULT_MIN_COVERAGE, GateInputs, Thresholds, evaluate_gate
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask

DEFAULT_WAIT = 30.0


class QualityGateAgent(BaseQEAgent):
    """Decides pass or fail for a run; see the module docstring."""

    agent_type = "quality-gate"

    async def execute(self, task: QETask) -> AgentResult:
        """Judge a run against the thresholds and store the verdict."""
        ctx = task.context
        thresholds = Thresholds(
            min_coverage=float(ctx.get("coverage_threshold", DEFAULT_MIN_COVERAGE)),
            max_failures=int(ctx.get("max_failures", 0)),
            max_flaky=int(ctx.get("max_flaky", 0)),
        )
        run_id = await resolve_run_id(self.memory, ctx)
        execution = await self.get_memory(execution_key(run_id)) if run_id else None
        if execution is None:
            return self.skipped(f"no test execution in memory for run {run_id or '(none)'}; nothing to judge")
        report = await self._report(run_id, float(ctx.get("wait_timeout", DEFAULT_WAIT)))
        if report is None:
            return self.skipped(f"no coverage report for run {run_id}; run coverage-analyzer first")
        counts = execution["counts"]
        verdict = evaluate_gate(
            GateInputs(
                coverage=report["totals"]["percent"],
                tests=execution["total"],
                failures=counts["failed"] + counts["error"] + counts["timeout"],
                flaky=counts["flaky"],
                collection_errors=len(execution["collection_errors"]),
            ),
            thresholds,
        )
        generated = await self.get_memory(generated_key(run_id))
        record: dict[str, Any] = {"run_id": run_id, "project": execution["project"], **verdict.to_dict()}
        if generated:
            record["coverage_with_generated_tests"] = generated["coverage_after"]["percent"]
        await self.store_memory(verdict_key(run_id), record)
        word = "passed" if verdict.passed else "FAILED"
        return self.result(f"gate {word}: " + "; ".join(verdict.reasons), **record)

    async def _report(self, run_id: str, wait: float) -> dict[str, Any] | None:
        """The run's coverage report, waiting up to `wait` seconds for an analyzer running alongside."""
        key = report_key(run_id)
        async with self.memory.watch(key) as changes:
            report = await self.get_memory(key)
            if report is None and wait > 0:
                await changes.next(timeout=wait)
                report = await self.get_memory(key)
        return report
