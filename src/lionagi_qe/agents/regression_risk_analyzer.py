"""regression-risk-analyzer: the functions changed since `--diff BASE`, their risk, and the tests exercising them.

    agent = orchestrator.create_and_register_agent(RegressionRiskAnalyzerAgent, agent_id="regression-risk-analyzer")
    result = await orchestrator.execute_agent("regression-risk-analyzer", {"run_id": run_id, "diff": "main"})
    result.data["changed"][0]     # {'key': 'ledger/accounts.py::transfer', 'risk': 7.2, 'level': 'medium', ...}
    result.data["impacted_tests"] # ['tests/test_accounts.py::test_transfer', ...]
    result.data["uncovered"]      # changed functions no test runs

Risk (`analysis.regression_risk`) weighs complexity, churn from the git
history, the function's coverage in this run and past failures of its
tests in earlier runs in memory; the tests come from the per-test coverage
contexts of the executor's run. Context (`RunContext`): diff (required),
run_id. Reads the run's execution; writes aqe/quality/<run>/regression-risk
(`RegressionRiskRecord`). No git repository or an unknown ref is a failed
result of kind 'target'.
"""

from __future__ import annotations

import asyncio

from lionagi_qe.agents.memory_keys import regression_risk_key, run_id_of
from lionagi_qe.agents.records import RegressionRiskRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.changed_code import churn_by_file, find_changes
from lionagi_qe.analysis.coverage_report import load_coverage
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.regression_risk import assess_risk
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.analysis.test_runner import FAILING
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import TargetProjectError

PAST_FAILURES = (*FAILING, "flaky")


class RegressionRiskAnalyzerAgent(BaseQEAgent):
    """Ranks the changed functions by risk; see the module docstring."""

    agent_type = "regression-risk-analyzer"

    async def execute(self, task: QETask) -> AgentResult:
        """Find the changed functions, score them and name their tests."""
        ctx = RunContext.of(task.context)
        if not ctx.diff:
            return self.skipped("no --diff BASE given: no changes to assess")
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        execution = inputs.execution
        try:
            project = await asyncio.to_thread(inspect_project, execution.code_path, check_syntax=False)
            changes = await asyncio.to_thread(find_changes, project, ctx.diff)
            churn = await asyncio.to_thread(churn_by_file, project, sorted({f.file for f in changes.functions}))
        except TargetProjectError as exc:
            return self.failed(str(exc), kind="target")
        contexts = await asyncio.to_thread(load_test_contexts, execution.data_file, project)
        report = await asyncio.to_thread(load_coverage, execution.data_file, project)
        past = await self._past_failures(inputs.run_id, execution.project)
        assessment = assess_risk(changes, contexts, report, churn, past)
        record = RegressionRiskRecord(
            run_id=inputs.run_id, base=ctx.diff, commit=changes.commit, changed=assessment.changed,
            impacted_tests=assessment.impacted_tests, uncovered=assessment.uncovered,
        )
        await self.store_memory(regression_risk_key(inputs.run_id), record.to_json())
        notes = [f"no tests cover {key} (changed since {ctx.diff}): write one" for key in assessment.uncovered]
        riskiest = assessment.changed[0] if assessment.changed else None
        top = f"; riskiest {riskiest['key']} ({riskiest['level']})" if riskiest else ""
        missing = f"; {len(assessment.uncovered)} changed function(s) no test covers" if assessment.uncovered else ""
        return self.result(
            f"{len(changes.functions)} function(s) changed since {ctx.diff}, "
            f"{len(assessment.impacted_tests)} impacted test(s){top}{missing}",
            **record.to_json(),
            notes=notes,
        )

    async def _past_failures(self, run_id: str, project: str) -> dict[str, int]:
        """Failing outcomes per test in earlier runs of the same project, from memory."""
        counts: dict[str, int] = {}
        for key, value in (await self.search_memory("aqe/test-plan/*/execution")).items():
            if run_id_of(key) >= run_id or value.get("project") != project:
                continue
            for test in value.get("tests", []):
                if test.get("outcome") in PAST_FAILURES:
                    counts[test["nodeid"]] = counts.get(test["nodeid"], 0) + 1
        return counts
