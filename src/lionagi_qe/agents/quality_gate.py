"""quality-gate: applies the thresholds (coverage, failures, flaky tests) and gives a verdict with reasons.

    agent = orchestrator.create_and_register_agent(QualityGateAgent, agent_id="quality-gate")
    result = await orchestrator.execute_agent("quality-gate", {"run_id": run_id, "coverage_threshold": 80})
    result.data["passed"], result.data["reasons"]

Context (`RunContext`): run_id (default the latest run), coverage_threshold
(default the project's coverage `fail_under`, else 80), max_failures,
max_flaky, wait_timeout (seconds to wait for the coverage report when the
coverage-analyzer runs alongside); with diff, diff_threshold (default the
coverage threshold) judges the coverage of the changed lines
(aqe/coverage/<run>/diff); a run of only the impacted tests is not judged on
the suite's total coverage.
Reads the run's execution and coverage report; writes aqe/quality/<run>/verdict (`VerdictRecord`).
"""

from __future__ import annotations

from lionagi_qe.agents.memory_keys import diff_coverage_key, report_key, verdict_key
from lionagi_qe.agents.records import CoverageRecord, DiffCoverageRecord, ExecutionRecord, VerdictRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution, read_record
from lionagi_qe.analysis.quality_gate import GateInputs, evaluate_gate
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask


class QualityGateAgent(BaseQEAgent):
    """Decides pass or fail for a run; see the module docstring."""

    agent_type = "quality-gate"

    async def execute(self, task: QETask) -> AgentResult:
        """Judge a run against the thresholds and store the verdict."""
        ctx = RunContext.of(task.context)
        ctx.thresholds()  # a bad threshold fails before anything is read
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context, "nothing to judge"))
        report = await self._report(inputs.run_id, ctx.wait_timeout)
        if report is None:
            return self.skipped(f"no coverage report for run {inputs.run_id}; run coverage-analyzer first")
        diff = await read_record(self.memory, diff_coverage_key(inputs.run_id), DiffCoverageRecord)
        verdict = evaluate_gate(_measured(inputs.execution, report, diff), ctx.thresholds(report.fail_under))
        if ctx.coverage_threshold is None and report.fail_under is not None:
            verdict.reasons[0] += " (the project's coverage fail_under)"
        generated = await inputs.generated()
        record = VerdictRecord(
            run_id=inputs.run_id,
            project=inputs.execution.project,
            passed=verdict.passed,
            reasons=verdict.reasons,
            checks=verdict.checks,
            thresholds=verdict.thresholds,
            coverage_with_generated_tests=generated.coverage_after["percent"] if generated else None,
        )
        await self.store_memory(verdict_key(inputs.run_id), record.to_json())
        word = "passed" if verdict.passed else "FAILED"
        return self.result(f"gate {word}: " + "; ".join(verdict.reasons), **record.to_json())

    async def _report(self, run_id: str, wait: float) -> CoverageRecord | None:
        """The run's coverage report, waiting up to `wait` seconds for an analyzer running alongside."""
        key = report_key(run_id)
        async with self.memory.watch(key) as changes:
            stored = await self.get_memory(key)
            if stored is None and wait > 0:
                await changes.next(timeout=wait)
                stored = await self.get_memory(key)
        return None if stored is None else CoverageRecord.from_json(stored)


def _measured(execution: ExecutionRecord, report: CoverageRecord, diff: DiffCoverageRecord | None) -> GateInputs:
    return GateInputs(
        coverage=report.totals["percent"],
        tests=execution.total,
        failures=execution.failures,
        flaky=execution.counts["flaky"],
        collection_errors=len(execution.collection_errors),
        diff_coverage=None if diff is None else diff.percent,
        diff_statements=0 if diff is None else diff.statements,
        partial_run=execution.selection is not None and execution.selection.get("selected") is not None,
    )
