"""api-contract-validator: breaking changes to the public API since `--diff BASE` (griffe), and semver advice.

    agent = orchestrator.create_and_register_agent(ApiContractValidatorAgent, agent_id="api-contract-validator")
    result = await orchestrator.execute_agent("api-contract-validator", {"code_path": ".", "diff": "main"})
    result.data["breaking"][0]["message"]   # "ledger.accounts.open_account: parameter 'currency' was added as required"
    result.data["semver"]                   # 'major'

Context (`RunContext`): diff (required: without it the agent skips),
code_path (default: the run's project), run_id (default the latest run, else
a new one). Writes aqe/quality/<run>/api-contract (`ApiContractRecord`).
No git repository or an unknown ref is a failed result of kind 'target'.
"""

from __future__ import annotations

import asyncio

from lionagi_qe.agents.memory_keys import api_contract_key
from lionagi_qe.agents.records import ApiContractRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run
from lionagi_qe.analysis.api_contract import compare_api
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask, new_run_id
from lionagi_qe.errors import TargetProjectError


class ApiContractValidatorAgent(BaseQEAgent):
    """Compares the public API with a git ref; see the module docstring."""

    agent_type = "api-contract-validator"

    async def execute(self, task: QETask) -> AgentResult:
        """Compare the API at `diff` with the working tree and store the breaking changes."""
        ctx = RunContext.of(task.context)
        if not ctx.diff:
            return self.skipped("no --diff BASE given: nothing to compare the public API with")
        inputs = await load_run(self.memory, task.context)
        run_id = inputs.run_id if inputs else ctx.run_id or new_run_id()
        code_path = inputs.execution.code_path if inputs else ctx.code_path
        try:
            project = await asyncio.to_thread(inspect_project, code_path, check_syntax=False)
            contract = await asyncio.to_thread(compare_api, project, ctx.diff)
        except TargetProjectError as exc:
            return self.failed(str(exc), kind="target")
        found = contract.to_dict()
        record = ApiContractRecord.from_json({**found, "run_id": run_id})
        await self.store_memory(api_contract_key(run_id), record.to_json())
        first = f"; first: {contract.breaking[0].message}" if contract.breaking else ""
        return self.result(
            f"{len(contract.breaking)} breaking change(s) since {ctx.diff}, {len(contract.added)} addition(s): "
            f"semver {contract.semver}{first}",
            **record.to_json(),
        )
