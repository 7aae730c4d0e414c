"""Where the fleet's agents keep their results in shared memory, one run id per pipeline run.

    aqe/test-plan/<run>/execution   test-executor: per-test outcomes, counts, coverage data file
    aqe/coverage/<run>/report       coverage-analyzer: line/branch/function coverage, trend
    aqe/coverage/<run>/gaps         coverage-analyzer: gaps by function, riskiest first
    aqe/test-plan/<run>/generated   test-generator: kept and rejected tests, coverage before/after
    aqe/quality/<run>/verdict       quality-gate: passed, reasons, thresholds
    aqe/quality/<run>/flaky         flaky-test-hunter: nondeterministic and order-dependent tests, seeds
    aqe/patterns/flaky-rates/<hash> flaky-test-hunter: runs and failures per test, accumulated across runs
    aqe/security/<run>/findings     security-scanner: Bandit findings, high count, SARIF file
    aqe/quality/<run>/complexity    complexity-analyzer: complexity per function, hot spots
    aqe/performance/<run>/durations performance-tester: slowest tests, regressions, benchmarks
    aqe/quality/<run>/readiness     deployment-readiness: go, reasons
    aqe/coverage/<run>/diff         coverage-analyzer (with --diff): coverage of the changed lines
    aqe/quality/<run>/mutation      mutation-tester: score, killed, surviving mutants, per module
    aqe/quality/<run>/regression-risk  regression-risk-analyzer: changed functions, risk, impacted tests
    aqe/quality/<run>/api-contract  api-contract-validator: breaking changes, semver advice
    aqe/runs/<run>/status           `aqe run`, when the run was interrupted (Ctrl-C)

Run ids (`lionagi_qe.core.task.new_run_id`) sort by time, so the latest run is the last key.
The records stored under these keys are typed in `agents.records`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from lionagi_qe.storage.base import MemoryBackend

REPORT_PATTERN = "aqe/coverage/*/report"
VERDICT_PATTERN = "aqe/quality/*/verdict"
EXECUTION_PATTERN = "aqe/test-plan/*/execution"
DURATIONS_PATTERN = "aqe/performance/*/durations"


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


def flaky_key(run_id: str) -> str:
    """Key of the flaky-test hunter's findings for a run."""
    return f"aqe/quality/{run_id}/flaky"


def flaky_rates_key(project: str) -> str:
    """Key of a project's flake rates, accumulated across runs (the project's path, hashed)."""
    return f"aqe/patterns/flaky-rates/{hashlib.sha256(project.encode('utf-8')).hexdigest()[:16]}"


def security_key(run_id: str) -> str:
    """Key of the security scanner's findings for a run."""
    return f"aqe/security/{run_id}/findings"


def complexity_key(run_id: str) -> str:
    """Key of the complexity analyzer's measures for a run."""
    return f"aqe/quality/{run_id}/complexity"


def durations_key(run_id: str) -> str:
    """Key of the performance tester's findings for a run."""
    return f"aqe/performance/{run_id}/durations"


def readiness_key(run_id: str) -> str:
    """Key of deployment-readiness's decision for a run."""
    return f"aqe/quality/{run_id}/readiness"


def diff_coverage_key(run_id: str) -> str:
    """Key of the coverage of the lines changed since `--diff BASE` for a run."""
    return f"aqe/coverage/{run_id}/diff"


def mutation_key(run_id: str) -> str:
    """Key of the mutation-tester's result for a run (surviving mutants: targets for test-generator)."""
    return f"aqe/quality/{run_id}/mutation"


def regression_risk_key(run_id: str) -> str:
    """Key of the regression-risk-analyzer's result for a run."""
    return f"aqe/quality/{run_id}/regression-risk"


def api_contract_key(run_id: str) -> str:
    """Key of the api-contract-validator's result for a run."""
    return f"aqe/quality/{run_id}/api-contract"


RUN_STATUS_PATTERN = "aqe/runs/*/status"


def run_status_key(run_id: str) -> str:
    """Key of how a run ended when it did not finish (`RunStatusRecord`: interrupted, by Ctrl-C)."""
    return f"aqe/runs/{run_id}/status"
