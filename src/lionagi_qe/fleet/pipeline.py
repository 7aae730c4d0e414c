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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lionagi_qe.agents import CoverageAnalyzerAgent, QualityGateAgent, TestExecutorAgent, TestGeneratorAgent
from lionagi_qe.agents.api_contract_validator import ApiContractValidatorAgent
from lionagi_qe.agents.mutation_tester import MutationTesterAgent
from lionagi_qe.agents.regression_risk_analyzer import RegressionRiskAnalyzerAgent
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.orchestrator import ProgressCallback, QEOrchestrator
from lionagi_qe.fleet.report import fleet_report

STANDARD_PIPELINE = ("test-executor", "coverage-analyzer", "test-generator", "quality-gate")
_AGENTS: dict[str, type[BaseQEAgent]] = {
    "test-executor": TestExecutorAgent,
    "coverage-analyzer": CoverageAnalyzerAgent,
    "test-generator": TestGeneratorAgent,
    "quality-gate": QualityGateAgent,
}
DIFF_AWARE_AGENTS: dict[str, type[BaseQEAgent]] = {
    "mutation-tester": MutationTesterAgent,
    "regression-risk-analyzer": RegressionRiskAnalyzerAgent,
    "api-contract-validator": ApiContractValidatorAgent,
}
"""Agents run after the coverage-analyzer when named in `RunOptions.more_agents` (read what the run stored)."""


@dataclass(frozen=True)
class RunOptions(RunContext):
    """What `aqe run` passes to the pipeline (defaults from `RunContext`); `context()` is the shared context."""

    wait_timeout: float = 0.0
    """In the pipeline the analyzer has finished before the gate starts: nothing to wait for."""
    extra: dict[str, Any] = field(default_factory=dict)
    """More context keys, for agents added to the pipeline."""
    more_agents: tuple[str, ...] = ()
    """Ids of `DIFF_AWARE_AGENTS` to run too, after the coverage-analyzer (before the generator, which may use them)."""

    def context(self) -> dict[str, Any]:
        """The pipeline context (JSON), without unset values."""
        values = {k: v for k, v in asdict(self).items() if k not in ("extra", "more_agents") and v is not None}
        values["pytest_args"] = list(self.pytest_args)
        return {**values, **self.extra}


def build_fleet(orchestrator: QEOrchestrator, *, model: Any = None) -> list[str]:
    """Register the four standard agents (ids already taken are left as they are); returns the pipeline."""
    generator_model = model if model is not None else orchestrator.router.get_model("test-generation")
    for agent_id, agent_class in _AGENTS.items():
        if agent_id not in orchestrator.agents:
            chosen = generator_model if agent_class is TestGeneratorAgent else None
            orchestrator.create_and_register_agent(agent_class, agent_id=agent_id, model=chosen)
    return list(STANDARD_PIPELINE)


async def run_fleet(
    orchestrator: QEOrchestrator,
    options: RunOptions,
    *,
    model: Any = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Build the fleet if needed, run the pipeline on `options`, and return the `aqe run --json` report."""
    pipeline = build_fleet(orchestrator, model=model)
    for agent_id in options.more_agents:
        if agent_id not in orchestrator.agents:
            orchestrator.create_and_register_agent(DIFF_AWARE_AGENTS[agent_id], agent_id=agent_id)
    after_analyzer = pipeline.index("coverage-analyzer") + 1
    pipeline[after_analyzer:after_analyzer] = list(options.more_agents)
    context = options.context()
    result = await orchestrator.execute_pipeline(pipeline, context, on_progress=on_progress)
    mode = orchestrator.storage_config.mode.value if orchestrator.storage_config else "custom"
    generator = orchestrator.agents["test-generator"]
    model_name = getattr(generator.model, "model_name", None)
    return fleet_report(result, result["results"], mode=mode, model=model_name, options=context)
