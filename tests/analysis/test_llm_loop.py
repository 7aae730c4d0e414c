"""The model loop's pure parts and its trial run: callee sources, failures read from pytest, the feedback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis.callees import called_sources
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.llm_loop import GapLoop, Trial
from lionagi_qe.analysis.llm_trial import try_tests
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings

FILES = {
    "src/calc/__init__.py": "",
    "src/calc/util.py": """\
        def clamp(value, low, high):
            if value < low:
                return low
            return min(value, high)


        class Meter:
            unit = "m"

            def __init__(self, scale):
                self.scale = scale

            def read(self):
                return self.scale
        """,
    "src/calc/core.py": """\
        import json
        import calc.util as u
        from .util import clamp as bound, Meter


        def helper(x):
            return x * 2


        def score(x):
            if x > 10:
                return bound(helper(x), 0, 15)
            if x < 0:
                raise ValueError("negative")
            json.dumps(x)
            return u.clamp(x, 1, 5) + Meter(2).read() + len(str(x)) + (score(x - 1) if x > 5 else 0)


        class Box:
            def _size(self):
                return 3

            def volume(self):
                return self._size() ** 3
        """,
    "tests/test_core.py": "from calc.core import score\n\n\ndef test_score():\n    assert score(3) == 6\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> TargetProject:
    return inspect_project(write_project(tmp_path_factory.mktemp("calc"), FILES))


def _gap(
    project: TargetProject, qualname: str, lineno: int, end: int, lines: list[int], branches: list[tuple[int, int]]
) -> Gap:
    path = project.root / "src" / "calc" / "core.py"
    return Gap(
        file="src/calc/core.py", path=str(path), module="calc.core", qualname=qualname, lineno=lineno,
        end_lineno=end, complexity=3, statements=6, missing_lines=lines, missing_branches=branches,
        executed_lines=[], covered=True, risk=1.0,
    )


def score_gap(project: TargetProject) -> Gap:
    return _gap(project, "score", 10, 16, [12, 14], [(11, 12), (13, 14)])


def test_callees_are_found_through_every_kind_of_reference(project: TargetProject) -> None:
    found = dict(called_sources(score_gap(project), project))
    assert list(found) == ["calc.util:clamp", "calc.core:helper", "calc.util:Meter"]
    assert found["calc.util:clamp"].startswith("def clamp(value, low, high):")
    assert "def __init__(self, scale):" in found["calc.util:Meter"] and "def read" not in found["calc.util:Meter"]
    method = dict(called_sources(_gap(project, "Box.volume", 23, 24, [24], []), project))
    assert list(method) == ["calc.core:Box._size"]


def test_a_failing_trial_names_the_assertion_and_the_project_frame(project: TargetProject, tmp_path: Path) -> None:
    source = (
        "from calc.core import score\n\n\n"
        "def test_big():\n    assert score(11) == 99\n\n\n"
        "def test_negative():\n    assert score(-1) == 0\n\n\n"
        "def test_fine():\n    assert score(2) == 5\n"
    )
    trial = try_tests(project, _settings(), source, "test_try", score_gap(project).path, tmp_path / "t")
    assert not trial.passed
    shown = [failure.show() for failure in trial.failures]
    assert shown[0] == "test_big: `assert 15 == 99` at test_try.py:5 in test_big: `assert score(11) == 99`"
    assert shown[1] == (
        'test_negative: `ValueError: negative` at src/calc/core.py:14 in score: `raise ValueError("negative")`'
    )
    assert len(shown) == 2


def test_a_module_that_cannot_be_imported_is_a_failure(project: TargetProject, tmp_path: Path) -> None:
    source = "from calc.core import nothing\n\n\ndef test_a():\n    pass\n"
    trial = try_tests(project, _settings(), source, "test_try", score_gap(project).path, tmp_path / "t")
    assert not trial.passed
    assert trial.failures[0].test == "collecting the module"
    assert "ImportError: cannot import name 'nothing'" in trial.failures[0].headline


def test_a_passing_trial_reports_what_it_ran(project: TargetProject, tmp_path: Path) -> None:
    source = "from calc.core import score\n\n\ndef test_big():\n    assert score(11) == 15\n"
    trial = try_tests(project, _settings(), source, "test_try", score_gap(project).path, tmp_path / "t")
    assert trial.passed and trial.failures == []
    assert 12 in trial.lines and (11, 12) in trial.arcs and 14 not in trial.lines


def test_the_loop_feeds_back_and_keeps_what_adds_coverage(project: TargetProject) -> None:
    loop = GapLoop(score_gap(project), max_attempts=3)
    assert loop.wants_more()
    nothing_new = loop.judge("def test_a(): pass\n", Trial(True, lines={15, 16}, arcs={(13, 15)}))
    assert "they do not run these lines of `calc.core:score`" in nothing_new
    assert "line 12: return bound(helper(x), 0, 15)" in nothing_new and "line 14: raise" in nothing_new
    assert "line 11 -> line 12: `if x > 10:` never took this way" in nothing_new
    rest = loop.judge("def test_b(): pass\n", Trial(True, lines={12}, arcs={(11, 12)}))
    assert "do not run yet" in rest and "line 14" in rest and "line 12" not in rest
    assert loop.judge("def test_c(): pass\n", Trial(True, lines={14}, arcs={(13, 14)})) == ""
    assert not loop.wants_more() and loop.fallback_reason is None
    assert [c.stem for c in loop.candidates] == ["test_aqe_core_score_llm", "test_aqe_core_score_llm2"]
    assert [a["result"] for a in loop.attempts] == ["no new coverage", "candidate", "candidate"]


def test_the_loop_gives_up_after_its_attempts(project: TargetProject) -> None:
    loop = GapLoop(score_gap(project), max_attempts=2)
    assert "could not be used: no code" in loop.unusable("no code")
    trial = Trial(False, problem="the module did not finish within 30s")
    assert "could not be run: the module did not finish within 30s" in loop.judge("x = 1\n", trial)
    assert not loop.wants_more()
    assert loop.fallback_reason == (
        "model's tests not usable after 2 attempt(s); last: failed: the module did not finish within 30s"
    )
    stopped = GapLoop(score_gap(project), max_attempts=3)
    stopped.stop("model did not answer within 5s")
    assert not stopped.wants_more() and stopped.fallback_reason == "model did not answer within 5s"


def _settings() -> RunSettings:
    return RunSettings(python=Path(sys.executable), test_timeout=30)
