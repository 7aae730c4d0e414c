"""Why, not just how many: rejected candidates and their reasons, the generator's notes, possible bugs; --budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.fleet import write_project
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.cli.main import app
from lionagi_qe.core.task import AgentResult
from lionagi_qe.fleet.report import generation_section

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/core.py": '''\
        def lookup(key: str, default: int | None = None) -> int:
            table = {"a": 1}
            if default is not None and key not in table:
                return default
            return table[key]


        def grade(points: int) -> str:
            if points >= 90:
                return "A"
            return "B"
        ''',
    "tests/test_core.py": '''\
        from pkg.core import grade, lookup


        def test_lookup():
            assert lookup("a") == 1


        def test_grade():
            assert grade(50) == "B"
        ''',
}


def test_the_json_report_lists_rejections_notes_and_possible_bugs() -> None:
    rejected = {"gap": "pkg.core:lookup", "origin": "llm", "passed_runs": 0, "kept": False,
                "reason": "rejected: failed 2 of 2 runs (failed: assert 2 == 1)", "new_lines": [], "new_branches": []}
    bug = {"gap": "pkg.core:lookup", "call": "lookup(key='x')", "imports": ["from pkg.core import lookup"],
           "exception": "KeyError: 'x'", "where": "core.py:5", "reason": "KeyError raised inside the project"}
    data = {"engine": "offline", "output_dir": "/out", "kept": [], "rejected": [rejected], "fallbacks": [],
            "notes": ["Hypothesis ghostwriter unavailable in the target interpreter: install hypothesis"],
            "possible_bugs": [bug], "search": {"calls_tried": 12, "rounds": 1, "seconds": 0.5, "stopped": "exhausted"},
            "coverage_before": {}, "coverage_after": {}}
    section = generation_section({"test-generator": AgentResult(agent_id="test-generator", data=data)})
    assert section is not None
    assert section["rejected"] == 1 and section["tried"] == 1
    assert section["rejections"] == [
        {"gap": "pkg.core:lookup", "origin": "llm", "reason": "rejected: failed 2 of 2 runs (failed: assert 2 == 1)"}
    ]
    assert section["notes"][0].startswith("Hypothesis ghostwriter unavailable in the target interpreter")
    assert section["possible_bugs"] == [bug] and section["search"]["calls_tried"] == 12


def test_budget_is_a_run_option_with_its_default_from_the_run_context() -> None:
    assert RunContext().budget == 60.0
    assert RunContext.of({"budget": "15"}).budget == 15.0
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert "--budget" in result.stdout


def test_a_run_reports_a_crash_on_valid_input_as_a_possible_bug(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER"):
        clean_env.delenv(name, raising=False)
    root = write_project(tmp_path / "proj", PROJECT)
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(root), "--budget", "10", "--coverage-threshold", "0", "--json"])
    report = json.loads(result.stdout)
    generation = report["generation"]
    assert [bug["gap"] for bug in generation["possible_bugs"]] == ["pkg.core:lookup"]
    assert generation["possible_bugs"][0]["exception"].startswith("KeyError: ")
    assert any(kept["gap"] == "pkg.core:grade" for kept in generation["kept"])
    assert generation["search"]["calls_tried"] > 0
    text = runner.invoke(app, ["run", str(root), "--budget", "10", "--coverage-threshold", "0"], env={"COLUMNS": "300"})
    assert "possible bug lookup(key=" in text.stdout and "raised KeyError" in text.stdout
