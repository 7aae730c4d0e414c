"""The wider fleet on the planted project, in every storage mode: each agent names its planted finding.

Per mode, one orchestrator runs the fleet twice on the same project: first the
standard four with the flaky-test hunter and the performance tester (no
history yet), then with `--agents all` after the planted test got slower.
The tests read what the agents stored in that mode's memory and the reports.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from helpers.planted import (
    COMPLEX_FUNCTION,
    POLLUTER,
    SHELL_FILE,
    SLEEP_VARIABLE,
    SLOW_TEST,
    VICTIM,
    write_planted_project,
)
from lionagi_qe.agents.memory_keys import flaky_rates_key
from lionagi_qe.config import StorageConfig
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.fleet import RunOptions, run_fleet

WIDER_FLEET = (
    "flaky-test-hunter", "security-scanner", "complexity-analyzer", "performance-tester", "deployment-readiness",
)
"""The agents of this module's planted findings (the diff-aware ones have theirs in test_diff_agents.py)."""


MODES = ("development", "testing", "production")
FLAKY_SEED = 1
"""With this seed the first random order runs the polluter's file before the victim's."""


@dataclass
class FleetRuns:
    """Two reports of one project in one memory, and everything the memory held afterwards."""

    first: dict[str, Any]
    second: dict[str, Any]
    stored: dict[str, Any]
    root: Path


def _orchestrator(mode: str, postgres_url: str, schema: str) -> QEOrchestrator:
    if mode == "production":
        return QEOrchestrator(config=StorageConfig.for_production(postgres_url, min_connections=1, db_schema=schema))
    return QEOrchestrator(mode=mode)


async def _run_twice(orchestrator: QEOrchestrator, root: Path) -> FleetRuns:
    common = {
        "code_path": str(root), "generate": False, "flaky_reruns": 1, "flaky_orders": 2, "flaky_seed": FLAKY_SEED,
    }
    async with orchestrator:
        os.environ[SLEEP_VARIABLE] = "0"
        first = await run_fleet(orchestrator, RunOptions(**common, agents=("flaky-test-hunter", "performance-tester")))
        os.environ[SLEEP_VARIABLE] = "0.6"
        second = await run_fleet(orchestrator, RunOptions(**common, agents=WIDER_FLEET))
        keys = await orchestrator.memory.list_keys("aqe/")
        stored = {key: await orchestrator.memory.retrieve(key) for key in keys}
    return FleetRuns(first, second, stored, root)


