"""Where the fleet's agents keep their results in shared memory, one run id per pipeline run.

    aqe/test-plan/<run>/execution   test-executor: per-test outcomes, counts, coverage data file
    aqe/coverage/<run>/report       coverage-analyzer: line/branch/function coverage, trend
    aqe/coverage/<run>/gaps         coverage-analyzer: gaps by function, riskiest first
    aqe/test-plan/<run>/generated   test-generator: kept and rejected tests, coverage before/after
    aqe/quality/<run>/verdict       quality-gate: passed, reasons, thresholds
    aqe/runs/<run>/status           `aqe run`, when the run was interrupted (Ctrl-C)

Run ids (`lionagi_qe.core.task.new_run_id`) sort by time, so the latest run is the last key.
The records stored under these keys are typed in `agents.records`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lionagi_qe.storage.base import MemoryBackend

REPORT_PATTERN = "aqe/coverage/*/report"
VERDICT_PATTERN = "aqe/quality/*/verdict"


def execution_key(run_id: str) -> str:
    """Key of the test-executor's result for a run."""
    return f"aqe/test-plan/{run_id}/execution"


def report_key(run_id: str) -> str:
    """Key of the coverage-analyzer's report for a run."""
    return f"aqe/coverage/{run_id}/report"


def gaps_key(run_id: str) -> str:
    """Key of the ranked gaps of a run."""
    return f"aqe/coverage/{run_id}/gaps"


def generated_key(run_id: str) -> str:
    """Key of the test-generator's result for a run."""
    return f"aqe/test-plan/{run_id}/generated"


def verdict_key(run_id: str) -> str:
    """Key of the quality gate's verdict for a run."""
    return f"aqe/quality/{run_id}/verdict"


def run_id_of(key: str) -> str:
    """The run id inside a key such as 'aqe/coverage/<run>/report'."""
    return key.split("/")[2]


async def resolve_run_id(memory: MemoryBackend, context: Mapping[str, Any]) -> str | None:
    """`context['run_id']`, else the latest run that has a test execution in memory."""
    if context.get("run_id"):
        return str(context["run_id"])
    keys = [k for k in await memory.list_keys("aqe/test-plan/") if k.endswith("/execution")]
    return run_id_of(keys[-1]) if keys else None


RUN_STATUS_PATTERN = "aqe/runs/*/status"


def run_status_key(run_id: str) -> str:
    """Key of how a run ended when it did not finish (`RunStatusRecord`: interrupted, by Ctrl-C)."""
    return f"aqe/runs/{run_id}/status"
