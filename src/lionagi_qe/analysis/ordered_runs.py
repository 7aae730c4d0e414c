"""Run chosen tests of the target in a chosen order, or each alone, in one pytest process (no coverage).

    runner = OrderedRunner(project, settings, work_dir)
    run = runner.run("original")                          # pytest's own order, the whole suite
    run.order, run.outcomes                               # ['tests/test_a.py::test_x', ...], {nodeid: 'passed'}
    run = runner.run("shuffled", order=shuffled, seed=7)  # exactly these tests, in this order
    run = runner.run("alone", order=tests, isolate=True)  # each test in its own forked process
    runner.run_all([RunRequest("original"), RunRequest("shuffled", tuple(shuffled), seed=7)])   # one by one

Used by the flaky-test hunter, which asks for its runs in batches
(`RunsOrders`): `OrderedRunner` makes them here one after another; the
distributed hunter sends them to workers (`RunRequest` and `OrderedRun`
travel as JSON). The target's interpreter runs pytest with the
`aqe_pytest_probe` plugin (outcomes, per-test timeout) and `aqe_flaky_probe`
(order, isolation); failing tests are reported, never raised.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lionagi_qe.analysis.probes import FLAKY_PLUGIN, PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import FAILING, KILL_GRACE, RunSettings, probe_environment
from lionagi_qe.errors import TargetProjectError

SUITE_SIZE_GUESS = 100
"""Tests assumed in a whole-suite run when bounding its time (each may take the per-test timeout)."""
NEUTRAL = ("skipped", "xfailed", "xpassed")
"""Outcomes that say nothing about flakiness."""


@dataclass
class OrderedRun:
    """One pytest process: what it ran, in which order, and each test's outcome."""

    kind: str
    order: list[str]
    outcomes: dict[str, str]
    messages: dict[str, str]
    duration_s: float
    seed: int | None = None
    notes: list[str] = field(default_factory=list)

    def failed(self, nodeid: str) -> bool:
        """Whether `nodeid` failed, errored or timed out in this run."""
        return self.outcomes.get(nodeid) in FAILING

    def passed(self, nodeid: str) -> bool:
        """Whether `nodeid` passed in this run."""
        return self.outcomes.get(nodeid) == "passed"

    def summary(self) -> dict[str, object]:
        """JSON-ready: kind, seed, how many tests ran and failed, seconds."""
        failures = sorted(n for n in self.outcomes if self.failed(n))
        return {
            "kind": self.kind, "seed": self.seed, "tests": len(self.outcomes),
            "failed": failures, "duration_s": self.duration_s,
        }

    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-ready (`from_json` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderedRun:
        """The run `to_json` gave."""
        return cls(**data)


@dataclass(frozen=True)
class RunRequest:
    """One run to make, as `OrderedRunner.run` takes it: None as the order runs the whole suite."""

    kind: str
    order: tuple[str, ...] | None = None
    seed: int | None = None
    isolate: bool = False
    leave_out: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (`from_json` reads it back)."""
        return {
            "kind": self.kind, "order": None if self.order is None else list(self.order), "seed": self.seed,
            "isolate": self.isolate, "leave_out": list(self.leave_out),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRequest:
        """The request `to_json` gave."""
        order = data["order"]
        return cls(
            data["kind"], None if order is None else tuple(order), seed=data["seed"], isolate=data["isolate"],
            leave_out=tuple(data["leave_out"]),
        )


class RunsOrders(Protocol):
    """What makes a hunt's runs: a batch at a time, results in the batch's order."""

    at_once: int
    """Runs it makes at the same time (1: one after another); more lets the hunt send independent work together."""

    def run_all(self, requests: Sequence[RunRequest]) -> list[OrderedRun]:
        """Make every run of `requests`; the runs in the same order."""
        ...


class OrderedRunner:
    """Runs tests of one project in chosen orders, here, one run after another; counts the pytest processes."""

    at_once = 1

    def __init__(self, project: TargetProject, settings: RunSettings, work_dir: Path) -> None:
        self.project = project
        self.settings = settings
        self.work_dir = work_dir
        self.processes = 0
        work_dir.mkdir(parents=True, exist_ok=True)

    def run(
        self,
        kind: str,
        order: Sequence[str] | None = None,
        *,
        seed: int | None = None,
        isolate: bool = False,
        leave_out: Sequence[str] = (),
    ) -> OrderedRun:
        """Run `order` (None: the whole suite in pytest's order, less `leave_out`); see the module docstring."""
        self.processes += 1
        tag = f"{self.processes:04d}-{kind}"
        events = self.work_dir / f"events-{tag}.jsonl"
        env = {"AQE_PROBE_EVENTS": str(events), "AQE_PROBE_TIMEOUT": str(self.settings.test_timeout)}
        args = list(self.settings.pytest_args)
        if order is not None:
            order_file = self.work_dir / f"order-{tag}.txt"
            order_file.write_text("".join(f"{nodeid}\n" for nodeid in order), encoding="utf-8")
            env["AQE_FLAKY_ORDER"] = str(order_file)
            args += list(dict.fromkeys(nodeid.split("::")[0] for nodeid in order))
        if leave_out:
            deselect = self.work_dir / f"leave-out-{tag}.txt"
            deselect.write_text("".join(f"{nodeid}\n" for nodeid in leave_out), encoding="utf-8")
            env["AQE_PROBE_DESELECT"] = str(deselect)
        if isolate:
            env["AQE_FLAKY_ISOLATE"] = "1"
        command = [
            str(self.settings.python), "-m", "pytest", "-p", PYTEST_PLUGIN, "-p", FLAKY_PLUGIN,
            "-p", "no:randomly", "-p", "no:cacheprovider", *args,
        ]
        count = len(order) if order is not None else SUITE_SIZE_GUESS
        limit = (self.settings.test_timeout + KILL_GRACE) * count + 60 if self.settings.test_timeout > 0 else None
        started = time.perf_counter()
        notes = []
        with (self.work_dir / f"pytest-{tag}.log").open("wb") as log:
            try:
                subprocess.run(
                    command, cwd=self.project.root, env=probe_environment(self.project, env),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=limit, check=False,
                )
            except subprocess.TimeoutExpired:
                notes.append(f"the {kind} run took longer than {limit:g}s and was stopped; its results are partial")
            except OSError as exc:
                raise TargetProjectError(f"cannot start {self.settings.python}: {exc}; check --python/--venv") from None
        ran, outcomes, messages = _read_events(events)
        return OrderedRun(
            kind, ran, outcomes, messages, round(time.perf_counter() - started, 3), seed=seed, notes=notes
        )

    def run_all(self, requests: Sequence[RunRequest]) -> list[OrderedRun]:
        """Make each run of `requests` in turn (`RunsOrders`)."""
        return [
            self.run(r.kind, r.order, seed=r.seed, isolate=r.isolate, leave_out=r.leave_out) for r in requests
        ]


def _read_events(path: Path) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """(node ids in the order they ran, outcome per node id, failure message per node id)."""
    order: list[str] = []
    outcomes: dict[str, str] = {}
    messages: dict[str, str] = {}
    if not path.exists():
        return order, outcomes, messages
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        if event["e"] == "start":
            order.append(event["nodeid"])
        elif event["e"] == "test":
            outcomes[event["nodeid"]] = event["outcome"]
            if event["message"]:
                messages[event["nodeid"]] = event["message"]
    return order, outcomes, messages
