"""Find tests whose outcome depends on the order they run in, or on chance (as iDFlakies does).

    hunt = hunt_flaky(project, settings, work_dir, executor_outcomes, HuntOptions(reruns=3, orders=3, seed=7))
    hunt.order_dependent[0].to_dict()   # {'victim': 'tests/test_b.py::test_reads', 'kind': 'victim',
                                        #  'polluter': 'tests/test_a.py::test_writes', 'seed': 8, ...}
    hunt.flaky[0].to_dict()             # {'nodeid': ..., 'failure_rate': 0.4, 'failures': 2, 'runs': 5, ...}

The suite runs again in its own order (`reruns` times), in `orders` random
orders (files shuffled, then the tests within each file; seeds `seed`,
`seed + 1`, ... recorded), and each test alone (forked after collection).
A test with both passes and failures is then classified:

- nondeterministic: it passed and failed in the same order, or a replay of
  the order it failed in passes; reported with its observed failure rate;
- order-dependent *victim*: it passes alone but fails after some tests, and
  replaying that order fails again; its *polluter* is found by bisecting the
  tests that ran before it (each step runs half of them, then the victim);
- order-dependent *brittle*: it fails alone but passes after some tests; its
  *state setter* is found the same way.

No model, no memory: plain inputs and a JSON-ready result.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.ordered_runs import NEUTRAL, OrderedRun, OrderedRunner
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings

MAX_SUSPECTS = 10
"""Tests with mixed outcomes investigated per hunt (replay and bisection), the first ones in suite order."""


@dataclass(frozen=True)
class HuntOptions:
    """How hard to look: reruns in the suite's order, random orders, first seed, bisection budget."""

    reruns: int = 3
    orders: int = 3
    seed: int | None = None
    max_bisect_runs: int = 40


@dataclass
class OrderDependent:
    """A test that fails (victim) or passes (brittle) only after another test: its culprit, if one alone is."""

    victim: str
    kind: str
    culprit: str | None
    seed: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the culprit is named 'polluter' for a victim and 'state_setter' for a brittle test."""
        role = "polluter" if self.kind == "victim" else "state_setter"
        tests = [self.culprit, self.victim] if self.culprit else [self.victim]
        return {
            "victim": self.victim, "kind": self.kind, role: self.culprit, "seed": self.seed,
            "message": self.message, "reproduce": "pytest -p no:randomly " + " ".join(tests),
        }


@dataclass
class Nondeterministic:
    """A test that passed and failed without a change of order: how often it failed."""

    nodeid: str
    failures: int
    runs: int
    message: str

    @property
    def failure_rate(self) -> float:
        """Failures per run, observed in this hunt."""
        return round(self.failures / self.runs, 3)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the failure rate."""
        return {
            "nodeid": self.nodeid, "failure_rate": self.failure_rate, "failures": self.failures,
            "runs": self.runs, "message": self.message,
        }


@dataclass
class FlakyHunt:
    """What a hunt found, the runs it made and, per test, how often it ran and failed."""

    flaky: list[Nondeterministic]
    order_dependent: list[OrderDependent]
    runs: list[OrderedRun]
    seeds: list[int]
    observed: dict[str, dict[str, int]]
    processes: int
    duration_s: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "flaky": [f.to_dict() for f in self.flaky],
            "order_dependent": [o.to_dict() for o in self.order_dependent],
            "runs": [r.summary() for r in self.runs],
            "seeds": self.seeds,
            "observed": self.observed,
            "processes": self.processes,
            "duration_s": self.duration_s,
            "notes": self.notes,
        }


def shuffled(order: Sequence[str], seed: int) -> list[str]:
    """`order` with its files shuffled, then the tests within each file (the same seed gives the same order)."""
    rng = random.Random(seed)
    files: dict[str, list[str]] = {}
    for nodeid in order:
        files.setdefault(nodeid.split("::")[0], []).append(nodeid)
    groups = list(files.values())
    rng.shuffle(groups)
    result: list[str] = []
    for group in groups:
        tests = list(group)
        rng.shuffle(tests)
        result += tests
    return result


