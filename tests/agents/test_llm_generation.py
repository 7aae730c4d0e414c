"""The test generator's model loop, through LionAGI's real client against a local OpenAI-compatible server.

A returned test that passes and reaches missed lines is kept; one that fails
is answered with its failure and the corrected reply is kept; a reply that
leaves lines missed is answered with those lines; a model that does not
answer costs only its candidate; a dead endpoint is given up after the
first timeouts, so many gaps cost about one timeout in total.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import OpenAIStub, copy_sample
from lionagi_qe.agents import CoverageAnalyzerAgent, TestExecutorAgent, TestGeneratorAgent
from lionagi_qe.core.orchestrator import QEOrchestrator

GAP = "shopkit.pricing:bulk_price"
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
ONLY_ZERO = (
    "```python\nimport pytest\n\nfrom shopkit.pricing import bulk_price\n\n\n"
    "def test_zero():\n    with pytest.raises(ValueError):\n        bulk_price(1.0, 0)\n```"
)
ONLY_HUNDRED = (
    "```python\nfrom shopkit.pricing import bulk_price\n\n\n"
    "def test_hundred():\n    assert bulk_price(2.0, 100) == 180.0\n```"
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


def replies(*texts: str | int | None) -> Callable[[dict[str, Any]], str | int | None]:
    """A responder giving `texts` in turn, then the last one again."""
    queue: Iterator[str | int | None] = itertools.chain(texts, itertools.repeat(texts[-1]))
    return lambda body: next(queue)


async def _generate(
    measured_run: Any, agent_id: str, respond: Callable[[dict[str, Any]], str | int | None], tmp_path: Path,
    **context: Any,
) -> tuple[dict[str, Any], OpenAIStub]:
    orchestrator, run_id, _ = measured_run
    settings = {"run_id": run_id, "max_gaps": 1, "llm_timeout": 1.5, "output_dir": str(tmp_path / "out"), **context}
    with OpenAIStub(respond, hold=5.0) as server:
        orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id=agent_id, model=server.model())
        result = await orchestrator.execute_agent(agent_id, settings)
    assert result.status == "ok", result.summary
    return result.data, server


def _results(data: dict[str, Any]) -> list[tuple[int, str]]:
    return [(a["attempt"], a["result"]) for a in data["model_calls"]["attempts"]]


async def test_prompt_carries_the_source_and_a_passing_test_is_kept(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-good", replies(GOOD), tmp_path)
    assert len(server.requests) == 1
    prompt = server.prompts()[0]
    assert "def bulk_price(unit_price: float, quantity: int) -> float:" in prompt
    assert "total = apply_discount(total, 10)" in prompt
    assert "line 33: raise ValueError" in prompt
    assert "# shopkit.pricing:apply_discount" in prompt  # the source of the function it calls
    assert "def apply_discount(price: float, percent: float) -> float:" in prompt
    assert data["engine"] == "llm+offline" and data["fallbacks"] == []
    assert [(k["gap"], k["origin"]) for k in data["kept"]] == [(GAP, "llm")]
    kept = Path(data["kept"][0]["file"])
    assert kept.parent == tmp_path / "out" and "test_bulk_price_hundred_items" in kept.read_text()
    assert data["coverage_after"]["percent"] > data["coverage_before"]["percent"]
    assert _results(data) == [(1, "candidate")]
    assert data["model_calls"]["requests"] == data["model_calls"]["answered"] == 1


async def test_a_failing_reply_gets_its_failure_back_and_the_corrected_one_is_kept(
    measured_run: Any, tmp_path: Path
) -> None:
    data, server = await _generate(measured_run, "gen-fixed", replies(WRONG, GOOD), tmp_path)
    assert len(server.requests) == 2
    second = server.requests[1]["messages"]
    feedback = str(second[-1]["content"])
    assert "Your tests failed" in feedback
    assert "test_wrong: `assert 90.0 == 100.0`" in feedback
    assert "assert bulk_price(1.0, 100) == 100.0" in feedback
    assert any("def test_wrong" in str(m["content"]) for m in second[:-1])  # the conversation goes on
    assert _results(data) == [(1, "failed"), (2, "candidate")]
    assert [(k["gap"], k["origin"]) for k in data["kept"]] == [(GAP, "llm")]
    assert "test_bulk_price_hundred_items" in Path(data["kept"][0]["file"]).read_text()
    assert data["fallbacks"] == [] and data["rejected"] == []


async def test_an_exception_is_fed_back_with_the_project_frame(measured_run: Any, tmp_path: Path) -> None:
    raising = WRONG.replace("bulk_price(1.0, 100) == 100.0", "bulk_price(1.0, 0) == 0.0")
    data, server = await _generate(measured_run, "gen-raise", replies(raising, GOOD), tmp_path)
    feedback = server.prompts()[1]
    assert "`ValueError: quantity must be positive` at src/shopkit/pricing.py:33 in bulk_price" in feedback
    assert [k["origin"] for k in data["kept"]] == ["llm"]


async def test_missed_lines_are_fed_back_and_each_reply_that_adds_coverage_is_kept(
    measured_run: Any, tmp_path: Path
) -> None:
    data, server = await _generate(measured_run, "gen-partial", replies(ONLY_ZERO, ONLY_HUNDRED), tmp_path)
    feedback = str(server.requests[1]["messages"][-1]["content"])
    assert "do not run yet" in feedback and "line 36: total = apply_discount(total, 10)" in feedback
    assert "line 33" not in feedback
    assert _results(data) == [(1, "candidate"), (2, "candidate")]
    assert sorted(k["new_lines"][0] for k in data["kept"]) == [33, 36]
    assert all(k["origin"] == "llm" for k in data["kept"])


async def test_a_reply_that_keeps_failing_falls_back_after_the_attempts(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-wrong", replies(WRONG), tmp_path, llm_attempts=2)
    assert len(server.requests) == 2
    assert _results(data) == [(1, "failed"), (2, "failed")]
    reason = data["fallbacks"][0]["reason"]
    assert data["fallbacks"][0]["gap"] == GAP
    assert "not usable after 2 attempt(s)" in reason and "assert 90.0 == 100.0" in reason
    assert data["kept"] and {k["origin"] for k in data["kept"]} == {"characterization"}  # the offline fallback


async def test_an_unparsable_reply_is_answered_then_falls_back(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-refusal", replies(REFUSAL), tmp_path, llm_attempts=2)
    assert "could not be used" in server.prompts()[1] and "no ```python code block" in server.prompts()[1]
    assert "unusable" in data["fallbacks"][0]["reason"]
    assert data["kept"] and {k["origin"] for k in data["kept"]} == {"characterization"}  # the offline fallback


async def test_a_timeout_falls_back(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-slow", replies(None), tmp_path)
    assert len(server.requests) == 1
    assert data["fallbacks"] == [{"gap": GAP, "reason": "model did not answer within 1.5s"}]
    assert data["kept"] and {k["origin"] for k in data["kept"]} == {"characterization"}  # the offline fallback
    assert data["model_calls"]["timeouts"] == 1


async def test_a_dead_endpoint_costs_one_timeout_for_all_gaps(measured_run: Any, tmp_path: Path) -> None:
    timeout = 2.0
    data, server = await _generate(
        measured_run, "gen-dead", replies(None), tmp_path, max_gaps=5, llm_timeout=timeout, llm_concurrency=4
    )
    assert len(data["gaps_tried"]) == 5
    assert len(server.requests) == 4  # the first four gaps, at once; the fifth is never asked
    calls = data["model_calls"]
    assert calls["requests"] == 4 and calls["timeouts"] == 4 and calls["answered"] == 0
    assert "has not answered once" in calls["stopped"]
    reasons = [f["reason"] for f in data["fallbacks"]]
    assert len(reasons) == 5
    assert reasons.count(f"model did not answer within {timeout:g}s") == 4
    assert sum(r.startswith("not asked: the model endpoint gave a timeout") for r in reasons) == 1
    assert calls["seconds"] < 3 * timeout  # asked one gap after another, five gaps would take 5 timeouts


async def test_the_budget_bounds_the_model_loop(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(
        measured_run, "gen-budget", replies(None), tmp_path, max_gaps=3, llm_timeout=30, llm_concurrency=1, budget=1
    )
    assert len(server.requests) == 1
    reasons = [f["reason"] for f in data["fallbacks"]]
    assert reasons == [
        "the generation budget of 1s ran out while waiting for the model",
        "not asked: the generation budget of 1s was spent",
        "not asked: the generation budget of 1s was spent",
    ]
    assert data["model_calls"]["stopped"] is None and data["model_calls"]["seconds"] < 10


async def test_lionagi_retries_are_reported(measured_run: Any, tmp_path: Path) -> None:
    data, server = await _generate(measured_run, "gen-retry", replies(503, GOOD), tmp_path, llm_timeout=20)
    calls = data["model_calls"]
    assert len(server.requests) == 2 and calls["requests"] == 1 and calls["http_attempts"] == 2
    assert calls["retries"] == 1 and calls["http_statuses"] == {"200": 1, "503": 1}
    assert "LionAGI retried 1 model request(s) (HTTP 503 x1)" in data["notes"]
    assert [k["origin"] for k in data["kept"]] == ["llm"]
