"""Mutation operators and the warm mutation worker: the planted weak test lets mutants survive; timeouts; forks."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from helpers.diff_project import make_diff_project
from helpers.fleet import write_project
from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.mutant_targets import keep_mutant_killers, killed_by
from lionagi_qe.analysis.mutation_operators import apply_edit, find_mutation_sites
from lionagi_qe.analysis.mutation_testing import Mutant, MutantSettings, plan_mutants, run_mutants
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite
from lionagi_qe.analysis.verification import Verification

SOURCE = '''\
"""Module docstring: never mutated."""
LIMIT = 10


def grade(score, bonus=1):
    """Docstring: never mutated."""
    if score >= 90 and not score is None:
        return "A"
    total = score + bonus  # pragma: no mutate
    log(f"score {score}",
        total)
    while total < LIMIT:
        total += 2
    return total in (1, 2) or total != 3


class Shape:
    @property
    def area(self):
        return self.w * self.h
'''


def test_operators_keep_lines_and_cover_each_kind() -> None:
    sites = find_mutation_sites(SOURCE, covered_lines=set(range(1, 21)))
    found = {(s.line, s.description) for s in sites}
    assert {
        (7, "`>=` -> `>`"), (7, "`90` -> `91`"), (7, "`and` -> `or`"), (7, "`not x` -> `x`"), (7, "`is` -> `is not`"),
        (8, "`return ...` -> `return None`"), (8, '`"A"` -> `""`'), (10, "`log(f'score {score}', total)` removed"),
        (12, "`<` -> `<=`"), (13, "`+=` -> `-=`"), (13, "`2` -> `3`"), (14, "`in` -> `not in`"), (14, "`!=` -> `==`"),
        (14, "`or` -> `and`"), (20, "`*` -> `/`"),
    } <= found
    assert not any(s.line in (1, 2, 5, 6, 9) for s in sites)  # docstrings, module level, signature, pragma
    assert {s.holder for s in sites} == {"grade", "Shape.area"}
    for site in sites:
        mutated = apply_edit(SOURCE, list(site.edit))
        assert mutated != SOURCE and len(mutated.splitlines()) == len(SOURCE.splitlines())
        ast.parse(mutated)
    assert find_mutation_sites(SOURCE, covered_lines={20}) == [s for s in sites if s.line == 20]


@pytest.mark.parametrize("fork", [True, False], ids=["warm-fork", "process-per-mutant"])
def test_weak_assertions_let_mutants_survive(tmp_path: Path, fork: bool) -> None:
    root = make_diff_project(tmp_path)
    project = inspect_project(root)
    run = run_test_suite(project, root / ".aqe" / "runs" / "r", RunSettings(python=Path(sys.executable)))
    passed = {t.nodeid: t.duration for t in run.tests if t.outcome == "passed"}
    plan = plan_mutants(project, load_test_contexts(run.data_file, project), passed, max_mutants=300)
    result = run_mutants(project, MutantSettings(python=Path(sys.executable), fork=fork), plan.mutants, tmp_path / "m")
    survivors = {(m["file"], m["line"], m["description"]) for m in result.survived}
    assert ("ledger/fees.py", 2, "`>` -> `>=`") in survivors
    assert ("ledger/fees.py", 3, "`0.01` -> `1.01`") in survivors
    fees = result.by_module["ledger.fees"]
    assert (fees["killed"], fees["survived"], fees["score"]) == (2, 5, 28.57)
    assert result.by_module["ledger.report"]["score"] == 100.0
    killed = {m["description"]: m["test"] for m in result.results if m["file"] == "ledger/fees.py" and m["line"] == 4}
    assert killed["`return ...` -> `return None`"] == "tests/test_fees.py::test_fee_runs"
    diff = next(m["diff"] for m in result.survived if m["file"] == "ledger/fees.py" and m["line"] == 2)
    assert diff.splitlines()[2:] == ["@@ -2 +2 @@", "-    if amount > 1000:", "+    if amount >= 1000:"]
    fees_tests = {tuple(m["tests"]) for m in result.results if m["file"] == "ledger/fees.py"}
    assert fees_tests == {("tests/test_fees.py::test_fee_runs",)}
    assert (root / "ledger" / "fees.py").read_text(encoding="utf-8").count("amount > 1000") == 1


def test_a_looping_mutant_times_out_and_methods_are_swapped(tmp_path: Path) -> None:
    root = write_project(tmp_path / "loops", {
        "loops/__init__.py": "",
        "loops/count.py": '''\
            def count_up(n):
                i = 0
                while i < n:
                    i += 1
                return i


            class Box:
                def __init__(self, size):
                    self.size = size

                @property
                def double(self):
                    return self.size * 2
            ''',
        "tests/test_count.py": '''\
            from loops.count import Box, count_up


            def test_count():
                assert count_up(3) == 3


            def test_box():
                assert Box(4).double == 8
            ''',
    })
    project = inspect_project(root)
    run = run_test_suite(project, root / ".aqe" / "runs" / "r", RunSettings(python=Path(sys.executable)))
    passed = {t.nodeid: t.duration for t in run.tests if t.outcome == "passed"}
    plan = plan_mutants(project, load_test_contexts(run.data_file, project), passed, max_mutants=300)
    result = run_mutants(project, MutantSettings(python=Path(sys.executable)), plan.mutants, tmp_path / "m")
    outcome = {(m["line"], m["description"]): m["status"] for m in result.results}
    assert outcome[(4, "`+=` -> `-=`")] == "timeout"
    assert outcome[(14, "`*` -> `/`")] == "killed"
    assert [(m["line"], m["description"]) for m in result.survived] == [(2, "`0` -> `1`")]  # count_up(3) is still 3
    assert result.count("error") == 0 and result.score == round(100 * (len(plan.mutants) - 1) / len(plan.mutants), 2)
    few = plan_mutants(project, load_test_contexts(run.data_file, project), passed, max_mutants=3)
    assert len(few.mutants) == 3 and few.found == len(plan.mutants)


def test_a_candidate_that_kills_a_survivor_is_kept_though_it_adds_no_coverage(tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    project = inspect_project(root)
    settings = RunSettings(python=Path(sys.executable))
    run = run_test_suite(project, root / ".aqe" / "runs" / "r", settings)
    passed = {t.nodeid: t.duration for t in run.tests if t.outcome == "passed"}
    plan = plan_mutants(project, load_test_contexts(run.data_file, project), passed, max_mutants=300)
    mutation = run_mutants(project, MutantSettings(python=Path(sys.executable)), plan.mutants, tmp_path / "m")
    survivors = [Mutant.from_survivor(s, project) for s in mutation.survived if s["file"] == "ledger/fees.py"]
    boundary = "from ledger.fees import fee\n\n\ndef test_boundary():\n    assert fee(1000) == 2.5\n"
    idle = "from ledger.fees import fee\n\n\ndef test_idle():\n    assert fee(10) is not None\n"
    checks = [
        Verification(Candidate("ledger.fees:fee", "characterization", source, stem), 2, False, "adds no coverage")
        for source, stem in ((boundary, "test_aqe_fees_boundary"), (idle, "test_aqe_fees_idle"))
    ]
    keep_mutant_killers(project, settings, checks, survivors, tmp_path / "killers")
    assert [check.kept for check in checks] == [True, False]
    assert checks[0].reason.startswith("kept: passed 2 of 2 runs and kills 2 mutant(s) the suite let survive (first ")
    assert checks[1].reason == "adds no coverage"
    killed = killed_by(project, settings, tmp_path / "killers" / "000" / "test_test_aqe_fees_boundary.py",
                       survivors, tmp_path / "again")
    assert {m.description for m in survivors if m.id in killed} == {"`>` -> `>=`", "`2.5` -> `3.5`"}
