"""The test generator's model path, through LionAGI's real client against a local OpenAI-compatible server.

A returned test that passes is kept; one that fails or does not parse is
rejected; a model that does not answer in time costs only its candidate:
the gap falls back to the offline engine, and the result says so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import OpenAIStub, copy_sample
from lionagi_qe.agents import CoverageAnalyzerAgent, TestExecutorAgent, TestGeneratorAgent
from lionagi_qe.core.orchestrator import QEOrchestrator

GOOD = """Here are the tests:
```python
import pytest

from shopkit.pricing import bulk_price


def test_bulk_price_hundred_items_get_ten_percent_off():
    assert bulk_price(1.0, 100) == 90.0


def test_bulk_price_rejects_zero_quantity():
    with pytest.raises(ValueError):
        bulk_price(1.0, 0)
```
"""
WRONG = (
    "```python\nfrom shopkit.pricing import bulk_price\n\n\n"
    "def test_wrong():\n    assert bulk_price(1.0, 100) == 100.0\n```"
)
REFUSAL = "I'm sorry, I can't write tests for this code."


@pytest.fixture(scope="module")
def measured_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[QEOrchestrator, str, Path]:
    """The sample project run and analysed once; each test adds its own generator."""
    root = copy_sample(tmp_path_factory.mktemp("llm"))
    orchestrator = QEOrchestrator(mode="test")
    orchestrator.create_and_register_agent(TestExecutorAgent, agent_id="test-executor")
    orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer")
    pipeline = orchestrator.execute_pipeline(["test-executor", "coverage-analyzer"], {"code_path": str(root)})
    result = asyncio.run(pipeline)
    assert [r.status for r in result["results"].values()] == ["ok", "ok"]
    return orchestrator, result["run_id"], root


async def _generate(
    measured_run: Any, agent_id: str, reply: str | None, tmp_path: Path
) -> tuple[dict[str, Any], OpenAIStub]:
    orchestrator, run_id, _ = measured_run
    with OpenAIStub(lambda body: reply, hold=5.0) as server:
        orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id=agent_id, model=server.model())
        result = await orchestrator.execute_agent(
            agent_id, {"run_id": run_id, "max_gaps": 1, "llm_timeout": 1.5, "output_dir": str(tmp_path / "out")}
        )
    assert result.status == "ok", result.summary
    return result.data, server


async def test_prompt_carries_the_source_and_a_passing_test_is_kept(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-good", GOOD, tmp_path)
    prompt = server.prompts()[0]
    assert "def bulk_price(unit_price: float, quantity: int) -> float:" in prompt
    assert "total = apply_discount(total, 10)" in prompt
    assert "line 33: raise ValueError" in prompt
    assert data["engine"] == "llm+offline" and data["fallbacks"] == []
    assert [(k["gap"], k["origin"]) for k in data["kept"]] == [("shopkit.pricing:bulk_price", "llm")]
    kept = Path(data["kept"][0]["file"])
    assert kept.parent == tmp_path / "out" and "test_bulk_price_hundred_items" in kept.read_text()
    assert data["coverage_after"]["percent"] > data["coverage_before"]["percent"]


async def test_a_failing_test_is_rejected_and_the_offline_engine_takes_over(measured_run: Any, tmp_path: Path) -> None:
    data, _ = await _generate(measured_run, "gen-wrong", WRONG, tmp_path)
    assert [r["origin"] for r in data["rejected"]] == ["llm"]
    assert "failed 2 of 2 runs" in data["rejected"][0]["reason"]
    assert data["fallbacks"][0]["gap"] == "shopkit.pricing:bulk_price"
    assert "model's test rejected" in data["fallbacks"][0]["reason"]
    assert [k["origin"] for k in data["kept"]] == ["characterization"]


async def test_an_unparsable_reply_falls_back(measured_run: Any, tmp_path: Path) -> None:
    data, _ = await _generate(measured_run, "gen-refusal", REFUSAL, tmp_path)
    assert "unusable" in data["fallbacks"][0]["reason"]
    assert [k["origin"] for k in data["kept"]] == ["characterization"]


async def test_a_timeout_falls_back(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-slow", None, tmp_path)
    assert len(server.requests) >= 1
    assert data["fallbacks"] == [{"gap": "shopkit.pricing:bulk_price", "reason": "model did not answer within 1.5s"}]
    assert [k["origin"] for k in data["kept"]] == ["characterization"]
