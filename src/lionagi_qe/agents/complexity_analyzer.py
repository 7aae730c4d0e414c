"""complexity-analyzer: cyclomatic and cognitive complexity and maintainability per function; hot spots.

    agent = orchestrator.create_and_register_agent(ComplexityAnalyzerAgent, agent_id="complexity-analyzer")
    result = await orchestrator.execute_agent("complexity-analyzer", {"run_id": run_id})
    result.data["functions"][0]   # the most complex: {'qualname': ..., 'cyclomatic': 14, 'cognitive': 22, ...}
    result.data["hot_spots"][0]   # {'gap': 'pkg.mod:f', 'score': 10.5, ...}: complexity x missing coverage

Context (`RunContext`): run_id. Reads the run's execution and, for hot spots,
the coverage-analyzer's gaps (aqe/coverage/<run>/gaps; without them there are
no hot spots, and the result says so). Each hot spot names its gap id, so the
gaps' risk can be weighed by complexity. Writes aqe/quality/<run>/complexity
(`ComplexityRecord`, every function).
"""

from __future__ import annotations

import asyncio

from lionagi_qe.agents.memory_keys import complexity_key
from lionagi_qe.agents.records import ComplexityRecord
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.complexity import hot_spots, measure_complexity
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask

TOP = 10
COMPLEX = 10
"""Cyclomatic complexity from which radon ranks a function C (moderate) or worse."""


class ComplexityAnalyzerAgent(BaseQEAgent):
    """Measures complexity and finds hot spots; see the module docstring."""

    agent_type = "complexity-analyzer"

    async def execute(self, task: QETask) -> AgentResult:
        """Measure every function of the run's project and rank the hot spots."""
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        project = await asyncio.to_thread(inspect_project, inputs.execution.code_path, check_syntax=False)
        functions = await asyncio.to_thread(measure_complexity, project)
        gaps = await inputs.gaps()
        spots = hot_spots(functions, gaps.gaps) if gaps is not None else []
        record = ComplexityRecord(
            run_id=inputs.run_id, project=inputs.execution.project,
            functions=[f.to_dict() for f in functions], hot_spots=spots, coverage_used=gaps is not None,
        )
        await self.store_memory(complexity_key(inputs.run_id), record.to_json())
        return self.result(
            _summary(record),
            run_id=inputs.run_id,
            functions=record.functions[:TOP],
            function_count=len(functions),
            complex_functions=sum(f.cyclomatic >= COMPLEX for f in functions),
            hot_spots=spots[:TOP],
            coverage_used=record.coverage_used,
        )


def _summary(record: ComplexityRecord) -> str:
    if not record.functions:
        return "no function found in the project's sources"
    top = record.functions[0]
    text = (
        f"{len(record.functions)} functions; most complex {top['file']}:{top['qualname']} "
        f"(cognitive {top['cognitive']}, cyclomatic {top['cyclomatic']}, maintainability {top['maintainability']:.0f})"
    )
    if not record.coverage_used:
        return text + "; no coverage gaps in memory, so no hot spots (run coverage-analyzer first)"
    if not record.hot_spots:
        return text + "; no hot spot (every function fully covered)"
    spot = record.hot_spots[0]
    return text + f"; {len(record.hot_spots)} hot spot(s), first {spot['gap']} (score {spot['score']:g})"
