"""The small deterministic engines: complexity and gap mapping, call planning, prompt and reply, gate, writer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers.fleet import copy_sample
from lionagi_qe.analysis.call_synthesis import plan_calls
from lionagi_qe.analysis.coverage_report import CoverageReport, FileCoverage, Totals
from lionagi_qe.analysis.gaps import complexity_of, find_gaps, index_functions
from lionagi_qe.analysis.llm_prompt import MalformedReply, build_prompt, parse_reply
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.quality_gate import GateInputs, Thresholds, evaluate_gate
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.errors import ConfigurationError

SOURCE = '''\
class Box:
    def __init__(self, size: int) -> None:
        self.size = size

    def grade(self, weight: float) -> str:
        """Grade a parcel."""
        if weight > 10 and self.size > 2:
            return "heavy"

        def helper():
            return 1

        return "light" if weight else "empty"


def plain(x):
    return x
'''


def test_complexity_counts_decisions_not_nested_scopes() -> None:
    grade = ast.parse(SOURCE).body[0].body[1]
    assert complexity_of(grade) == 1 + 1 + 1 + 1  # if, `and`, conditional expression


def test_index_functions_gives_qualnames_and_own_lines() -> None:
    found = {f.qualname: f for f in index_functions(SOURCE)}
    assert list(found) == ["Box.__init__", "Box.grade", "Box.grade.<locals>.helper", "plain"]
    assert 11 not in found["Box.grade"].own_lines and 11 in found["Box.grade.<locals>.helper"].own_lines


def test_find_gaps_ranks_by_risk(tmp_path: Path) -> None:
    project = inspect_project(copy_sample(tmp_path))
    path = tmp_path / "box.py"
    path.write_text(SOURCE)
    measured = FileCoverage(
        path=str(path), totals=Totals(),
        executed_lines=[1, 2, 3, 5, 7, 16, 17], missing_lines=[8, 10, 11, 13],
        executed_branches=[(7, 10)], missing_branches=[(7, 8), (13, -5)],
    )
    gaps, functions = find_gaps(CoverageReport(Totals(), {"box.py": measured}, "data"), project)
    assert [(g.qualname, g.missing_lines, g.risk) for g in gaps] == [
        ("Box.grade", [8, 10, 13], 4 * 2 + 3),
        ("Box.grade.<locals>.helper", [11], 1),
    ]
    assert functions == {"total": 4, "covered": 3, "percent": 75.0}


def test_plan_calls_uses_hints_defaults_and_compared_constants() -> None:
    source = "def f(n: int, label: str = 'x'):\n    if n >= 100:\n        raise ValueError(n)\n    return label\n"
    plan = plan_calls(source, "f")
    calls = [ast.literal_eval(c) for c in plan.calls]
    assert {"n": 99, "label": "x"} in calls and {"n": 101, "label": "x"} in calls
    assert plan.raises == ["ValueError"] and plan.fully_typed


def test_plan_calls_builds_the_instance_for_a_method() -> None:
    plan = plan_calls(SOURCE, "Box.grade")
    assert plan.init == "{'size': 1}"
    assert {"weight": 11} in [ast.literal_eval(c) for c in plan.calls]
    assert plan_calls(SOURCE, "Box.grade.<locals>.helper").skip_reason


def test_prompt_carries_source_signature_docstring_gaps_and_an_example(tmp_path: Path) -> None:
    from lionagi_qe.analysis.gaps import Gap

    root = copy_sample(tmp_path)
    project = inspect_project(root)
    gap = Gap(
        file="src/shopkit/pricing.py", path=str(root / "src/shopkit/pricing.py"), module="shopkit.pricing",
        qualname="bulk_price", lineno=30, end_lineno=39, complexity=4, statements=7, missing_lines=[33, 36],
        missing_branches=[(32, 33), (35, 36)], executed_lines=[32], covered=True, risk=10.0,
    )
    prompt = build_prompt(gap, project)
    assert "def bulk_price(unit_price: float, quantity: int) -> float:" in prompt
    assert "total = apply_discount(total, 10)" in prompt
    assert "Unit price times quantity" in prompt
    assert "line 33: raise ValueError" in prompt and "line 35 -> line 36" in prompt
    assert "def test_bulk_price_single_item" in prompt
    assert "from shopkit.pricing import bulk_price" in prompt


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Here you go:\n```python\ndef test_a():\n    assert 1\n```\nEnjoy", "def test_a():\n    assert 1\n"),
        ("def test_b():\n    pass\n", "def test_b():\n    pass\n"),
        ("```\nimport x\n\ndef test_c():\n    pass\n```", "import x\n\ndef test_c():\n    pass\n"),
    ],
)
def test_parse_reply_extracts_the_module(reply: str, expected: str) -> None:
    assert parse_reply(reply) == expected


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("I can't help with that.", "no ```python code block"),
        ("", "empty reply"),
        ("```python\ndef test_a(:\n```", "does not parse"),
        ("```python\ndef helper():\n    pass\n```", "no test_"),
    ],
)
def test_parse_reply_rejects_unusable_replies(reply: str, problem: str) -> None:
    with pytest.raises(MalformedReply, match=problem):
        parse_reply(reply)


def test_gate_passes_and_fails_with_reasons() -> None:
    ok = evaluate_gate(GateInputs(coverage=81.2, tests=14), Thresholds(min_coverage=80))
    assert ok.passed
    assert ok.reasons == ["coverage 81.2% >= 80%", "no failing tests (0 allowed)", "no flaky tests (0 allowed)"]
    measured = GateInputs(coverage=70, tests=3, failures=2, flaky=1, collection_errors=1)
    bad = evaluate_gate(measured, Thresholds(max_failures=1))
    assert not bad.passed
    assert bad.reasons == [
        "coverage 70.0% < 80%", "2 failing test(s) (1 allowed)", "1 flaky test(s) (0 allowed)",
        "1 test module(s) could not be collected",
    ]
    assert not evaluate_gate(GateInputs(coverage=100, tests=0), Thresholds()).passed


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="between 0 and 100"):
        Thresholds(min_coverage=120)
    with pytest.raises(ConfigurationError, match="max_flaky"):
        Thresholds(max_flaky=-1)


def test_writer_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "test_aqe_x.py").write_text("# the user's own file\n")
    paths = write_tests(tmp_path, [("test_aqe_x", "def test_one(): pass\n"), ("test_aqe_x", "def test_two(): pass\n")])
    assert [p.name for p in paths] == ["test_aqe_x_2.py", "test_aqe_x_3.py"]
    assert (tmp_path / "test_aqe_x.py").read_text() == "# the user's own file\n"