@pytest.fixture(scope="module", params=MODES)
def runs(request: pytest.FixtureRequest, postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    FleetRuns
]:
    mode = request.param
    schema = f"aqe_test_{uuid.uuid4().hex[:12]}"
    root = write_planted_project(tmp_path_factory.mktemp(f"planted-{mode}"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.setenv(SLEEP_VARIABLE, "0")
        yield asyncio.run(_run_twice(_orchestrator(mode, postgres_url, schema), root))
    if mode == "production":
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_reports_carry_one_section_per_agent(runs: FleetRuns) -> None:
    first, second = runs.first, runs.second
    assert first["schema"] == second["schema"] == "aqe.run/1"
    assert first["security"] is None and first["complexity"] is None and first["readiness"] is None
    assert first["flaky"] is not None and first["performance"] is not None
    assert list(second["agents"]) == [
        "test-executor", "coverage-analyzer", "test-generator", "quality-gate", "flaky-test-hunter",
        "security-scanner", "complexity-analyzer", "performance-tester", "deployment-readiness",
    ]
    run = second["run_id"]
    assert second["agents"]["security-scanner"]["stored_keys"] == [f"aqe/security/{run}/findings"]
    assert second["agents"]["deployment-readiness"]["stored_keys"] == [f"aqe/quality/{run}/readiness"]


def test_flaky_hunter_names_the_victim_and_its_polluter(runs: FleetRuns) -> None:
    run = runs.second["run_id"]
    record = runs.stored[f"aqe/quality/{run}/flaky"]
    assert record["seeds"] == [FLAKY_SEED, FLAKY_SEED + 1]
    [found] = record["order_dependent"]
    assert found["victim"] == VICTIM and found["polluter"] == POLLUTER and found["kind"] == "victim"
    assert found["seed"] == FLAKY_SEED
    assert record["flaky"] == []
    assert runs.second["flaky"]["order_dependent"] == record["order_dependent"]


def test_flake_rates_accumulate_across_runs(runs: FleetRuns) -> None:
    rates = runs.stored[flaky_rates_key(str(runs.root.resolve()))]
    assert rates["hunts"] == 2
    victim = rates["tests"][VICTIM]
    first_observed = runs.stored[f"aqe/quality/{runs.first['run_id']}/flaky"]["observed"][VICTIM]
    second_observed = runs.stored[f"aqe/quality/{runs.second['run_id']}/flaky"]["observed"][VICTIM]
    assert victim["runs"] == first_observed["runs"] + second_observed["runs"]
    assert victim["failures"] == first_observed["failures"] + second_observed["failures"] > 0
    assert victim["rate"] == round(victim["failures"] / victim["runs"], 4)


def test_security_scanner_names_the_shell_injection(runs: FleetRuns) -> None:
    run = runs.second["run_id"]
    record = runs.stored[f"aqe/security/{run}/findings"]
    high = [f for f in record["findings"] if f["severity"] == "HIGH"]
    assert [(f["id"], f["file"], f["line"], f["confidence"]) for f in high] == [("B602", SHELL_FILE, 6, "HIGH")]
    assert record["high"] == 1 and runs.second["security"]["passed"] is False
    sarif = Path(record["sarif"])
    assert sarif.is_file() and '"ruleId": "B602"' in sarif.read_text(encoding="utf-8")
    assert record["audit"] == {
        "status": "skipped", "note": "dependency audit skipped: turned off by AQE_DEPENDENCY_AUDIT",
        "packages": 0, "vulnerable": [],
    }


def test_complexity_analyzer_names_the_tangled_function(runs: FleetRuns) -> None:
    run = runs.second["run_id"]
    record = runs.stored[f"aqe/quality/{run}/complexity"]
    top = record["functions"][0]
    assert top["qualname"] == COMPLEX_FUNCTION and top["cyclomatic"] >= 10 and top["cognitive"] >= 15
    assert record["coverage_used"] is True
    spot = record["hot_spots"][0]
    assert spot["gap"] == f"planted.tangle:{COMPLEX_FUNCTION}" and spot["score"] > 1
    assert 0 < spot["missing_share"] < 1


def test_performance_tester_names_the_slowed_test(runs: FleetRuns) -> None:
    assert "no history yet" in runs.first["agents"]["performance-tester"]["summary"]
    first_run, run = runs.first["run_id"], runs.second["run_id"]
    record = runs.stored[f"aqe/performance/{run}/durations"]
    [regression] = record["regressions"]
    assert regression["nodeid"] == SLOW_TEST and regression["duration"] >= 0.6
    assert [h["run"] for h in regression["history"]] == [first_run]
    assert record["slowest"][0]["nodeid"] == SLOW_TEST


def test_deployment_readiness_says_no_go_and_why(runs: FleetRuns) -> None:
    run = runs.second["run_id"]
    record = runs.stored[f"aqe/quality/{run}/readiness"]
    assert record["go"] is False
    failed = {c["name"] for c in record["checks"] if c["passed"] is False}
    assert failed == {"gate", "flaky", "security", "performance"}
    assert {c["name"] for c in record["checks"] if c["passed"] is None} == {"mutation", "api_contract"}
    assert "security: 1 high-severity finding(s) (0 allowed)" in record["reasons"]
    assert runs.second["status"] == "failed" and runs.second["exit_code"] == 1
