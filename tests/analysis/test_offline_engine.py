"""The offline engine end to end on a small project: recorded inputs, the guided search, pinned results and verdicts.

The project's suite leaves gaps of several kinds: branches a boundary value
reaches, a deliberate exception, a generator's loop, a module doctest the
suite does not run, a result that depends on the clock (never pinned), and
a public function that crashes with a KeyError on valid-typed input (a
possible bug). Its suite also leaves module state behind, which a kept test
that passes alone must not survive when run together with the suite.
"""

from __future__ import annotations

import sys
import venv
from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis import RunSettings, find_gaps, inspect_project, load_coverage, run_test_suite
from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.generation import GenerationJob, close_gaps, fuzz_failure, fuzz_found_a_crash
from lionagi_qe.analysis.input_recording import RECORDED_FOLDER, load_recorded
from lionagi_qe.analysis.offline_generator import (
    TIMED_SAMPLE,
    found_candidates,
    ghostwritten,
    offline_generation,
    verification_timer,
)
from lionagi_qe.analysis.verification import Verification, verify_candidates

CORE = '''\
"""Core helpers.

>>> triple(3)
9
"""

import time

STATE = []


def triple(x: int) -> int:
    return x * 3


def classify(n: int) -> str:
    if n > 100:
        return "big"
    if n < 0:
        raise ValueError("negative numbers are not classified")
    return "small"


def lookup(key: str, default: int | None = None) -> int:
    table = {"a": 1}
    if default is not None and key not in table:
        return default
    return table[key]


def stamp(label: str) -> str:
    if label == "now":
        return str(time.time_ns())
    return label


def countdown(n: int):
    while n > 0:
        yield n
        n -= 1
'''
TESTS = '''\
from pkg import core


def test_classify():
    assert core.classify(5) == "small"


def test_lookup():
    assert core.lookup("a") == 1


def test_stamp():
    assert core.stamp("x") == "x"


def test_countdown_zero():
    assert list(core.countdown(0)) == []


def test_leaves_state_behind():
    core.STATE.append(1)
'''


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = write_project(tmp_path_factory.mktemp("engine") / "proj", {
        "pkg/__init__.py": "", "pkg/core.py": CORE, "tests/test_core.py": TESTS,
    })
    found = suite_measured(root)
    found["result"] = offline_generation(
        found["project"], found["settings"].python, found["gaps"], found["work"] / "gen", budget=10,
        report=found["report"], recorded=found["recorded"],
    )
    return found


def suite_measured(root: Path) -> dict[str, Any]:
    """The project at `root` after its suite ran with input recording: project, settings, run, report, gaps."""
    project = inspect_project(root)
    work = root / ".aqe" / "work"
    settings = RunSettings(python=Path(sys.executable), test_timeout=30, record_inputs=work / RECORDED_FOLDER)
    run = run_test_suite(project, work, settings)
    report = load_coverage(run.data_file, project)
    gaps, _ = find_gaps(report, project)
    return {"project": project, "work": work, "settings": settings, "run": run, "report": report, "gaps": gaps,
            "recorded": load_recorded(work / RECORDED_FOLDER)}


def test_the_suite_run_records_real_arguments(measured: dict[str, Any]) -> None:
    functions = measured["recorded"]["functions"]
    assert {"n": ["5", []]} in functions["pkg.core:classify"]["samples"]
    assert functions["pkg.core:lookup"]["samples"] == [{"key": ["'a'", []], "default": ["None", []]}]
    assert functions["pkg.core:countdown"]["calls"] >= 1


def _sources(measured: dict[str, Any], origin: str) -> str:
    return "\n".join(c.source for c in measured["result"].candidates if c.origin == origin)


def test_characterization_pins_values_and_deliberate_exceptions(measured: dict[str, Any]) -> None:
    source = _sources(measured, "characterization")
    assert "assert classify(n=101) == 'big'" in source
    assert "with pytest.raises(ValueError, match='negative numbers are not classified'):" in source
    assert "assert list(islice(countdown(n=1), 50)) == [1]" in source
    assert "from itertools import islice" in source


def test_module_doctests_the_suite_does_not_run_become_candidates(measured: dict[str, Any]) -> None:
    source = _sources(measured, "doctest")
    assert "if example.name == 'pkg.core':" in source and "import pkg.core as target_module" in source


def test_results_that_depend_on_the_clock_are_not_pinned(measured: dict[str, Any]) -> None:
    result = measured["result"]
    assert "stamp(label='now')" not in _sources(measured, "characterization")
    assert any("ended differently when run again alone" in note for note in result.notes)


def test_a_crash_on_valid_typed_input_is_reported_as_a_possible_bug(measured: dict[str, Any]) -> None:
    bugs = measured["result"].possible_bugs
    assert [b["gap"] for b in bugs] == ["pkg.core:lookup"]
    assert bugs[0]["exception"].startswith("KeyError: ") and bugs[0]["where"] == "core.py:28"
    assert bugs[0]["call"].startswith("lookup(key=")
    assert "pytest.raises(KeyError" not in _sources(measured, "characterization")


