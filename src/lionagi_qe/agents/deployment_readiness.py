"""deployment-readiness: one go/no-go over every verdict of the run, each reason named.

    agent = orchestrator.create_and_register_agent(DeploymentReadinessAgent, agent_id="deployment-readiness")
    result = await orchestrator.execute_agent("deployment-readiness", {"run_id": run_id})
    result.data["go"], result.data["reasons"]   # False, ['quality gate passed', 'security: 1 high-severity ...']

Context (`RunContext`): run_id (default the latest run), max_flaky,
max_high_severity, min_mutation_score, max_breaking_changes, max_slowdowns.
Reads whatever verdicts the run has in memory: aqe/quality/<run>/verdict
(quality-gate), /flaky (flaky-test-hunter), /mutation (mutation-tester, its
`score` in percent), /api-contract (api-contract-validator, its `breaking`
list), aqe/security/<run>/findings (`high`) and aqe/performance/<run>/durations
(`regressions`, when it had earlier runs to compare with). A verdict that is
absent is named "not measured" and does not block. Writes aqe/quality/<run>/readiness (`ReadinessRecord`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lionagi_qe.agents.memory_keys import (
    api_contract_key,
    durations_key,
    execution_key,
    flaky_key,
    mutation_key,
    readiness_key,
    resolve_run_id,
    security_key,
    verdict_key,
)
from lionagi_qe.agents.records import FlakyRecord, ReadinessRecord, VerdictRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import missing_run
from lionagi_qe.analysis.readiness import ReadinessInputs, decide_readiness
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask


class DeploymentReadinessAgent(BaseQEAgent):
    """Decides go or no-go for a run; see the module docstring."""

    agent_type = "deployment-readiness"

    async def execute(self, task: QETask) -> AgentResult:
        """Gather the run's verdicts from memory, decide, and store the decision."""
        ctx = RunContext.of(task.context)
        run_id = await resolve_run_id(self.memory, task.context)
        if run_id is None:
            return self.skipped(f"no run in memory ({missing_run(task.context)}); run the fleet first")
        inputs = await self._inputs(run_id)
        thresholds = ctx.readiness_thresholds()
        decision = decide_readiness(inputs, thresholds)
        execution = await self.get_memory(execution_key(run_id)) or {}
        record = ReadinessRecord(
            run_id=run_id, project=execution.get("project", ""), go=decision.go, reasons=decision.reasons,
            checks=decision.checks, thresholds=asdict(thresholds),
        )
        await self.store_memory(readiness_key(run_id), record.to_json())
        blocking = [c["reason"] for c in decision.checks if c["passed"] is False]
        summary = "GO: every measured verdict within its threshold" if decision.go else (
            "NO-GO: " + "; ".join(blocking or decision.reasons[:1])
        )
        return self.result(summary, **{k: v for k, v in record.to_json().items() if k != "project"})

    async def _inputs(self, run_id: str) -> ReadinessInputs:
        """Every verdict stored for the run; None where its agent stored nothing."""
        verdict = await self.get_memory(verdict_key(run_id))
        gate = VerdictRecord.from_json(verdict) if verdict else None
        flaky = await self.get_memory(flaky_key(run_id))
        security = await self.get_memory(security_key(run_id))
        mutation = await self.get_memory(mutation_key(run_id))
        contract = await self.get_memory(api_contract_key(run_id))
        durations = await self.get_memory(durations_key(run_id))
        return ReadinessInputs(
            gate_passed=gate.passed if gate else None,
            gate_reasons=_failed_reasons(gate) if gate else (),
            flaky=FlakyRecord.from_json(flaky).count if flaky else None,
            high_findings=_field(security, "high"),
            mutation_score=_field(mutation, "score"),
            breaking_changes=len(contract.get("breaking") or []) if isinstance(contract, dict) else None,
            slowdowns=_slowdowns(durations),
        )


def _failed_reasons(gate: VerdictRecord) -> tuple[str, ...]:
    """The reasons of the gate's failed checks (its reasons and checks go one to one)."""
    if len(gate.checks) != len(gate.reasons):
        return tuple(gate.reasons)
    return tuple(reason for reason, check in zip(gate.reasons, gate.checks, strict=True) if not check["passed"])


def _slowdowns(durations: Any) -> int | None:
    """Tests slower than before; None without durations or without earlier runs to compare with."""
    if not isinstance(durations, dict) or not durations.get("history_runs"):
        return None
    return len(durations.get("regressions") or [])


def _field(stored: Any, name: str) -> Any:
    """`stored[name]` when `stored` is a record holding it, else None."""
    return stored.get(name) if isinstance(stored, dict) else None
