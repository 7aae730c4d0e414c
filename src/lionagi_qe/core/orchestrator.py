"""`QEOrchestrator`: one LionAGI Session, one shared memory, many agents.

    orchestrator = QEOrchestrator()                       # mode from the environment (default development)
    orchestrator = QEOrchestrator(mode="test")            # isolated in-process memory
    orchestrator = QEOrchestrator(mode="prod", database_url=os.getenv("DATABASE_URL"))
    async with orchestrator:                              # connect() ... disconnect()
        agent = orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer")
        result = await orchestrator.execute_pipeline(["test-executor", "coverage-analyzer"], {"code_path": "."})
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.router import ModelRouter
from lionagi_qe.core.task import AgentResult, QETask, new_run_id
from lionagi_qe.errors import AgentError, ConfigurationError
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.storage.factory import create_memory

if TYPE_CHECKING:
    from lionagi import Session

log = logging.getLogger(__name__)

AgentT = TypeVar("AgentT", bound=BaseQEAgent)
ProgressCallback = Callable[[str, str, "AgentResult | None"], None]
"""Called as (agent_id, 'start' | 'done', result) around each agent of a pipeline."""

DEFAULT_SWEEP_INTERVAL = 60.0


class QEOrchestrator:
    """Owns the Session, the memory backend chosen by the storage mode, and the agents."""

    def __init__(
        self,
        memory: MemoryBackend | None = None,
        router: ModelRouter | None = None,
        *,
        mode: StorageMode | str | None = None,
        database_url: str | None = None,
        config: StorageConfig | None = None,
        session: Session | None = None,
        sweep_interval: float = DEFAULT_SWEEP_INTERVAL,
    ) -> None:
        if memory is not None and (mode is not None or database_url is not None or config is not None):
            raise ConfigurationError(
                "pass either memory= (use that backend as is) or mode=/database_url=/config=, not both"
            )
        if config is not None and (mode is not None or database_url is not None):
            raise ConfigurationError("pass either config= or mode=/database_url=, not both")
        self._session = session
        if memory is not None:
            self.storage_config: StorageConfig | None = None
            self.memory = memory
        else:
            self.storage_config = config or StorageConfig.from_environment(mode=mode, database_url=database_url)
            self.memory = create_memory(self.storage_config, lambda: self.session)
        self.router = router if router is not None else ModelRouter()
        self.agents: dict[str, BaseQEAgent] = {}
        self.sweep_interval = sweep_interval
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def session(self) -> Session:
        """This orchestrator's LionAGI Session, made on first use (making one loads every LionAGI provider)."""
        if self._session is None:
            from lionagi import Session

            self._session = Session()
        return self._session

    @classmethod
    def from_config(cls, config: StorageConfig, **kwargs: Any) -> QEOrchestrator:
        """An orchestrator on the backend `config` selects."""
        return cls(config=config, **kwargs)

    @classmethod
    def from_environment(cls, **kwargs: Any) -> QEOrchestrator:
        """An orchestrator whose mode and settings come from the environment."""
        return cls(config=StorageConfig.from_environment(), **kwargs)

    def __repr__(self) -> str:
        mode = self.storage_config.mode.value if self.storage_config else "custom memory"
        return f"<QEOrchestrator mode={mode} memory={self.memory!r} agents={sorted(self.agents)}>"

    # -- lifecycle ---------------------------------------------------------

    async def connect(self) -> None:
        """Connect the memory (PostgreSQL: pool, schema migrations, expiry sweeper). Idempotent."""
        await self.memory.connect()
        if self.memory.persistent and self._sweeper is None and self.sweep_interval > 0:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="aqe-memory-sweeper")

    async def disconnect(self) -> None:
        """Stop the sweeper and release the memory's connections. Idempotent."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        await self.memory.disconnect()

    async def __aenter__(self) -> QEOrchestrator:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                removed = await self.memory.cleanup_expired()
                if removed:
                    log.debug("swept %d expired memory entries", removed)
            except Exception as exc:  # a failed sweep must not stop the orchestrator
                log.warning("memory sweep failed: %s", exc)

    # -- agents ------------------------------------------------------------

    def register_agent(self, agent: BaseQEAgent) -> BaseQEAgent:
        """Add `agent` to the fleet and bind it to this orchestrator's memory."""
        if agent.agent_id in self.agents:
            raise AgentError(f"an agent with id {agent.agent_id!r} is already registered; pick another agent_id")
        agent.memory = self.memory
        self.agents[agent.agent_id] = agent
        return agent

    def create_and_register_agent(
        self, agent_class: type[AgentT], agent_id: str, model: Any = None, **kwargs: Any
    ) -> AgentT:
        """Create `agent_class(agent_id=..., model=..., memory=self.memory, **kwargs)` and register it."""
        agent = agent_class(agent_id=agent_id, model=model, memory=self.memory, **kwargs)
        self.register_agent(agent)
        return agent

    def get_agent(self, agent_id: str) -> BaseQEAgent:
        """The registered agent with this id."""
        try:
            return self.agents[agent_id]
        except KeyError:
            known = ", ".join(sorted(self.agents)) or "none yet"
            raise AgentError(f"no agent registered as {agent_id!r}; registered: {known}") from None

    def list_agents(self) -> list[str]:
        """Ids of the registered agents, in registration order."""
        return list(self.agents)

    # -- work --------------------------------------------------------------

    async def execute_agent(self, agent_id: str, task: QETask | Mapping[str, Any]) -> AgentResult:
        """Run one agent on a task (a QETask or a context mapping)."""
        agent = self.get_agent(agent_id)
        if not isinstance(task, QETask):
            task = QETask(task_type=agent.agent_type, context=dict(task))
        return await agent.run(task)

    async def execute_pipeline(
        self,
        pipeline: Sequence[str],
        context: Mapping[str, Any] | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """Run agents one after another on a shared context; each reads what earlier ones stored.

        Returns {'run_id', 'started_at', 'results': {agent_id: AgentResult}, 'status'}.
        The run id (given in `context` or made here) names the memory keys of this run.
        """
        for agent_id in pipeline:
            self.get_agent(agent_id)
        shared = dict(context or {})
        shared.setdefault("run_id", new_run_id())
        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        results: dict[str, AgentResult] = {}
        for agent_id in pipeline:
            if on_progress:
                on_progress(agent_id, "start", None)
            agent = self.agents[agent_id]
            result = await agent.run(QETask(task_type=agent.agent_type, context=shared))
            results[agent_id] = result
            if on_progress:
                on_progress(agent_id, "done", result)
        status = "failed" if any(r.status == "failed" for r in results.values()) else "ok"
        return {"run_id": shared["run_id"], "started_at": started_at, "status": status, "results": results}

    async def execute_parallel(
        self,
        agents: Sequence[str],
        tasks: Sequence[QETask | Mapping[str, Any]],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> list[AgentResult]:
        """Run `agents[i]` on `tasks[i]` concurrently; results in the same order."""
        if len(agents) != len(tasks):
            raise AgentError(
                f"execute_parallel got {len(agents)} agents but {len(tasks)} tasks; pass one task per agent"
            )

        async def one(agent_id: str, task: QETask | Mapping[str, Any]) -> AgentResult:
            if on_progress:
                on_progress(agent_id, "start", None)
            result = await self.execute_agent(agent_id, task)
            if on_progress:
                on_progress(agent_id, "done", result)
            return result

        return list(await asyncio.gather(*(one(a, t) for a, t in zip(agents, tasks, strict=True))))

