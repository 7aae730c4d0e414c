"""The pipelines: which agents run, in what order, and the report of a run (`aqe run`).

    from lionagi_qe.fleet import RunOptions, build_fleet, run_fleet
    report = await run_fleet(orchestrator, RunOptions(code_path="examples/sample_project"))
    report["exit_code"]        # ExitCode.PASSED, GATE_FAILED or ERROR (0, 1, 2)
"""

from lionagi_qe.fleet.pipeline import (
    AGENT_REGISTRY,
    STANDARD_PIPELINE,
    AgentSpec,
    RunOptions,
    build_fleet,
    execute_stages,
    run_fleet,
    select_agents,
)
from lionagi_qe.fleet.report import SCHEMA, ExitCode, fleet_report

__all__ = [
    "AGENT_REGISTRY",
    "SCHEMA",
    "STANDARD_PIPELINE",
    "AgentSpec",
    "ExitCode",
    "RunOptions",
    "build_fleet",
    "execute_stages",
    "fleet_report",
    "run_fleet",
    "select_agents",
]
