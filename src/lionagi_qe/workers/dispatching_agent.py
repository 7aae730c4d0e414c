"""What every distributed agent shares: the `JobClient` it sends jobs with, and `distributed` in its result.

    class DistributedMutationTesterAgent(DispatchingAgent, MutationTesterAgent):
        async def _run_mutants(self, ctx, execution, ...):
            outcomes = await self.jobs.run(run_id, requests, worker_wait=ctx.worker_wait)
            self.dispatched[run_id] = {"jobs": self.jobs.rows(requests, outcomes)}

Put first among the bases, before the local agent whose hook the subclass
overrides: its `execute` runs the local agent's, then moves what the hook
left in `dispatched` under the run's id into the result's data as
`distributed` (the report's `distributed` section reads it there).
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.workers.job_client import JobClient


class DispatchingAgent(BaseQEAgent):
    """A local agent's work sent to the workers through `jobs`; see the module docstring."""

    def __init__(
        self, agent_id: str, model: Any = None, memory: MemoryBackend | None = None, *, jobs: JobClient
    ) -> None:
        super().__init__(agent_id, model, memory)
        self.jobs = jobs
        self.dispatched: dict[str, dict[str, Any]] = {}
        """The `distributed` section of each run this agent dispatched, by run id, until its result takes it."""

    async def execute(self, task: QETask) -> AgentResult:
        """The local agent's result, plus `distributed` when its work went to the workers."""
        result = await super().execute(task)
        summary = self.dispatched.pop(str(result.data.get("run_id")), None)
        if summary is not None:
            result.data["distributed"] = summary
        return result
