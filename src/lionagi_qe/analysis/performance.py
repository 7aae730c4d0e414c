"""Per-test durations against earlier runs: the slowest tests, and the ones that slowed down.

    history = [("run-1", {"tests/test_a.py::test_x": 0.10}), ("run-2", {"tests/test_a.py::test_x": 0.12})]
    judged = judge_durations(current, history, SlowdownRule(ratio=1.5, floor=0.1, window=5))
    judged["slowest"][0]        # {'nodeid': ..., 'duration': 0.81}
    judged["regressions"][0]    # {'nodeid': ..., 'duration': 0.81, 'baseline': 0.11, 'ratio': 7.36,
                                #  'history': [{'run': 'run-1', 'duration': 0.10}, ...]}

`current` is the executor's tests (dicts with nodeid, outcome, duration).
Only passed tests are compared. A test's baseline is the median of its
durations in the last `window` earlier runs where it passed; it has
regressed when its duration is over both `ratio` x baseline and
baseline + `floor` seconds (so a 2 ms test taking 5 ms is not a regression).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SLOWEST = 10


@dataclass(frozen=True)
class SlowdownRule:
    """When a test has slowed: over `ratio` x baseline and over baseline + `floor` s; baseline over `window` runs."""

    ratio: float = 1.5
    floor: float = 0.1
    window: int = 5


History = Sequence[tuple[str, Mapping[str, float]]]
"""Earlier runs, oldest first: (run id, {nodeid: duration of a passing run})."""


def passed_durations(tests: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """{nodeid: duration} of the tests that passed."""
    return {t["nodeid"]: float(t["duration"]) for t in tests if t["outcome"] == "passed"}


def judge_durations(tests: Sequence[Mapping[str, Any]], history: History, rule: SlowdownRule) -> dict[str, Any]:
    """Slowest tests and regressions; see the module docstring."""
    current = passed_durations(tests)
    slowest = sorted(current.items(), key=lambda item: -item[1])[:SLOWEST]
    regressions: list[dict[str, Any]] = []
    for nodeid, duration in current.items():
        earlier = [(run, durations[nodeid]) for run, durations in history if nodeid in durations][-rule.window :]
        if not earlier:
            continue
        baseline = statistics.median(d for _, d in earlier)
        if duration > baseline * rule.ratio and duration > baseline + rule.floor:
            regressions.append({
                "nodeid": nodeid,
                "duration": round(duration, 4),
                "baseline": round(baseline, 4),
                "ratio": round(duration / baseline, 2) if baseline > 0 else None,
                "history": [{"run": run, "duration": round(d, 4)} for run, d in earlier],
            })
    regressions.sort(key=lambda r: -(r["duration"] - r["baseline"]))
    return {
        "slowest": [{"nodeid": n, "duration": round(d, 4)} for n, d in slowest],
        "regressions": regressions,
        "compared": sum(1 for n in current if any(n in durations for _, durations in history)),
        "history_runs": [run for run, _ in history][-rule.window :],
        "rule": {"ratio": rule.ratio, "floor": rule.floor, "window": rule.window},
    }
