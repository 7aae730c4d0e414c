"""The issue's Python sample: the standard fleet as one pipeline, agents in parallel, the guide's Example 4."""

from __future__ import annotations

from pathlib import Path

from helpers.fleet import copy_sample
from lionagi_qe.agents import CoverageAnalyzerAgent, TestGeneratorAgent
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.fleet import STANDARD_PIPELINE, RunOptions, build_fleet, run_fleet
from lionagi_qe.fleet.pipeline import AGENT_REGISTRY
from lionagi_qe.fleet.report import OPTIONAL_SECTIONS, error_report


async def test_pipeline_parallel_and_trend(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    orchestrator = QEOrchestrator(mode="test")
    assert build_fleet(orchestrator) == list(STANDARD_PIPELINE)

    result = await orchestrator.execute_pipeline(
        pipeline=["test-executor", "coverage-analyzer", "test-generator", "quality-gate"],
        context={"code_path": str(root / "src"), "coverage_threshold": 80},
    )
    run_id, results = result["run_id"], result["results"]
    assert result["status"] == "ok"
    assert {a: r.stored_keys for a, r in results.items()} == {
        "test-executor": [f"aqe/test-plan/{run_id}/execution"],
        "coverage-analyzer": [f"aqe/coverage/{run_id}/report", f"aqe/coverage/{run_id}/gaps"],
        "test-generator": [f"aqe/test-plan/{run_id}/generated"],
        "quality-gate": [f"aqe/quality/{run_id}/verdict"],
    }
    report = await orchestrator.memory.retrieve(f"aqe/coverage/{run_id}/report")
    assert report["totals"]["statements"] == 73 and report["totals"]["branches"] == 28
    generated = await orchestrator.memory.retrieve(f"aqe/test-plan/{run_id}/generated")
    assert generated["kept"] and all(Path(k["file"]).is_file() for k in generated["kept"])
    assert Path(generated["kept"][0]["file"]).parent == root / ".aqe" / "generated"
    assert generated["coverage_after"]["percent"] > generated["coverage_before"]["percent"]
    verdict = await orchestrator.memory.retrieve(f"aqe/quality/{run_id}/verdict")
    assert verdict["passed"] is True

    again = await orchestrator.execute_parallel(
        agents=["coverage-analyzer", "quality-gate"],
        tasks=[{"run_id": run_id}, {"run_id": run_id, "coverage_threshold": 90}],
    )
    assert [r.status for r in again] == ["ok", "ok"]
    assert again[1].data["passed"] is False and again[1].data["reasons"][0] == "coverage 81.2% < 90%"

    second = await orchestrator.execute_agent("test-executor", {"code_path": str(root), "run_id": run_id + "-b"})
    assert second.status == "ok"
    analysed, judged = await orchestrator.execute_parallel(
        agents=["coverage-analyzer", "quality-gate"], tasks=[{"run_id": run_id + "-b"}, {"run_id": run_id + "-b"}]
    )
    assert judged.status == "ok" and judged.data["passed"] is True  # the gate waited for the analyzer's report
    assert analysed.data["trend"]["previous_run"] == run_id and analysed.data["trend"]["delta"] == 0.0


async def test_example_4_memory_helpers() -> None:
    orchestrator = QEOrchestrator(mode="test")
    test_gen = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=None)
    coverage = orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer", model=None)
    await test_gen.store_memory("aqe/test-plan/generated", {"tests": [...]})
    assert await coverage.get_memory("aqe/test-plan/generated") == {"tests": [None]}


async def test_agents_skip_clearly_without_a_run() -> None:
    orchestrator = QEOrchestrator(mode="test")
    build_fleet(orchestrator)
    results = await orchestrator.execute_parallel(
        agents=["coverage-analyzer", "test-generator", "quality-gate"], tasks=[{}, {}, {"wait_timeout": 0}]
    )
    assert [r.status for r in results] == ["skipped", "skipped", "skipped"]
    assert "run test-executor first" in results[0].summary


async def test_an_error_report_has_every_field_a_run_report_has(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    async with QEOrchestrator(mode="test") as orchestrator:
        report = await run_fleet(orchestrator, RunOptions(code_path=str(root), generate=False))
    assert report["status"] == "passed"
    assert list(error_report("x does not exist")) == list(report)
    assert {spec.section for spec in AGENT_REGISTRY.values() if spec.section} <= set(OPTIONAL_SECTIONS)
