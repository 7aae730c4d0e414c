"""mutation-tester: mutates covered code and runs the tests covering each mutated line; score and survivors.

    agent = orchestrator.create_and_register_agent(MutationTesterAgent, agent_id="mutation-tester")
    result = await orchestrator.execute_agent("mutation-tester", {"run_id": run_id})
    result.data["score"], result.data["by_module"]["ledger.fees"]["score"]
    result.data["survived"][0]   # {'file': 'ledger/fees.py', 'line': 2, 'description': '`>` -> `>=`', 'diff': ...}

The engine is `analysis.mutation_testing`: mutants of the lines passing
tests ran (per-test coverage contexts of the executor's run), each run
against only those tests in a warm, forked worker. Context (`RunContext`):
run_id, max_mutants. Reads the run's execution; writes
aqe/quality/<run>/mutation (`MutationRecord`): the surviving mutants there
are targets for test-generator (a test that kills one is worth keeping).
The mutants run in `_run_mutants`, the one step a distributed run
(`workers.distributed_mutation`) does elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from lionagi_qe.agents.memory_keys import mutation_key
from lionagi_qe.agents.records import ExecutionRecord, MutationRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.mutation_testing import Mutant, MutantSettings, MutationRun, plan_mutants, run_mutants
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask

MAX_STORED_SURVIVORS = 200


class MutationTesterAgent(BaseQEAgent):
    """Measures how well the suite checks what it covers; see the module docstring."""

    agent_type = "mutation-tester"

    async def execute(self, task: QETask) -> AgentResult:
        """Plan, run and score the mutants of the run's covered code, and store the survivors."""
        ctx = RunContext.of(task.context)
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        execution = inputs.execution
        project = await asyncio.to_thread(inspect_project, execution.code_path, check_syntax=False)
        contexts = await asyncio.to_thread(load_test_contexts, execution.data_file, project)
        passed = {t["nodeid"]: float(t["duration"]) for t in execution.tests if t["outcome"] == "passed"}
        plan = await asyncio.to_thread(plan_mutants, project, contexts, passed, ctx.max_mutants)
        settings = MutantSettings(python=Path(execution.python), pytest_args=tuple(execution.pytest_args))
        work_dir = Path(execution.work_dir) / "mutation"
        run = await self._run_mutants(ctx, execution, project, settings, plan.mutants, work_dir)
        notes = list(run.notes)
        if not contexts.lines:
            notes.append("no per-test coverage in this run: no test ran a measured line, so nothing was mutated")
        if plan.found > len(plan.mutants):
            notes.append(f"ran {len(plan.mutants)} of {plan.found} mutants, spread over the code (--max-mutants)")
        record = MutationRecord(
            run_id=inputs.run_id, score=run.score, killed=run.count("killed"),
            survived=run.survived[:MAX_STORED_SURVIVORS], by_module=run.by_module, total=len(run.results),
            timeout=run.count("timeout"), errors=run.count("error"), sampled_from=plan.found,
            mutants_per_second=run.per_second, notes=notes,
        )
        await self.store_memory(mutation_key(inputs.run_id), record.to_json())
        score = "n/a" if run.score is None else f"{run.score:.1f}%"
        return self.result(
            f"mutation score {score}: {record.killed} killed, {record.timeout} timed out, "
            f"{len(run.survived)} survived of {record.total} mutants ({run.per_second:g}/s)",
            **record.to_json(),
        )

    async def _run_mutants(
        self,
        ctx: RunContext,
        execution: ExecutionRecord,
        project: TargetProject,
        settings: MutantSettings,
        mutants: Sequence[Mutant],
        work_dir: Path,
    ) -> MutationRun:
        """Run `mutants` (in plan order) against their tests: here, in warm forked workers (`run_mutants`)."""
        return await asyncio.to_thread(run_mutants, project, settings, mutants, work_dir)
