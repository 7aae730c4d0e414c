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

Replays and bisection steps share one budget (`max_bisect_runs`), spent on
the suspects in suite order. A runner that makes several runs at once
(`RunsOrders.at_once`, the distributed hunter's workers) gets the
independent runs together and the suspects' steps side by side
(`shared_budget.run_together`), with the findings of one run after another.

No model, no memory: plain inputs and a JSON-ready result.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.ordered_runs import NEUTRAL, OrderedRun, OrderedRunner, RunRequest, RunsOrders
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.shared_budget import Procedure, run_together
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
    runner: RunsOrders | None = None,
) -> FlakyHunt:
    """Rerun, shuffle, isolate and classify; `first_run` is the executor's {nodeid: outcome}.

    `runner` makes the runs (default: an `OrderedRunner` here, one after another). The hunt asks it for
    the first rerun, then for every other rerun, random order and the isolated run at once, then for the
    suspects' replays and bisection steps, up to `runner.at_once` at a time; the findings are the same
    whatever the runner, for the same outcomes.
    """
    started = time.perf_counter()
    runner = runner or OrderedRunner(project, settings, work_dir)
    hung = sorted(n for n, outcome in first_run.items() if outcome == "timeout")
    notes = [f"left out {len(hung)} test(s) that timed out in the suite's run"] if hung else []
    executor = OrderedRun("executor", [], {n: "failed" if o == "flaky" else o for n, o in first_run.items()}, {}, 0.0)
    again = RunRequest("original", leave_out=tuple(hung))
    first = runner.run_all([again])
    order = [n for n in first[0].order if n not in hung]
    executor.order = order
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    seeds = [seed + i for i in range(options.orders)]
    reruns = max(1, options.reruns)
    later = runner.run_all([
        *[again] * (reruns - 1),
        *(RunRequest("shuffled", tuple(shuffled(order, s)), seed=s) for s in seeds),
        RunRequest("alone", tuple(order), isolate=True),
    ])
    same_order = [executor, *first, *later[: reruns - 1]]
    orders, alone = later[reruns - 1 : -1], later[-1]
    runs = [*same_order, *orders, alone]
    suspects = _suspects(order, runs)[:MAX_SUSPECTS]
    findings, bisections = run_together(
        [partial(_classify, nodeid, same_order, orders, alone) for nodeid in suspects],
        runner.run_all, at_once=runner.at_once, budget=options.max_bisect_runs,
    )
    for run in runs:
        notes += run.notes
    return FlakyHunt(
        flaky=[f for f in findings if isinstance(f, Nondeterministic)],
        order_dependent=[f for f in findings if isinstance(f, OrderDependent)],
        runs=runs,
        seeds=seeds,
        observed=_observed(order, runs),
        processes=len(runs) - 1 + bisections,
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


def _classify(
    nodeid: str, same_order: Sequence[OrderedRun], orders: Sequence[OrderedRun], alone: OrderedRun
) -> Procedure[RunRequest, OrderedRun, OrderDependent | Nondeterministic]:
    """`nodeid` as order-dependent (victim or brittle) or nondeterministic; yields its replays and bisection."""
    mixed_in_one_order = any(r.failed(nodeid) for r in same_order) and any(r.passed(nodeid) for r in same_order)
    if not mixed_in_one_order:
        ordered = [*same_order[1:], *orders]
        brittle = alone.failed(nodeid)
        found = yield from _order_dependence(nodeid, ordered, want_failure=not brittle)
        if found is not None:
            if brittle:
                found.message = alone.messages.get(nodeid, "")
            return found
    counted = [r for r in [*same_order, *orders, alone] if r.outcomes.get(nodeid, "skipped") not in NEUTRAL]
    message = next((r.messages[nodeid] for r in counted if nodeid in r.messages), "")
    return Nondeterministic(nodeid, sum(r.failed(nodeid) for r in counted), len(counted), message)


def _order_dependence(
    nodeid: str, runs: Sequence[OrderedRun], *, want_failure: bool
) -> Procedure[RunRequest, OrderedRun, OrderDependent | None]:
    """A run where `nodeid` failed (victim) or passed (brittle) after other tests, replayed, then bisected."""
    context = next(
        (r for r in runs if (r.failed(nodeid) if want_failure else r.passed(nodeid)) and _before(r, nodeid)), None
    )
    if context is None:
        return None
    before = _before(context, nodeid)
    if not (yield from _shows(before, nodeid, want_failure=want_failure)):
        return None
    culprit = yield from _culprit(before, nodeid, want_failure=want_failure)
    kind = "victim" if want_failure else "brittle"
    return OrderDependent(nodeid, kind, culprit, context.seed, context.messages.get(nodeid, ""))


def _shows(
    before: Sequence[str], victim: str, *, want_failure: bool
) -> Procedure[RunRequest, OrderedRun, bool]:
    """Run `before` then `victim`: did the victim fail (or pass, for a brittle test)? No run left: no."""
    run = yield RunRequest("bisect", (*before, victim))
    if run is None:
        return False
    return run.failed(victim) if want_failure else run.passed(victim)


def _culprit(
    before: Sequence[str], victim: str, *, want_failure: bool
) -> Procedure[RunRequest, OrderedRun, str | None]:
    """The one test of `before` that alone, run before `victim`, gives the effect; None if none does alone."""
    candidates = list(before)
    while len(candidates) > 1:
        half = len(candidates) // 2
        nearer, farther = candidates[half:], candidates[:half]
        if (yield from _shows(nearer, victim, want_failure=want_failure)):
            candidates = nearer
        elif (yield from _shows(farther, victim, want_failure=want_failure)):
            candidates = farther
        else:
            return None
    return candidates[0] if candidates else None


def _before(run: OrderedRun, nodeid: str) -> list[str]:
    """The tests that ran before `nodeid` in `run`."""
    return run.order[: run.order.index(nodeid)] if nodeid in run.order else []
