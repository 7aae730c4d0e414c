"""QEOrchestrator, BaseQEAgent and ModelRouter in the in-process modes."""

from __future__ import annotations

import importlib

import pytest
from lionagi import Session, iModel

import lionagi_qe
from lionagi_qe.agents import CoverageAnalyzerAgent, TestGeneratorAgent
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.memory import QEMemory
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.core.router import ModelRouter, TaskComplexity
from lionagi_qe.core.task import AgentResult, QETask, ResultError, new_run_id
from lionagi_qe.errors import AgentError, ConfigurationError
from lionagi_qe.storage import SessionMemory

GUIDE_NAMES = [
    ("lionagi_qe.core.orchestrator", "QEOrchestrator"),
    ("lionagi_qe.config", "StorageConfig"),
    ("lionagi_qe.config", "StorageMode"),
    ("lionagi_qe.agents", "TestGeneratorAgent"),
    ("lionagi_qe.agents", "CoverageAnalyzerAgent"),
    ("lionagi_qe.core.memory", "QEMemory"),
    ("lionagi_qe.core.router", "ModelRouter"),
]


@pytest.mark.parametrize(("module", "name"), GUIDE_NAMES)
def test_guide_names_import_and_are_reexported(module: str, name: str) -> None:
    obj = getattr(importlib.import_module(module), name)
    assert getattr(lionagi_qe, name) is obj


async def test_two_orchestrators_never_share_memory(clean_env: pytest.MonkeyPatch) -> None:
    first, second = QEOrchestrator(mode="test"), QEOrchestrator(mode="test")
    await first.memory.store("aqe/coverage/run", {"line": 1})
    assert await second.memory.retrieve("aqe/coverage/run") is None
    assert first.memory is not second.memory
    assert first.session is not second.session


async def test_memory_is_bound_to_the_orchestrators_session(clean_env: pytest.MonkeyPatch) -> None:
    session = Session()
    orchestrator = QEOrchestrator(session=session)
    assert orchestrator.session is session
    assert orchestrator.memory.session is session


def test_mode_from_environment_by_default(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ENVIRONMENT", "testing")
    assert QEOrchestrator().storage_config.mode is StorageMode.TEST
    assert QEOrchestrator.from_environment().storage_config.mode is StorageMode.TEST
    assert QEOrchestrator(mode="dev").storage_config.mode is StorageMode.DEV


def test_from_config_keeps_that_config() -> None:
    config = StorageConfig.for_testing()
    assert QEOrchestrator.from_config(config).storage_config is config


def test_legacy_memory_is_used_exactly(clean_env: pytest.MonkeyPatch) -> None:
    memory = QEMemory()
    orchestrator = QEOrchestrator(memory=memory)
    assert orchestrator.memory is memory
    assert orchestrator.storage_config is None
    assert isinstance(memory, SessionMemory)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"memory": QEMemory(), "mode": "test"}, "either memory= .* or mode="),
        ({"config": StorageConfig.for_testing(), "mode": "dev"}, "either config= or mode="),
        ({"mode": "qa"}, "mode='qa' is not a storage mode"),
    ],
)
def test_conflicting_or_bad_arguments(kwargs: dict, message: str, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match=message):
        QEOrchestrator(**kwargs)


async def test_connect_and_disconnect_are_idempotent_noops_in_memory_modes(clean_env: pytest.MonkeyPatch) -> None:
    orchestrator = QEOrchestrator(mode="test")
    await orchestrator.memory.store("k", 1)
    await orchestrator.connect()
    await orchestrator.connect()
    await orchestrator.disconnect()
    await orchestrator.disconnect()
    async with orchestrator as same:
        assert same is orchestrator
        assert await same.memory.retrieve("k") == 1


async def test_agents_created_through_it_share_its_memory(clean_env: pytest.MonkeyPatch) -> None:
    orchestrator = QEOrchestrator(mode="test")
    model = iModel(provider="openai", model="gpt-4o-mini")
    test_gen = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=model)
    coverage = orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer", model=model)
    assert test_gen.model is model
    await test_gen.store_memory("aqe/test-plan/generated", {"tests": ["t1"]})
    assert await coverage.get_memory("aqe/test-plan/generated") == {"tests": ["t1"]}
    assert await coverage.get_memory("aqe/absent", default=[]) == []
    assert (await orchestrator.memory.get_stats())["partitions"] == {"test-generator": 1}
    assert orchestrator.get_agent("coverage-analyzer") is coverage
    assert orchestrator.list_agents() == ["test-generator", "coverage-analyzer"]


