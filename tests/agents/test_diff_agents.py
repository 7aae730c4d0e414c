"""mutation-tester, regression-risk-analyzer and api-contract-validator name their planted findings, in every mode."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpers.diff_project import IMPACTED, NOT_IMPACTED, make_diff_project
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis.quality_gate import GateInputs, Thresholds, evaluate_gate
from lionagi_qe.config import StorageConfig
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.fleet import RunOptions, run_fleet
from lionagi_qe.fleet.pipeline import AGENT_REGISTRY, build_fleet

AGENTS = ("mutation-tester", "regression-risk-analyzer", "api-contract-validator")


@pytest.fixture(params=["development", "testing", "production"])
async def orchestrator(request: pytest.FixtureRequest) -> AsyncIterator[QEOrchestrator]:
    """An orchestrator in each storage mode (production: the real PostgreSQL server, a schema of its own)."""
    if request.param == "production":
        config: StorageConfig = request.getfixturevalue("pg_config")
    else:
        config = StorageConfig.from_environment(mode=request.param)
    async with QEOrchestrator(config=config) as made:
        yield made


async def test_each_agent_names_its_planted_finding(orchestrator: QEOrchestrator, tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    options = RunOptions(code_path=str(root), generate=False, diff="HEAD~1", agents=AGENTS)
    report = await run_fleet(orchestrator, options)
    run_id = report["run_id"]
    assert list(report["agents"]) == [
        "test-executor", "coverage-analyzer", *AGENTS, "test-generator", "quality-gate",
    ]
    assert all(report["agents"][agent]["status"] == "ok" for agent in AGENTS)

    api = await orchestrator.memory.retrieve(f"aqe/quality/{run_id}/api-contract")
    assert api["semver"] == "major" and api == {**api, "run_id": run_id, "base": "HEAD~1"}
    assert "ledger.accounts.open_account: parameter 'currency' was added as required" in [
        b["message"] for b in api["breaking"]
    ]
    assert report["api_contract"]["semver"] == "major"

    risk = await orchestrator.memory.retrieve(f"aqe/quality/{run_id}/regression-risk")
    changed = {row["key"]: row for row in risk["changed"]}
    assert changed["ledger/accounts.py::transfer"]["tests"] == IMPACTED[1:]
    assert changed["ledger/accounts.py::transfer"]["status"] == "modified"
    assert risk["impacted_tests"] == IMPACTED and not set(NOT_IMPACTED) & set(risk["impacted_tests"])
    assert risk["uncovered"] == ["ledger/accounts.py::close_account"]
    assert changed["ledger/accounts.py::close_account"]["level"] == "high"
    assert report["regression_risk"]["uncovered"] == risk["uncovered"]
    assert "1 changed function(s) no test covers" in report["agents"]["regression-risk-analyzer"]["summary"]

    mutation = await orchestrator.memory.retrieve(f"aqe/quality/{run_id}/mutation")
    survivors = {(m["file"], m["line"], m["description"]) for m in mutation["survived"]}
    assert ("ledger/fees.py", 2, "`>` -> `>=`") in survivors
    assert mutation["by_module"]["ledger.fees"]["score"] == 28.57
    counted = mutation["killed"] + mutation["timeout"] + len(mutation["survived"]) + mutation["errors"]
    assert counted == mutation["total"]
    assert report["mutation"]["survived"][0]["diff"].startswith("--- a/")

    assert report["diff_coverage"]["percent"] == 57.14 and report["diff_coverage"]["threshold"] == 80.0
    assert "diff coverage 57.1% < 80% (7 changed statements)" in report["gate"]["reasons"]
    assert report["status"] == "failed"
    stored = report["agents"]["coverage-analyzer"]["stored_keys"]
    assert f"aqe/coverage/{run_id}/diff" in stored


async def test_without_diff_the_diff_agents_skip_and_a_bad_ref_fails(tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator)
    for agent_id in AGENTS:
        agent_class = AGENT_REGISTRY[agent_id].agent_class
        orchestrator.create_and_register_agent(agent_class, agent_id=agent_id)
    await orchestrator.execute_agent("test-executor", {"code_path": str(root), "run_id": "r1"})
    skipped = await orchestrator.execute_parallel(
        agents=["regression-risk-analyzer", "api-contract-validator"], tasks=[{"run_id": "r1"}, {"run_id": "r1"}]
    )
    assert [r.status for r in skipped] == ["skipped", "skipped"]
    assert "no --diff BASE given" in skipped[0].summary
    failed = await orchestrator.execute_parallel(
        agents=["regression-risk-analyzer", "api-contract-validator"],
        tasks=[{"run_id": "r1", "diff": "gone"}, {"run_id": "r1", "diff": "gone"}],
    )
    for result in failed:
        assert result.status == "failed" and result.error is not None and result.error.kind == "target"
        assert "--diff 'gone' names no commit" in result.error.message
    earlier = {"run_id": "r0", "project": str(root), "tests": [
        {"nodeid": "tests/test_accounts.py::test_transfer", "outcome": "failed"},
        {"nodeid": "tests/test_fees.py::test_fee_runs", "outcome": "flaky"},
    ]}
    await orchestrator.memory.store("aqe/test-plan/r0/execution", earlier)
    assessed = await orchestrator.execute_agent("regression-risk-analyzer", {"run_id": "r1", "diff": "HEAD~1"})
    rows = {row["qualname"]: row for row in assessed.data["changed"]}
    assert rows["transfer"]["past_failures"] == 1 and rows["open_account"]["past_failures"] == 1
    assert rows["transfer"]["churn"] == 2 and rows["transfer"]["complexity"] == 3
    assert rows["transfer"]["risk"] == round(3 * (1 + math.log(3)) * (2 - 6 / 7) + 1, 2)  # 6 of its 7 statements ran
    fresh = QEOrchestrator(mode="test")
    fresh.create_and_register_agent(AGENT_REGISTRY["mutation-tester"].agent_class, agent_id="mutation-tester")
    assert (await fresh.execute_agent("mutation-tester", {})).status == "skipped"


def test_diff_threshold_defaults_to_the_coverage_threshold() -> None:
    assert RunContext.of({"coverage_threshold": 90}).thresholds().min_diff_coverage is None
    assert RunContext.of({"coverage_threshold": 90, "diff": "main"}).thresholds().min_diff_coverage == 90.0
    assert RunContext.of({"diff": "main", "diff_threshold": 50}).thresholds().min_diff_coverage == 50.0
    with pytest.raises(ConfigurationError, match="diff coverage threshold must be between 0 and 100, got 150"):
        RunContext.of({"diff": "main", "diff_threshold": 150}).thresholds()
    thresholds = Thresholds(min_coverage=80, min_diff_coverage=90)
    untouched = evaluate_gate(GateInputs(coverage=85, tests=3, diff_coverage=100.0, diff_statements=0), thresholds)
    assert untouched.passed and "no changed statements to cover" in untouched.reasons
    short = evaluate_gate(GateInputs(coverage=85, tests=3, diff_coverage=75.0, diff_statements=4), thresholds)
    assert not short.passed and "diff coverage 75.0% < 90% (4 changed statements)" in short.reasons
