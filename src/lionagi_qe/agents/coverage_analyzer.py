"""coverage-analyzer: line, branch and function coverage, gaps by function ranked by risk, and the trend.

    agent = orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer")
    result = await orchestrator.execute_agent("coverage-analyzer", {"run_id": run_id})
    result.data["coverage"]      # {'percent': 81.19, 'line_percent': 86.3, 'branch_percent': 67.86, ...}

Reads aqe/test-plan/<run>/execution (the latest run when no run_id is
given); writes aqe/coverage/<run>/report (`CoverageRecord`) and
aqe/coverage/<run>/gaps (`GapsRecord`). The trend compares with the latest
earlier report of the same project found in memory (across processes in
production mode). A run that measured 0 statements is a failed result (kind
'target') whose message says what to set: it never passes a gate. With
`diff` (`--diff BASE`) it also measures the coverage of the lines changed
since BASE, stores it under aqe/coverage/<run>/diff
(`DiffCoverageRecord`) and puts the gaps in changed functions first (with
`only_impacted`, only those: the other code's tests did not run).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import REPORT_PATTERN, diff_coverage_key, gaps_key, report_key, run_id_of
from lionagi_qe.agents.records import CoverageRecord, DiffCoverageRecord, ExecutionRecord, GapsRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.changed_code import changed_first, find_changes
from lionagi_qe.analysis.coverage_config import coverage_warnings, nothing_measured
from lionagi_qe.analysis.coverage_report import CoverageReport, load_coverage
from lionagi_qe.analysis.diff_coverage import measure_diff_coverage
from lionagi_qe.analysis.gaps import Gap, find_gaps
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import TargetProjectError

MAX_STORED_GAPS = 200
TOP_GAPS = 10


class CoverageAnalyzerAgent(BaseQEAgent):
    """Measures and maps coverage; see the module docstring."""

    agent_type = "coverage-analyzer"

    async def execute(self, task: QETask) -> AgentResult:
        """Analyse the coverage data of a run and store the report and the gaps."""
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        run_id, execution = inputs.run_id, inputs.execution
        try:
            project, report = await asyncio.to_thread(_measure, execution)
        except TargetProjectError as exc:
            result = self.failed(str(exc), kind="target")
            result.data["run_id"] = run_id
            return result
        gaps, functions = await asyncio.to_thread(find_gaps, report, project)
        ctx = RunContext.of(task.context)
        diff: DiffCoverageRecord | None = None
        if ctx.diff:
            try:
                measured, gaps = await asyncio.to_thread(_diff_coverage, run_id, ctx, project, report, gaps)
            except TargetProjectError as exc:
                return self.failed(str(exc), kind="target")
            await self.store_memory(diff_coverage_key(run_id), measured.to_json())
            diff = measured
        totals = {**report.totals.to_dict(), "function_percent": functions["percent"]}
        trend = await self._trend(run_id, execution.project, totals["percent"])
        record = CoverageRecord(
            run_id=run_id,
            project=execution.project,
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            totals=totals,
            functions=functions,
            files=report.summary()["files"],
            data_file=report.data_file,
            gap_count=len(gaps),
            trend=trend,
            fail_under=report.config.fail_under,
        )
        stored_gaps = [g.to_dict() for g in gaps[:MAX_STORED_GAPS]]
        await self.store_memory(report_key(run_id), record.to_json())
        await self.store_memory(gaps_key(run_id), GapsRecord(run_id=run_id, gaps=stored_gaps).to_json())
        delta = "" if trend["delta"] is None else f"; {trend['delta']:+.2f} vs run {trend['previous_run']}"
        changed = f"; changed lines {diff.percent:.1f}% since {diff.base}" if diff else ""
        return self.result(
            f"coverage {totals['percent']:.1f}% (lines {totals['line_percent']:.1f}%, branches "
            f"{totals['branch_percent']:.1f}%, functions {functions['percent']:.1f}%); {len(gaps)} gaps{delta}"
            f"{changed}",
            run_id=run_id,
            coverage=totals,
            top_gaps=stored_gaps[:TOP_GAPS],
            gap_count=len(gaps),
            trend=trend,
            measured={
                "data_file": report.data_file,
                "source": execution.coverage_source,
                "config_file": report.config.file,
                "fail_under": report.config.fail_under,
            },
            diff_coverage=None if diff is None else diff.to_json(),
        )

    async def _trend(self, run_id: str, project: str, percent: float) -> dict[str, Any]:
        """The latest earlier report of the same project, and the change since."""
        earlier = {
            key: CoverageRecord.from_json(value)
            for key, value in (await self.search_memory(REPORT_PATTERN)).items()
            if run_id_of(key) < run_id and value.get("project") == project
        }
        if not earlier:
            return {"previous_run": None, "previous_percent": None, "delta": None, "runs_seen": 0}
        key = max(earlier)
        previous = earlier[key].totals["percent"]
        return {
            "previous_run": run_id_of(key),
            "previous_percent": previous,
            "delta": round(percent - previous, 2),
            "runs_seen": len(earlier),
        }


def _measure(execution: ExecutionRecord) -> tuple[TargetProject, CoverageReport]:
    """The project and coverage.py's report of the run; raises `TargetProjectError` if it measured no code."""
    project = inspect_project(execution.code_path, check_syntax=False, source=execution.source)
    report = load_coverage(execution.data_file, project, python=Path(execution.python))
    if report.totals.statements == 0:
        warnings = coverage_warnings(execution.log_file)
        raise TargetProjectError(
            nothing_measured(execution.project, execution.coverage_source, report.config.file, warnings)
        )
    return project, report


def _diff_coverage(
    run_id: str, ctx: RunContext, project: TargetProject, report: CoverageReport, gaps: list[Gap]
) -> tuple[DiffCoverageRecord, list[Gap]]:
    """Coverage of the lines changed since `ctx.diff`, and the gaps with those in changed functions first."""
    assert ctx.diff is not None
    changes = find_changes(project, ctx.diff)
    measured = measure_diff_coverage(report, changes).to_dict()
    record = DiffCoverageRecord.from_json({
        **measured, "run_id": run_id, "changed_functions": [f.to_dict() for f in changes.functions],
    })
    return record, changed_first(gaps, changes, only_changed=ctx.only_impacted)
