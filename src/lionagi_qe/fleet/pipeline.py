"""The standard fleet: four agents registered on an orchestrator, run as one pipeline (what `aqe run` does).

    async with QEOrchestrator() as orchestrator:
        build_fleet(orchestrator)                    # test-executor, coverage-analyzer, test-generator, quality-gate
        result = await orchestrator.execute_pipeline(
            pipeline=list(STANDARD_PIPELINE),
            context={"code_path": "./src", "coverage_threshold": 80},
        )

    # or, with the report `aqe run --json` prints:
    report = await run_fleet(orchestrator, RunOptions(code_path="examples/sample_project"))
    report["exit_code"]                              # 0 passed, 1 gate failed, 2 target error

The test generator uses `model` if given, else the orchestrator's router
(`AQE_LLM_*` variables); without either it works offline.

More agents (`AGENT_REGISTRY`) run with the standard four when chosen
(`aqe run --agents all`, or a comma list of ids):

    report = await run_fleet(orchestrator, RunOptions(code_path=".", agents=("security-scanner",)))
    report["security"]["findings"]

The run goes in stages: an agent starts once the agents it follows
(`AgentSpec.after`) have finished, and the agents of one stage run
concurrently (`execute_parallel`); deployment-readiness comes last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from lionagi_qe.agents import (
    ApiContractValidatorAgent,
    ComplexityAnalyzerAgent,
    CoverageAnalyzerAgent,
    DeploymentReadinessAgent,
    FlakyTestHunterAgent,
    MutationTesterAgent,
    PerformanceTesterAgent,
    QualityGateAgent,
    RegressionRiskAnalyzerAgent,
    SecurityScannerAgent,
    TestExecutorAgent,
    TestGeneratorAgent,
)
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.orchestrator import ProgressCallback, QEOrchestrator
from lionagi_qe.core.task import AgentResult, new_run_id
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.fleet.report import fleet_report

STANDARD_PIPELINE = ("test-executor", "coverage-analyzer", "test-generator", "quality-gate")
ALL_AGENTS = "all"


@dataclass(frozen=True)
class AgentSpec:
    """How the fleet runs one agent: its class, the agents it follows when they run too, its `--json` section."""

    agent_class: type[BaseQEAgent]
    after: tuple[str, ...] = ("test-executor",)
    section: str | None = None
    """Top-level field of the report holding the agent's result (the standard four have their own fields)."""
    last: bool = False
    """Runs after every other chosen agent (it judges their verdicts)."""


AGENT_REGISTRY: dict[str, AgentSpec] = {
    "test-executor": AgentSpec(TestExecutorAgent, after=()),
    "coverage-analyzer": AgentSpec(CoverageAnalyzerAgent),
    "mutation-tester": AgentSpec(MutationTesterAgent, after=("coverage-analyzer",)),
    "regression-risk-analyzer": AgentSpec(RegressionRiskAnalyzerAgent, after=("coverage-analyzer",)),
    "api-contract-validator": AgentSpec(ApiContractValidatorAgent),
    "test-generator": AgentSpec(TestGeneratorAgent, after=("coverage-analyzer", "mutation-tester")),
    "quality-gate": AgentSpec(QualityGateAgent, after=("coverage-analyzer", "test-generator")),
    "flaky-test-hunter": AgentSpec(FlakyTestHunterAgent, section="flaky"),
    "security-scanner": AgentSpec(SecurityScannerAgent, section="security"),
    "complexity-analyzer": AgentSpec(ComplexityAnalyzerAgent, after=("coverage-analyzer",), section="complexity"),
    "performance-tester": AgentSpec(PerformanceTesterAgent, section="performance"),
    "deployment-readiness": AgentSpec(DeploymentReadinessAgent, section="readiness", last=True),
}
"""Every agent `aqe run --agents` can run, by id; `after` names only agents listed before it."""


@dataclass(frozen=True)
class RunOptions(RunContext):
    """What `aqe run` passes to the pipeline (defaults from `RunContext`); `context()` is the shared context."""

    wait_timeout: float = 0.0
    """In the pipeline the analyzer has finished before the gate starts: nothing to wait for."""
    extra: dict[str, Any] = field(default_factory=dict)
    """More context keys, for agents added to the pipeline."""
    agents: tuple[str, ...] = ()
    """Agents to run with the standard four: ids of `AGENT_REGISTRY`, or ('all',)."""

    def context(self) -> dict[str, Any]:
        """The pipeline context (JSON), without unset values."""
        values = {k: v for k, v in asdict(self).items() if k not in ("extra", "agents") and v is not None}
        values["pytest_args"] = list(self.pytest_args)
        values["source"] = list(self.source)
        return {**values, **self.extra}


