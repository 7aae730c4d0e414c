"""The pipelines: which agents run, in what order, and the report of a run (`aqe run`).

    from lionagi_qe.fleet import RunOptions, build_fleet, run_fleet
    report = await run_fleet(orchestrator, RunOptions(code_path="examples/sample_project"))
    report["exit_code"]        # ExitCode.PASSED, GATE_FAILED or ERROR (0, 1, 2)
"""

from lionagi_qe.fleet.pipeline import STANDARD_PIPELINE, RunOptions, build_fleet, run_fleet
from lionagi_qe.fleet.report import SCHEMA, ExitCode, fleet_report

__all__ = ["SCHEMA", "STANDARD_PIPELINE", "ExitCode", "RunOptions", "build_fleet", "fleet_report", "run_fleet"]
