"""`BaseQEAgent`: an agent with a LionAGI model (optional) and the fleet's shared memory.

    class MyAgent(BaseQEAgent):
        agent_type = "my-agent"

        async def execute(self, task):
            await self.store_memory(f"aqe/my-area/{task.context['run_id']}", {"done": True})
            return self.result("did it")

    agent = orchestrator.create_and_register_agent(MyAgent, agent_id="mine", model=model)

Agents never know which backend their memory is: the orchestrator hands
them its own.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from lionagi_qe.core.task import AgentResult, QETask, ResultError
from lionagi_qe.errors import AgentError
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.storage.session_memory import SessionMemory

if TYPE_CHECKING:
    from lionagi import Branch, iModel


class BaseQEAgent:
    """Common state of every QE agent: id, model, memory, and what it stored."""

    agent_type: ClassVar[str] = "base"
    system_prompt: ClassVar[str] = "You are a meticulous quality-engineering agent for Python projects."

    def __init__(
        self,
        agent_id: str,
        model: iModel | None = None,
        memory: MemoryBackend | None = None,
        **unknown: Any,
    ) -> None:
        if unknown:
            raise AgentError(
                f"{type(self).__name__} got unknown keyword argument(s) {', '.join(map(repr, sorted(unknown)))}; "
                "it accepts agent_id, model and memory"
            )
        if not isinstance(agent_id, str) or not agent_id.strip():
            raise AgentError(f"agent_id must be a non-empty string, got {agent_id!r}")
        self.agent_id = agent_id
        self.model = model
        self.memory: MemoryBackend = memory if memory is not None else SessionMemory()
        self._branch: Branch | None = None
        self._stored: list[str] = []

    def __repr__(self) -> str:
        model = getattr(self.model, "model_name", None) or ("offline" if self.model is None else "model")
        return f"<{type(self).__name__} id={self.agent_id!r} model={model} memory={self.memory.backend_name}>"

    # -- memory ------------------------------------------------------------

    async def store_memory(
        self, key: str, value: Any, ttl: float | None = None, partition: str | None = None
    ) -> int:
        """Store `value` in shared memory (partition: this agent's id unless given)."""
        version = await self.memory.store(key, value, ttl=ttl, partition=partition or self.agent_id)
        self._stored.append(key)
        return version

    async def get_memory(self, key: str, default: Any = None) -> Any:
        """Read a value any agent stored; `default` if absent."""
        return await self.memory.retrieve(key, default)

    async def search_memory(self, pattern: str) -> dict[str, Any]:
        """{key: value} for keys matching a glob such as 'aqe/coverage/*'."""
        return await self.memory.search(pattern)

    # -- model -------------------------------------------------------------

    @property
    def branch(self) -> Branch:
        """A LionAGI Branch on this agent's model (created on first use)."""
        if self._branch is None:
            if self.model is None:
                raise AgentError(f"agent {self.agent_id!r} has no model; pass model=iModel(...) to use the LLM")
            from lionagi import Branch

            self._branch = Branch(
                chat_model=self.model, system=self.system_prompt, log_config={"auto_save_on_exit": False}
            )
        return self._branch

    async def ask(self, instruction: str, context: Any = None) -> str:
        """Send one instruction to the model; returns its text reply."""
        reply = await self.branch.communicate(instruction, context=context, clear_messages=True)
        return reply if isinstance(reply, str) else str(reply)

    # -- work --------------------------------------------------------------

    async def execute(self, task: QETask) -> AgentResult:
        """Do the task; subclasses implement their QE work here."""
        raise AgentError(f"{type(self).__name__} does not implement execute(); it stores and reads memory only")

    async def run(self, task: QETask) -> AgentResult:
        """Execute `task`, timing it and recording the keys written; failures become a failed result."""
        self._stored = []
        started = time.perf_counter()
        try:
            result = await self.execute(task)
        except Exception as exc:  # an agent's failure is reported, not raised, so a pipeline can go on
            result = self.failed(f"{type(exc).__name__}: {exc}")
        result.duration_s = round(time.perf_counter() - started, 3)
        result.stored_keys = list(dict.fromkeys([*result.stored_keys, *self._stored]))
        return result

    def result(self, summary: str, **data: Any) -> AgentResult:
        """A successful result with a summary line and data."""
        return AgentResult(agent_id=self.agent_id, summary=summary, data=data)

    def failed(self, summary: str, kind: Literal["target", "agent"] = "agent") -> AgentResult:
        """A failed result; its error says whether the project (`target`) or the agent is at fault."""
        message = summary if kind == "target" else f"{self.agent_id} failed: {summary}"
        error = ResultError(kind=kind, message=message)
        return AgentResult(agent_id=self.agent_id, status="failed", summary=summary, error=error)

    def skipped(self, summary: str) -> AgentResult:
        """A result saying why there was nothing to do (its summary names what to run first)."""
        return AgentResult(agent_id=self.agent_id, status="skipped", summary=summary)
