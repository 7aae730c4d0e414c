"""One home per fact: the run defaults (RunContext -> RunOptions -> `aqe run`), the typed records in memory."""

from __future__ import annotations

import inspect
from dataclasses import fields

import pytest

from lionagi_qe.agents.records import ExecutionRecord, GapsRecord, VerdictRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.cli import run_cmd
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.fleet import RunOptions


def test_run_context_reads_known_keys_with_their_types_and_defaults() -> None:
    ctx = RunContext.of({"coverage_threshold": 90, "pytest_args": ["-q", 1], "max_gaps": "3", "python": None, "x": 1})
    assert (ctx.coverage_threshold, ctx.pytest_args, ctx.max_gaps) == (90.0, ("-q", "1"), 3)
    assert (ctx.python, ctx.code_path, ctx.test_timeout, ctx.wait_timeout) == (None, ".", 60.0, 30.0)
    assert ctx.thresholds().min_coverage == 90.0
    with pytest.raises(ConfigurationError, match="between 0 and 100"):
        RunContext.of({"coverage_threshold": 120}).thresholds()


def test_every_aqe_run_option_defaults_to_run_options() -> None:
    defaults = RunOptions()
    parameters = inspect.signature(run_cmd.run).parameters.items()
    options = {name: p.default.default for name, p in parameters if name != "ctx"}
    assert options["path"] == defaults.code_path
    assert options["no_generate"] is (not defaults.generate)
    assert options["pytest_args"] == ""
    assert options["output"] == defaults.output_dir
    same = ("python", "venv", "coverage_threshold", "max_failures", "max_flaky", "test_timeout", "max_gaps")
    same += ("llm_timeout", "keep_runs")
    assert {name: options[name] for name in same} == {name: getattr(defaults, name) for name in same}


def test_run_options_context_is_the_pipeline_context() -> None:
    context = RunOptions(code_path="proj", pytest_args=("-k", "x"), extra={"mine": 1}).context()
    assert context["pytest_args"] == ["-k", "x"] and context["mine"] == 1 and context["wait_timeout"] == 0.0
    assert "run_id" not in context and RunContext.of(context).code_path == "proj"


def test_records_round_trip_and_ignore_unknown_keys() -> None:
    verdict = VerdictRecord(run_id="r1", project="/p", passed=True, reasons=["ok"])
    stored = {**verdict.to_json(), "added_later": 1}
    assert VerdictRecord.from_json(stored) == verdict
    with pytest.raises(TypeError, match="missing"):
        ExecutionRecord.from_json({"run_id": "r1"})
    stored_execution = {f.name: None for f in fields(ExecutionRecord)}
    stored_execution["counts"] = {"passed": 3, "failed": 1, "error": 1, "timeout": 1, "flaky": 2}
    assert ExecutionRecord.from_json(stored_execution).failures == 3


def test_gaps_record_gives_back_the_gaps_it_stored() -> None:
    gap = Gap(file="a.py", path="/p/a.py", module="a", qualname="f", lineno=1, end_lineno=3, complexity=2,
              statements=3, missing_lines=[2], missing_branches=[(1, -1)], executed_lines=[1], covered=True, risk=3.0)
    assert GapsRecord(run_id="r1", gaps=[gap.to_dict()]).top(5) == [gap]


def test_gaps_record_chosen_by_id_or_the_riskiest() -> None:
    gaps = [
        Gap(file="a.py", path="/p/a.py", module="a", qualname=name, lineno=1, end_lineno=3, complexity=2,
            statements=3, missing_lines=[2], missing_branches=[], executed_lines=[1], covered=True, risk=risk)
        for name, risk in (("f", 9.0), ("g", 5.0), ("h", 1.0))
    ]
    record = GapsRecord(run_id="r1", gaps=[gap.to_dict() for gap in gaps])
    assert record.chosen(("a:h", "a:g"), 1) == [gaps[1], gaps[2]]  # ranking order, count ignored
    assert record.chosen((), 2) == gaps[:2]
    assert RunContext.of({"gap_ids": ["a:h"]}).gap_ids == ("a:h",)
