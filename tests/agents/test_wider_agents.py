"""The wider fleet's agents one by one: reading other helpers' verdicts, bad cases, the registry's stages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.agents.memory_keys import api_contract_key, execution_key, mutation_key, verdict_key
from lionagi_qe.analysis import security_scan
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.fleet import STANDARD_PIPELINE, build_fleet, select_agents
from lionagi_qe.fleet.pipeline import run_stages

RUN = "20260101T000000.000000Z-abcdef"
BENCHMARK_ARGS = ["-p", "pytest_benchmark.plugin", "--benchmark-max-time=0.05"]
"""The target's pytest arguments: plugin autoloading is off in these tests, so pytest-benchmark is named."""


async def test_readiness_reads_mutation_and_api_contract_verdicts_by_their_keys() -> None:
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator, agents=["deployment-readiness"])
    memory = orchestrator.memory
    await memory.store(verdict_key(RUN), {"run_id": RUN, "project": "/p", "passed": True, "reasons": ["ok"]})
    await memory.store(mutation_key(RUN), {"score": 42.0, "killed": 21, "survived": [{}] * 29, "by_module": {}})
    await memory.store(api_contract_key(RUN), {"breaking": [{"name": "pkg.f", "change": "removed"}], "semver": "major"})
    result = await orchestrator.execute_agent("deployment-readiness", {"run_id": RUN, "min_mutation_score": 50})
    assert result.status == "ok" and result.data["go"] is False
    assert "mutation: score 42.0% < 50%" in result.data["reasons"]
    assert "api_contract: 1 breaking API change(s) (0 allowed)" in result.data["reasons"]
    assert "flaky: not measured" in result.data["reasons"] and "quality gate passed" in result.data["reasons"]
    assert result.summary.startswith("NO-GO: mutation: score 42.0% < 50%")
    assert result.stored_keys == [f"aqe/quality/{RUN}/readiness"]


async def test_readiness_tolerates_absent_verdicts_and_says_go() -> None:
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator, agents=["deployment-readiness"])
    await orchestrator.memory.store(verdict_key(RUN), {"run_id": RUN, "project": "/p", "passed": True, "reasons": []})
    result = await orchestrator.execute_agent("deployment-readiness", {"run_id": RUN})
    assert result.data["go"] is True and result.summary.startswith("GO")
    assert [c["passed"] for c in result.data["checks"]] == [True, None, None, None, None, None]


async def test_agents_skip_clearly_without_a_run() -> None:
    orchestrator = QEOrchestrator(mode="test")
    extra = ["flaky-test-hunter", "security-scanner", "complexity-analyzer", "performance-tester",
             "deployment-readiness"]
    build_fleet(orchestrator, agents=extra)
    results = await orchestrator.execute_parallel(extra, [{}] * len(extra))
    assert [r.status for r in results] == ["skipped"] * len(extra)
    assert all("run test-executor first" in r.summary for r in results[:4])
    assert "run the fleet first" in results[4].summary


async def test_security_scanner_is_skipped_when_bandit_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "p", {"src/pkg/__init__.py": "", "tests/test_x.py": "def test_x():\n    pass\n"})
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    bare = tmp_path / "bare" / "bin" / "python"
    monkeypatch.setattr(security_scan, "AQE_PYTHON", bare)
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator, agents=["test-executor", "security-scanner"])
    executed = await orchestrator.execute_agent("test-executor", {"code_path": str(root), "run_id": RUN})
    assert executed.status == "ok"
    stored = await orchestrator.memory.retrieve(execution_key(RUN))
    await orchestrator.memory.store(execution_key(RUN), {**stored, "python": str(bare)})
    result = await orchestrator.execute_agent("security-scanner", {"run_id": RUN})
    assert result.status == "skipped"
    assert result.summary.startswith(f"Bandit is not installed in the project's interpreter ({bare})")
    assert "leave security-scanner out of --agents" in result.summary


def test_agent_selection_and_stages() -> None:
    assert select_agents() == list(STANDARD_PIPELINE)
    assert select_agents(["security-scanner"]) == [*STANDARD_PIPELINE, "security-scanner"]
    everything = select_agents(["all"])
    assert len(everything) == 12 and everything[-1] == "deployment-readiness"
    assert run_stages(everything) == [
        ["test-executor"],
        ["coverage-analyzer", "api-contract-validator", "flaky-test-hunter", "security-scanner", "performance-tester"],
        ["mutation-tester", "regression-risk-analyzer", "complexity-analyzer"],
        ["test-generator"],
        ["quality-gate"],
        ["deployment-readiness"],
    ]
    assert run_stages(STANDARD_PIPELINE) == [[agent] for agent in STANDARD_PIPELINE]
    with pytest.raises(ConfigurationError, match=r"unknown agent\(s\) 'flaky' in --agents; pass 'all' or"):
        select_agents(["flaky"])


async def test_performance_tester_reads_pytest_benchmark_results(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "src/pkg/__init__.py": "def total(n):\n    return sum(range(n))\n",
        "tests/test_speed.py": '''
            from pkg import total


            def test_total(benchmark):
                assert benchmark(total, 1000) == 499500


            def test_plain():
                assert total(3) == 3
        ''',
    })
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator, agents=["test-executor", "performance-tester"])
    found = []
    for run in (RUN, RUN + "-b"):
        context = {"code_path": str(root), "run_id": run, "pytest_args": BENCHMARK_ARGS}
        executed = await orchestrator.execute_agent("test-executor", context)
        assert executed.data["counts"]["passed"] == 2
        found.append(await orchestrator.execute_agent("performance-tester", {"run_id": run}))
    [first], [second] = found[0].data["benchmarks"], found[1].data["benchmarks"]
    assert first["fullname"] == "tests/test_speed.py::test_total" and first["rounds"] >= 1 and first["mean"] > 0
    assert first["previous_mean"] is None and second["previous_mean"] == first["mean"]
    assert second["ratio"] == round(second["mean"] / first["mean"], 3)
    assert "1 pytest-benchmark result(s)" in found[1].summary