def select_agents(chosen: Iterable[str] = ()) -> list[str]:
    """The standard four plus `chosen` ('all': every registered agent), in registry order.

    Raises `ConfigurationError` naming an unknown id and the known ones.
    """
    names = [name.strip() for name in chosen if name.strip()]
    unknown = [name for name in names if name != ALL_AGENTS and name not in AGENT_REGISTRY]
    if unknown:
        raise ConfigurationError(
            f"unknown agent(s) {', '.join(map(repr, unknown))} in --agents; "
            f"pass 'all' or a comma list of: {', '.join(AGENT_REGISTRY)}"
        )
    wanted = set(STANDARD_PIPELINE) | set(AGENT_REGISTRY if ALL_AGENTS in names else names)
    return [agent_id for agent_id in AGENT_REGISTRY if agent_id in wanted]


def run_stages(selected: Iterable[str]) -> list[list[str]]:
    """`selected` in stages: each agent one stage after the latest stage of the agents it follows."""
    chosen = list(selected)
    level: dict[str, int] = {}
    for agent_id in chosen:
        spec = AGENT_REGISTRY[agent_id]
        if not spec.last:
            level[agent_id] = 1 + max((level[a] for a in spec.after if a in level), default=-1)
    final = 1 + max(level.values(), default=-1)
    for agent_id in chosen:
        level.setdefault(agent_id, final)
    return [[a for a in chosen if level[a] == stage] for stage in range(max(level.values(), default=-1) + 1)]


def build_fleet(
    orchestrator: QEOrchestrator, *, model: Any = None, agents: Iterable[str] = STANDARD_PIPELINE
) -> list[str]:
    """Register `agents` (default the standard four; ids already taken are left as they are); returns them."""
    chosen = list(agents)
    for agent_id in chosen:
        agent_class = AGENT_REGISTRY[agent_id].agent_class
        if agent_id not in orchestrator.agents:
            picked = model_for(orchestrator, agent_class, model)
            orchestrator.create_and_register_agent(agent_class, agent_id=agent_id, model=picked)
    return chosen


def model_for(orchestrator: QEOrchestrator, agent_class: type[BaseQEAgent], model: Any = None) -> Any:
    """The model an agent of `agent_class` works with: a test generator `model`, else the router's; others none."""
    if not issubclass(agent_class, TestGeneratorAgent):
        return None
    return model if model is not None else orchestrator.router.get_model("test-generation")


async def execute_stages(
    orchestrator: QEOrchestrator,
    agents: Iterable[str],
    context: Mapping[str, Any],
    *,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run `agents` stage by stage (`run_stages`), each stage's agents concurrently; as `execute_pipeline` returns."""
    chosen = list(agents)
    shared = dict(context)
    shared.setdefault("run_id", new_run_id())
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results: dict[str, AgentResult] = {}
    for stage in run_stages(chosen):
        done = await orchestrator.execute_parallel(stage, [shared] * len(stage), on_progress=on_progress)
        results.update(zip(stage, done, strict=True))
    ordered = {agent_id: results[agent_id] for agent_id in chosen}
    status = "failed" if any(r.status == "failed" for r in ordered.values()) else "ok"
    return {"run_id": shared["run_id"], "started_at": started_at, "status": status, "results": ordered}


async def run_fleet(
    orchestrator: QEOrchestrator,
    options: RunOptions,
    *,
    model: Any = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Build the fleet if needed, run the chosen agents on `options`, and return the `aqe run --json` report."""
    pipeline = build_fleet(orchestrator, model=model, agents=select_agents(options.agents))
    context = options.context()
    result = await execute_stages(orchestrator, pipeline, context, on_progress=on_progress)
    mode = orchestrator.storage_config.mode.value if orchestrator.storage_config else "custom"
    generator = orchestrator.agents["test-generator"]
    model_name = getattr(generator.model, "model_name", None)
    sections = {agent_id: spec.section for agent_id, spec in AGENT_REGISTRY.items() if spec.section}
    return fleet_report(result, result["results"], mode=mode, model=model_name, options=context, sections=sections)
