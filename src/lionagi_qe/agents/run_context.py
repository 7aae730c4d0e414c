"""`RunContext`: every key the fleet's agents read from a task's context, each with its one default.

    ctx = RunContext.of(task.context)        # unknown keys ignored, None means "the default"
    ctx.coverage_threshold, ctx.max_gaps     # 80.0, 5 unless the context says otherwise

The defaults live here (the gate's and the suite's come from their
engines); `lionagi_qe.fleet.RunOptions` and the `aqe run` options take
theirs from this class. docs/fleet.md lists the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from lionagi_qe.analysis.flaky_hunter import HuntOptions
from lionagi_qe.analysis.offline_generator import DEFAULT_BUDGET
from lionagi_qe.analysis.performance import SlowdownRule
from lionagi_qe.analysis.quality_gate import Thresholds
from lionagi_qe.analysis.readiness import ReadinessThresholds
from lionagi_qe.analysis.test_runner import DEFAULT_TEST_TIMEOUT
from lionagi_qe.analysis.workspace import DEFAULT_KEEP_RUNS

_GATE = Thresholds()
_HUNT = HuntOptions()
_SLOWDOWN = SlowdownRule()
_READY = ReadinessThresholds()


def _text(value: Any) -> str:
    return str(value)


def _args(value: Any) -> tuple[str, ...]:
    return tuple(str(arg) for arg in value)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "str": _text, "str | None": _text, "float": float, "int": int, "bool": bool, "tuple[str, ...]": _args,
    "int | None": int,
    "float | None": float,
}


@dataclass(frozen=True)
class RunContext:
    """The inputs of one fleet run, as the agents read them."""

    code_path: str = "."
    run_id: str | None = None
    python: str | None = None
    venv: str | None = None
    test_timeout: float = DEFAULT_TEST_TIMEOUT
    pytest_args: tuple[str, ...] = ()
    work_dir: str | None = None
    generate: bool = True
    max_gaps: int = 5
    output_dir: str | None = None
    llm_timeout: float = 60.0
    budget: float = DEFAULT_BUDGET
    """Seconds the test generator may spend (its offline search stops in time to verify within it)."""
    coverage_threshold: float | None = None
    """None: the project's coverage `fail_under` if it sets one, else the gate's default (80)."""
    max_failures: int = _GATE.max_failures
    max_flaky: int = _GATE.max_flaky
    wait_timeout: float = 30.0
    """Seconds the quality gate waits for the coverage report of an analyzer running alongside."""
    llm_attempts: int = 3
    """Replies the model may give per gap, each after feedback on the one before (failures, lines missed)."""
    llm_concurrency: int = 4
    """Gaps the model works on at once."""
    flaky_reruns: int = _HUNT.reruns
    """flaky-test-hunter: runs of the suite in its own order (at least 1)."""
    flaky_orders: int = _HUNT.orders
    """flaky-test-hunter: runs in random orders (seeds flaky_seed, flaky_seed + 1, ...)."""
    flaky_seed: int | None = None
    """flaky-test-hunter: first seed of the random orders (default: a new one, recorded)."""
    max_high_severity: int = _READY.max_high_severity
    """security-scanner and deployment-readiness: high-severity findings allowed."""
    slowdown_ratio: float = _SLOWDOWN.ratio
    """performance-tester: a test has slowed when over this x its baseline ..."""
    slowdown_floor: float = _SLOWDOWN.floor
    """... and over its baseline + this many seconds."""
    slowdown_window: int = _SLOWDOWN.window
    """performance-tester: earlier runs whose median duration is a test's baseline."""
    max_slowdowns: int = _READY.max_slowdowns
    """deployment-readiness: tests slower than before allowed."""
    min_mutation_score: float = _READY.min_mutation_score
    """deployment-readiness: least mutation score in percent (when mutation-tester ran)."""
    max_breaking_changes: int = _READY.max_breaking_changes
    """deployment-readiness: breaking API changes allowed (when api-contract-validator ran)."""
    source: tuple[str, ...] = ()
    """What to measure (`aqe run --source`): packages, modules or folders; () leaves it to the project or aqe."""
    diff: str | None = None
    """A git ref: the diff-aware work (diff coverage, regression risk, API contract) compares with it."""
    diff_threshold: float | None = None
    """Gate: least coverage of the changed lines in percent (None: the coverage threshold)."""
    only_impacted: bool = False
    """With `diff`: run only the tests that exercise the changed functions (per-test map of an earlier run)."""
    max_mutants: int = 300
    """mutation-tester: at most this many mutants (spread evenly over the covered code)."""
    keep_runs: int = DEFAULT_KEEP_RUNS
    """Run folders kept under <root>/.aqe/runs (the newest; 0 keeps every one)."""
    gap_ids: tuple[str, ...] = ()
    """The test generator works on these gaps only (ids as the coverage-analyzer gives them), not the riskiest."""
    distributed: bool = False
    """Run the heavy work on `aqe worker` processes: the suite as test-file shards, generated tests' verification
    and confirmation, mutant batches (in-process jobs outside production mode)."""
    from_git: str | None = None
    """URL@COMMIT that workers check out, instead of seeing the project at the same path."""
    shards: int = 0
    """Shards of a distributed run (0: twice the live workers, at most one per test file)."""
    worker_wait: float = 60.0
    """Seconds a distributed run waits with no live worker before it gives up."""

    @classmethod
    def of(cls, context: Mapping[str, Any]) -> RunContext:
        """Read the known keys of a task context (JSON values), converted to their field's type."""
        values = {
            f.name: _CONVERT[str(f.type)](context[f.name])
            for f in fields(cls)
            if context.get(f.name) is not None
        }
        return cls(**values)

    def hunt_options(self) -> HuntOptions:
        """How the flaky-test hunter looks."""
        return HuntOptions(reruns=max(1, self.flaky_reruns), orders=max(0, self.flaky_orders), seed=self.flaky_seed)

    def slowdown_rule(self) -> SlowdownRule:
        """When the performance tester calls a test slower than before."""
        return SlowdownRule(ratio=self.slowdown_ratio, floor=self.slowdown_floor, window=max(1, self.slowdown_window))

    def readiness_thresholds(self) -> ReadinessThresholds:
        """What deployment-readiness lets through."""
        return ReadinessThresholds(
            max_flaky=self.max_flaky,
            max_high_severity=self.max_high_severity,
            min_mutation_score=self.min_mutation_score,
            max_breaking_changes=self.max_breaking_changes,
            max_slowdowns=self.max_slowdowns,
        )

    def thresholds(self, fail_under: float | None = None) -> Thresholds:
        """The gate's thresholds (validated: a bad value raises `ConfigurationError`).

        The coverage threshold is `coverage_threshold` if set, else the project's `fail_under`, else 80;
        with `diff`, the changed lines' threshold is `diff_threshold`, else the coverage threshold.
        """
        coverage = self.coverage_threshold if self.coverage_threshold is not None else fail_under
        minimum = _GATE.min_coverage if coverage is None else coverage
        diff = (minimum if self.diff_threshold is None else self.diff_threshold) if self.diff else None
        return Thresholds(minimum, self.max_failures, self.max_flaky, min_diff_coverage=diff)
