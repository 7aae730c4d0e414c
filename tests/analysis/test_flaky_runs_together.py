"""A hunt whose runner makes several runs at once finds what the one-at-a-time hunt finds, budget cuts included.

`shared_budget.run_together` on small procedures against the plain one-after-another loop, then whole hunts
on a project with two order-dependent tests, with a runner that makes each batch's runs in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis.flaky_hunter import HuntOptions, hunt_flaky
from lionagi_qe.analysis.interpreter import resolve_interpreter
from lionagi_qe.analysis.ordered_runs import OrderedRun, OrderedRunner, RunRequest
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.shared_budget import run_together
from lionagi_qe.analysis.test_runner import RunSettings

SETTINGS = RunSettings(python=resolve_interpreter(), test_timeout=30)

Walk = Generator[tuple[str, int], str | None, tuple[str, tuple[str, ...]]]


def walk(name: str, length: int) -> Walk:
    """Asks for up to `length` runs, stopping at a 'stop'; returns what it was given ('-' for no run)."""
    given: list[str] = []
    for step in range(length):
        run = yield (name, step)
        given.append("-" if run is None else run)
        if run == "stop":
            break
    return name, tuple(given)


def make_run(request: tuple[str, int]) -> str:
    name, step = request
    return "stop" if (len(name) + step) % 4 == 3 else f"{name}{step}"


def one_after_another(starts: Sequence[Callable[[], Walk]], budget: int) -> tuple[list[Any], list[tuple[str, int]]]:
    """The reference: each procedure to its end before the next, a run while the budget lasts, else None."""
    results, made = [], []
    for start in starts:
        procedure = start()
        try:
            request = next(procedure)
            while True:
                run = None
                if len(made) < budget:
                    made.append(request)
                    run = make_run(request)
                request = procedure.send(run)
        except StopIteration as stop:
            results.append(stop.value)
    return results, made


class Batches:
    """`make_run` for each request of a batch; keeps the batches it was given."""

    def __init__(self, batches: list[list[tuple[str, int]]]) -> None:
        self.batches = batches

    def __call__(self, requests: list[tuple[str, int]]) -> list[str]:
        self.batches.append(requests)
        return [make_run(request) for request in requests]


STARTS = [lambda: walk("a", 2), lambda: walk("bb", 5), lambda: walk("c", 1), lambda: walk("dddd", 4)]


@pytest.mark.parametrize("budget", range(11))
def test_run_together_gives_the_one_after_another_results_whatever_the_batch(budget: int) -> None:
    expected, made = one_after_another(STARTS, budget)
    for at_once in (1, 2, 3, 8):
        batches: list[list[tuple[str, int]]] = []
        results, used = run_together(STARTS, Batches(batches), at_once=at_once, budget=budget)
        assert (results, used) == (expected, len(made)), f"at_once={at_once}"
        assert all(len(batch) <= at_once for batch in batches)
        if at_once == 1:
            assert [batch[0] for batch in batches] == made       # the same runs in the same order, none more
    assert any("-" in given for _, given in expected) == (budget < 9)   # 9 requests: fewer runs cut walks short


def _two_victims(root: Path) -> TargetProject:
    files = {"src/state/__init__.py": "A = []\nB = []\n"}
    for name in "ab":
        files[f"tests/test_a_{name}.py"] = f"""
            from state import {name.upper()}


            def test_{name}_starts_empty():
                assert {name.upper()} == []
        """
        files[f"tests/test_z_{name}.py"] = f"""
            from state import {name.upper()}


            def test_z_{name}_one():
                assert True


            def test_z_{name}_fills():
                {name.upper()}.append(1)


            def test_z_{name}_two():
                assert True
        """
    return inspect_project(write_project(root, files))


class ParallelRunner:
    """Makes each batch's runs at the same time, each by a runner of its own (as workers would)."""

    def __init__(self, project: TargetProject, work_dir: Path, at_once: int) -> None:
        self.project = project
        self.work_dir = work_dir
        self.at_once = at_once
        self.made = 0

    def run_all(self, requests: Sequence[RunRequest]) -> list[OrderedRun]:
        first = self.made
        self.made += len(requests)

        def one(index: int) -> OrderedRun:
            runner = OrderedRunner(self.project, SETTINGS, self.work_dir / f"run-{first + index}")
            return runner.run_all([requests[index]])[0]

        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(one, range(len(requests))))


def _without_times(hunt: Any) -> dict[str, Any]:
    found = hunt.to_dict()
    found.pop("duration_s")
    for run in found["runs"]:
        run.pop("duration_s")
    return found


def test_runs_made_side_by_side_find_what_runs_one_by_one_find_when_the_budget_runs_out(tmp_path: Path) -> None:
    project = _two_victims(tmp_path / "p")
    first = dict.fromkeys(OrderedRunner(project, SETTINGS, tmp_path / "collect").run("original").outcomes, "passed")
    options = HuntOptions(reruns=1, orders=2, seed=3, max_bisect_runs=5)
    one_by_one = OrderedRunner(project, SETTINGS, tmp_path / "one-by-one")
    alone = hunt_flaky(project, SETTINGS, tmp_path / "unused", first, options, one_by_one)
    parallel = ParallelRunner(project, tmp_path / "parallel", at_once=4)
    together = hunt_flaky(project, SETTINGS, tmp_path / "unused", first, options, parallel)

    assert [(o.victim, o.culprit) for o in alone.order_dependent] == [
        ("tests/test_a_a.py::test_a_starts_empty", "tests/test_z_a.py::test_z_a_fills"),   # replay + 3 steps
        ("tests/test_a_b.py::test_b_starts_empty", None),               # replayed with the last run, no bisection
    ]
    assert alone.processes == one_by_one.processes == 4 + 5          # reruns, orders, isolation; the budget
    assert _without_times(together) == _without_times(alone)
    assert parallel.made > together.processes, "the second victim's steps ran ahead and were not all used"