async def test_registering_binds_an_agent_to_the_shared_memory(clean_env: pytest.MonkeyPatch) -> None:
    orchestrator = QEOrchestrator(mode="test")
    agent = TestGeneratorAgent(agent_id="loose")
    await agent.store_memory("aqe/private", 1, partition="scratch")
    orchestrator.register_agent(agent)
    assert agent.memory is orchestrator.memory


def test_agent_errors_say_what_to_do(clean_env: pytest.MonkeyPatch) -> None:
    orchestrator = QEOrchestrator(mode="test")
    orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator")
    with pytest.raises(AgentError, match="already registered; pick another agent_id"):
        orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator")
    with pytest.raises(AgentError, match="no agent registered as 'nope'; registered: test-generator"):
        orchestrator.get_agent("nope")
    with pytest.raises(AgentError, match="agent_id must be a non-empty string"):
        BaseQEAgent(agent_id=" ")
    refused = r"unknown keyword argument\(s\) 'modle'; it accepts agent_id, model and memory"
    with pytest.raises(AgentError, match=refused):
        orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="second", modle=None)
    assert orchestrator.list_agents() == ["test-generator"]


async def test_a_failing_agent_reports_one_error(clean_env: pytest.MonkeyPatch) -> None:
    class Broken(BaseQEAgent):
        async def execute(self, task: QETask) -> AgentResult:
            raise ValueError("no luck")

    orchestrator = QEOrchestrator(mode="test")
    orchestrator.create_and_register_agent(Broken, agent_id="broken")
    result = await orchestrator.execute_agent("broken", {})
    assert (result.status, result.summary) == ("failed", "ValueError: no luck")
    assert result.error == ResultError(kind="agent", message="broken failed: ValueError: no luck")
    assert result.data == {}


async def test_agent_without_model_says_how_to_give_one() -> None:
    agent = BaseQEAgent(agent_id="offline")
    with pytest.raises(AgentError, match="pass model=iModel"):
        await agent.ask("hello")


async def test_execute_parallel_needs_one_task_per_agent(clean_env: pytest.MonkeyPatch) -> None:
    orchestrator = QEOrchestrator(mode="test")
    with pytest.raises(AgentError, match="one task per agent"):
        await orchestrator.execute_parallel(agents=["a", "b"], tasks=[{}])


def test_router_picks_models_by_complexity() -> None:
    router = ModelRouter(env={})
    assert router.analyze_complexity("test-generation") is TaskComplexity.COMPLEX
    assert router.analyze_complexity("quality-gate") is TaskComplexity.SIMPLE
    assert router.analyze_complexity("coverage-analysis") is TaskComplexity.MODERATE
    assert router.analyze_complexity("coverage-analysis", {"functions": 40}) is TaskComplexity.COMPLEX
    assert router.select_model("test-generation") == "gpt-4o"
    assert router.select_model("quality-gate") == "gpt-4o-mini"


def test_router_is_offline_without_key_or_server() -> None:
    assert ModelRouter(env={}).get_model("test-generation") is None


def test_router_builds_and_caches_an_imodel_from_the_environment() -> None:
    env = {
        "AQE_LLM_MODEL": "local-model", "AQE_LLM_BASE_URL": "http://127.0.0.1:9/v1", "AQE_LLM_API_KEY": "sk-secret-123",
    }
    router = ModelRouter(env=env)
    model = router.get_model("quality-gate")
    assert isinstance(model, iModel)
    assert router.get_model("test-generation") is model
    assert model.model_name == "local-model"
    assert "sk-secret-123" not in repr(router)


def test_run_ids_made_in_one_second_sort_in_the_order_made() -> None:
    made = [new_run_id() for _ in range(200)]
    assert made == sorted(made) and len(set(made)) == len(made)