def test_warm_and_process_verification_agree(measured: dict[str, Any], tmp_path: Path) -> None:
    m = measured
    failing = Candidate("pkg.core:classify", "llm", "from pkg.core import classify\n\n\ndef test_wrong():\n"
                        "    assert classify(500) == 'small'\n", "test_aqe_core_classify_llm")
    candidates = [*m["result"].candidates, failing]
    gaps = {g.id: g for g in m["gaps"]}
    verdicts = {}
    for warm in (True, False):
        checks = verify_candidates(m["project"], m["settings"], candidates, gaps, tmp_path / str(warm), warm=warm)
        verdicts[warm] = [(c.kept, c.reason) for c in checks]
    assert verdicts[True] == verdicts[False]
    wrong = "rejected: failed 2 of 2 runs (failed: AssertionError: assert 'big' == 'small')"
    assert verdicts[True][-1] == (False, wrong)
    assert sum(kept for kept, _ in verdicts[True]) >= 3


def test_the_search_timer_verifies_the_found_calls_test_modules(measured: dict[str, Any], tmp_path: Path) -> None:
    m = measured
    calls = m["result"].search.calls
    seconds, count = verification_timer(m["project"], m["settings"].python, tmp_path / "timing")(calls)
    assert count == min(len(found_candidates(calls)), TIMED_SAMPLE) >= 3
    assert seconds > 0
    assert list((tmp_path / "timing").rglob("test_aqe_*.py"))


def test_a_timing_that_cannot_run_counts_no_candidate(measured: dict[str, Any], tmp_path: Path) -> None:
    m = measured
    timer = verification_timer(m["project"], tmp_path / "no-such-python", tmp_path / "timing")
    assert timer(m["result"].search.calls) == (0.0, 0)


def test_close_gaps_confirms_kept_tests_with_the_suite(measured: dict[str, Any], tmp_path: Path) -> None:
    m = measured
    order_dependent = Candidate(
        "pkg.core:classify", "llm",
        "from pkg import core\n\n\ndef test_big_before_anything_else():\n"
        "    assert core.classify(500) == 'big'\n    assert core.STATE == []\n",
        "test_aqe_core_classify_llm",
    )
    job = GenerationJob(m["project"], m["settings"], m["gaps"], tmp_path / "work", tmp_path / "out",
                        m["run"].data_file, budget=10, recorded_inputs=m["settings"].record_inputs)
    outcome = close_gaps(job, [order_dependent], [])
    first = outcome.checks[0]
    assert not first.kept
    assert first.reason == "rejected: failed together with the project's suite (failed: assert [1] == [])"
    assert outcome.kept and all(path.exists() for _, path in outcome.kept)
    assert outcome.coverage_after.percent > outcome.coverage_before.percent
    assert outcome.search["calls_tried"] > 0 and outcome.possible_bugs


def test_without_hypothesis_the_ghostwriter_leaves_a_note(measured: dict[str, Any], tmp_path: Path) -> None:
    venv.create(tmp_path / "bare", with_pip=False)
    notes: list[str] = []
    typed = [g for g in measured["gaps"] if g.qualname == "classify"]
    assert ghostwritten(measured["project"], tmp_path / "bare" / "bin" / "python", typed, tmp_path / "gw", notes) == []
    assert notes == ["Hypothesis ghostwriter unavailable in the target interpreter: install hypothesis and black there"]
    written = ghostwritten(measured["project"], measured["settings"].python, typed, tmp_path / "gw2", [])
    assert [c.origin for c in written] == ["ghostwriter"] and "@settings(database=None" in written[0].source


def test_a_failing_fuzz_test_is_reported_as_a_possible_bug() -> None:
    fuzz = Candidate("pkg.core:ratio", "ghostwriter", "...", "test_aqe_core_ratio_fuzz")
    failed = Verification(fuzz, 0, False, "rejected: failed 2 of 2 runs (failed: ZeroDivisionError: division by zero)")
    timed_out = Verification(fuzz, 0, False, "rejected: failed 2 of 2 runs (did not finish within 60s)")
    assert fuzz_found_a_crash(failed) and not fuzz_found_a_crash(timed_out)
    bug = fuzz_failure(failed)
    assert bug["gap"] == "pkg.core:ratio" and bug["exception"] == "ZeroDivisionError: division by zero"


TABLE = '''\
def render(rows):
    def cells(row):
        if isinstance(row, dict):
            return ",".join(f"{k}={v}" for k, v in row.items())
        return ",".join(map(str, row))

    return "|".join(cells(row) for row in rows)
'''
TABLE_TESTS = '''\
from pkg.table import render


def test_render():
    assert render([[1, "x"], [2, "y"]]) == "1,x|2,y"
'''


def test_a_nested_helper_is_reached_through_the_public_function_the_suite_calls(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {
        "pkg/__init__.py": "", "pkg/table.py": TABLE, "tests/test_table.py": TABLE_TESTS,
    })
    found = suite_measured(root)
    assert [g.id for g in found["gaps"]] == ["pkg.table:render.<locals>.cells"]
    result = offline_generation(
        found["project"], found["settings"].python, found["gaps"], found["work"] / "gen", budget=10,
        report=found["report"], recorded=found["recorded"],
    )
    through_render = [c for c in result.candidates if c.gap_id == "pkg.table:render"]
    assert through_render and "assert render(rows=[{" in through_render[0].source
