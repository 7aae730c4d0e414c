"""flaky-test-hunter: finds tests whose outcome depends on the order they run in, or on chance.

    agent = orchestrator.create_and_register_agent(FlakyTestHunterAgent, agent_id="flaky-test-hunter")
    result = await orchestrator.execute_agent("flaky-test-hunter", {"run_id": run_id, "flaky_seed": 7})
    result.data["order_dependent"]   # [{'victim': ..., 'kind': 'victim', 'polluter': ..., 'seed': 8, ...}]
    result.data["flaky"]             # [{'nodeid': ..., 'failure_rate': 0.4, ...}]

Context (`RunContext`): run_id, flaky_reruns, flaky_orders, flaky_seed.
Reads the run's execution (its tests, interpreter and pytest arguments); runs
the engine `analysis.flaky_hunter.hunt_flaky` in the target's interpreter
(its runs made here by `_orders_runner`, on workers by the distributed hunter);
writes aqe/quality/<run>/flaky (`FlakyRecord`) and adds this hunt's runs and
failures per test to aqe/patterns/flaky-rates/<project-hash> (`FlakeRates`),
so flake rates accumulate across runs (across processes in production mode).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import flaky_key, flaky_rates_key
from lionagi_qe.agents.records import ExecutionRecord, FlakeRates, FlakyRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.flaky_hunter import FlakyHunt, hunt_flaky
from lionagi_qe.analysis.ordered_runs import OrderedRunner, RunsOrders
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask


class FlakyTestHunterAgent(BaseQEAgent):
    """Reruns, shuffles and isolates the suite; see the module docstring."""

    agent_type = "flaky-test-hunter"

    async def execute(self, task: QETask) -> AgentResult:
        """Hunt the run's tests for flakiness and store what was found and the accumulated rates."""
        ctx = RunContext.of(task.context)
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        execution = inputs.execution
        first_run = {t["nodeid"]: t["outcome"] for t in execution.tests}
        if not first_run:
            return self.skipped(f"no test ran in run {inputs.run_id}; nothing to hunt")
        project = await asyncio.to_thread(inspect_project, execution.code_path, check_syntax=False)
        settings = RunSettings(
            python=Path(execution.python), test_timeout=execution.test_timeout,
            pytest_args=tuple(execution.pytest_args),
        )
        work_dir = Path(execution.work_dir) / "flaky"
        runner = await self._orders_runner(ctx, execution, project, settings, work_dir)
        hunt = await asyncio.to_thread(
            hunt_flaky, project, settings, work_dir, first_run, ctx.hunt_options(), runner
        )
        record = FlakyRecord(run_id=inputs.run_id, project=execution.project, **hunt.to_dict())
        await self.store_memory(flaky_key(inputs.run_id), record.to_json())
        rates = await self._accumulate(inputs.run_id, execution.project, hunt)
        result = self.result(
            _summary(hunt),
            run_id=inputs.run_id,
            flaky=record.flaky,
            order_dependent=record.order_dependent,
            seeds=record.seeds,
            runs=record.runs,
            processes=record.processes,
            duration_s=record.duration_s,
            notes=record.notes,
            rates=_rates_of(rates, hunt),
        )
        result.stored_keys.append(flaky_rates_key(execution.project))
        return result

    async def _orders_runner(
        self, ctx: RunContext, execution: ExecutionRecord, project: TargetProject, settings: RunSettings,
        work_dir: Path,
    ) -> RunsOrders:
        """What makes the hunt's runs: here, one after another (the distributed hunter sends them to workers).

        Called on the event loop; the hunt then calls the runner from a thread of its own.
        """
        return OrderedRunner(project, settings, work_dir)

    async def _accumulate(self, run_id: str, project: str, hunt: FlakyHunt) -> FlakeRates:
        """Add this hunt's observations to the project's rates (atomic: other runs may add theirs meanwhile)."""

        def add(stored: dict[str, Any]) -> dict[str, Any]:
            return FlakeRates.from_json(stored).add(run_id, hunt.observed).to_json()

        stored = await self.memory.update(
            flaky_rates_key(project), add, default={"project": project}, partition=self.agent_id
        )
        return FlakeRates.from_json(stored)


def _rates_of(rates: FlakeRates, hunt: FlakyHunt) -> dict[str, Any]:
    """The accumulated rates of the tests this hunt found flaky, and how many hunts they span."""
    found = [f.nodeid for f in hunt.flaky] + [o.victim for o in hunt.order_dependent]
    return {"hunts": rates.hunts, "tests": {nodeid: rates.tests[nodeid] for nodeid in found if nodeid in rates.tests}}


def _summary(hunt: FlakyHunt) -> str:
    tests = len(hunt.observed)
    parts = [f"{tests} tests over {len(hunt.runs)} runs ({hunt.processes} pytest processes)"]
    for found in hunt.order_dependent[:3]:
        culprit = found.culprit or "several tests together"
        role = "polluter" if found.kind == "victim" else "state setter"
        parts.append(f"order-dependent {found.victim} ({role} {culprit})")
    for flaky in hunt.flaky[:3]:
        parts.append(f"nondeterministic {flaky.nodeid} (failed {flaky.failures} of {flaky.runs})")
    if not hunt.order_dependent and not hunt.flaky:
        parts.append("no flaky test found")
    seeds = f"seeds {hunt.seeds[0]}..{hunt.seeds[-1]}" if hunt.seeds else "no random order"
    return "; ".join(parts) + f"; {seeds}"