def hunt_flaky(
    project: TargetProject,
    settings: RunSettings,
    work_dir: Path,
    first_run: Mapping[str, str],
    options: HuntOptions,
) -> FlakyHunt:
    """Rerun, shuffle, isolate and classify; `first_run` is the executor's {nodeid: outcome}."""
    started = time.perf_counter()
    runner = OrderedRunner(project, settings, work_dir)
    hung = sorted(n for n, outcome in first_run.items() if outcome == "timeout")
    notes = [f"left out {len(hung)} test(s) that timed out in the suite's run"] if hung else []
    executor = OrderedRun("executor", [], {n: "failed" if o == "flaky" else o for n, o in first_run.items()}, {}, 0.0)
    reruns = [runner.run("original", leave_out=hung) for _ in range(max(1, options.reruns))]
    order = [n for n in reruns[0].order if n not in hung]
    executor.order = order
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    seeds = [seed + i for i in range(options.orders)]
    orders = [runner.run("shuffled", shuffled(order, s), seed=s) for s in seeds]
    alone = runner.run("alone", order, isolate=True)
    runs = [executor, *reruns, *orders, alone]
    judge = _Judge(runner, options.max_bisect_runs)
    for nodeid in _suspects(order, runs)[:MAX_SUSPECTS]:
        judge.classify(nodeid, [executor, *reruns], orders, alone)
    for run in runs:
        notes += run.notes
    return FlakyHunt(
        flaky=judge.flaky,
        order_dependent=judge.order_dependent,
        runs=runs,
        seeds=seeds,
        observed=_observed(order, runs),
        processes=runner.processes,
        duration_s=round(time.perf_counter() - started, 3),
        notes=notes,
    )


def _suspects(order: Sequence[str], runs: Sequence[OrderedRun]) -> list[str]:
    """Tests that both passed and failed across the runs, in suite order."""
    return [n for n in order if any(r.failed(n) for r in runs) and any(r.passed(n) for r in runs)]


def _observed(order: Sequence[str], runs: Sequence[OrderedRun]) -> dict[str, dict[str, int]]:
    """{nodeid: {'runs': n, 'failures': f}} over the runs where the test passed or failed."""
    observed = {}
    for nodeid in order:
        counted = [r for r in runs if nodeid in r.outcomes and r.outcomes[nodeid] not in NEUTRAL]
        observed[nodeid] = {"runs": len(counted), "failures": sum(r.failed(nodeid) for r in counted)}
    return observed


class _Judge:
    """Classifies suspects, replaying orders and bisecting within a budget of pytest processes."""

    def __init__(self, runner: OrderedRunner, budget: int) -> None:
        self.runner = runner
        self.budget = budget
        self.flaky: list[Nondeterministic] = []
        self.order_dependent: list[OrderDependent] = []

    def classify(
        self, nodeid: str, same_order: Sequence[OrderedRun], orders: Sequence[OrderedRun], alone: OrderedRun
    ) -> None:
        """Record `nodeid` as order-dependent (victim or brittle) or nondeterministic."""
        mixed_in_one_order = any(r.failed(nodeid) for r in same_order) and any(r.passed(nodeid) for r in same_order)
        if not mixed_in_one_order:
            ordered = [*same_order[1:], *orders]
            brittle = alone.failed(nodeid)
            found = self._order_dependence(nodeid, ordered, want_failure=not brittle)
            if found is not None:
                if brittle:
                    found.message = alone.messages.get(nodeid, "")
                self.order_dependent.append(found)
                return
        counted = [r for r in [*same_order, *orders, alone] if r.outcomes.get(nodeid, "skipped") not in NEUTRAL]
        message = next((r.messages[nodeid] for r in counted if nodeid in r.messages), "")
        self.flaky.append(Nondeterministic(nodeid, sum(r.failed(nodeid) for r in counted), len(counted), message))

    def _order_dependence(
        self, nodeid: str, runs: Sequence[OrderedRun], *, want_failure: bool
    ) -> OrderDependent | None:
        """A run where `nodeid` failed (victim) or passed (brittle) after other tests, replayed, then bisected."""
        context = next(
            (r for r in runs if (r.failed(nodeid) if want_failure else r.passed(nodeid)) and _before(r, nodeid)), None
        )
        if context is None:
            return None
        before = _before(context, nodeid)
        if not self._shows(before, nodeid, want_failure=want_failure):
            return None
        culprit = self._culprit(before, nodeid, want_failure=want_failure)
        kind = "victim" if want_failure else "brittle"
        return OrderDependent(nodeid, kind, culprit, context.seed, context.messages.get(nodeid, ""))

    def _shows(self, before: Sequence[str], victim: str, *, want_failure: bool) -> bool:
        """Run `before` then `victim`: did the victim fail (or pass, for a brittle test)?"""
        if self.budget <= 0:
            return False
        self.budget -= 1
        run = self.runner.run("bisect", [*before, victim])
        return run.failed(victim) if want_failure else run.passed(victim)

    def _culprit(self, before: Sequence[str], victim: str, *, want_failure: bool) -> str | None:
        """The one test of `before` that alone, run before `victim`, gives the effect; None if none does alone."""
        candidates = list(before)
        while len(candidates) > 1:
            half = len(candidates) // 2
            nearer, farther = candidates[half:], candidates[:half]
            if self._shows(nearer, victim, want_failure=want_failure):
                candidates = nearer
            elif self._shows(farther, victim, want_failure=want_failure):
                candidates = farther
            else:
                return None
        return candidates[0] if candidates else None


def _before(run: OrderedRun, nodeid: str) -> list[str]:
    """The tests that ran before `nodeid` in `run`."""
    return run.order[: run.order.index(nodeid)] if nodeid in run.order else []
