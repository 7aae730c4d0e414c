"""The quality gate: thresholds in, a verdict with reasons out.

    verdict = evaluate_gate(GateInputs(coverage=81.2, tests=14, failures=0, flaky=0), Thresholds(min_coverage=80))
    verdict.passed, verdict.reasons
    # True, ['coverage 81.2% >= 80%', 'no failing tests (0 allowed)', 'no flaky tests (0 allowed)']

`coverage` is the suite's total coverage as `coverage report` prints it
(lines and branches together). Failures count failed, erroring and
timed-out tests; flaky tests failed once and passed when re-run.
Collection errors (test modules that cannot be imported) always fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lionagi_qe.errors import ConfigurationError


@dataclass(frozen=True)
class Thresholds:
    """What the gate demands; validated on creation."""

    min_coverage: float = 80.0
    max_failures: int = 0
    max_flaky: int = 0
    min_diff_coverage: float | None = None
    """Least coverage of the changed lines (`--diff`); None: not judged."""

    def __post_init__(self) -> None:
        if not 0 <= self.min_coverage <= 100:
            raise ConfigurationError(f"coverage threshold must be between 0 and 100, got {self.min_coverage!r}")
        if self.min_diff_coverage is not None and not 0 <= self.min_diff_coverage <= 100:
            raise ConfigurationError(
                f"diff coverage threshold must be between 0 and 100, got {self.min_diff_coverage!r}"
            )
        for name in ("max_failures", "max_flaky"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"{name} must be a whole number >= 0, got {value!r}")


@dataclass(frozen=True)
class GateInputs:
    """What was measured."""

    coverage: float
    tests: int
    failures: int = 0
    flaky: int = 0
    collection_errors: int = 0
    diff_coverage: float | None = None
    """Coverage of the changed lines, when measured (`--diff`)."""
    diff_statements: int = 0
    partial_run: bool = False
    """Only some tests ran (`--only-impacted`): the suite's total coverage is not judged."""


@dataclass
class GateVerdict:
    """passed, one reason per check, and the checks as data."""

    passed: bool
    reasons: list[str]
    checks: list[dict[str, Any]] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def evaluate_gate(inputs: GateInputs, thresholds: Thresholds) -> GateVerdict:
    """Apply every threshold; the gate passes only if every check does."""
    checks: list[tuple[str, bool, str, Any, Any]] = []
    ok = inputs.coverage >= thresholds.min_coverage
    relation = ">=" if ok else "<"
    text = f"coverage {inputs.coverage:.1f}% {relation} {thresholds.min_coverage:g}%"
    if inputs.partial_run:
        ok, text = True, f"coverage {inputs.coverage:.1f}% not judged: only the impacted tests ran"
    checks.append(("coverage", ok, text, inputs.coverage, thresholds.min_coverage))
    if thresholds.min_diff_coverage is not None and inputs.diff_coverage is not None:
        checks.append(_diff_check(inputs, thresholds.min_diff_coverage))
    ok = inputs.failures <= thresholds.max_failures
    text = f"{inputs.failures} failing test(s)" if inputs.failures else "no failing tests"
    text = f"{text} ({thresholds.max_failures} allowed)"
    checks.append(("failures", ok, text, inputs.failures, thresholds.max_failures))
    ok = inputs.flaky <= thresholds.max_flaky
    text = f"{inputs.flaky} flaky test(s)" if inputs.flaky else "no flaky tests"
    checks.append(("flaky", ok, f"{text} ({thresholds.max_flaky} allowed)", inputs.flaky, thresholds.max_flaky))
    if inputs.collection_errors:
        text = f"{inputs.collection_errors} test module(s) could not be collected"
        checks.append(("collection", False, text, inputs.collection_errors, 0))
    if inputs.tests == 0:
        checks.append(("tests", False, "no test ran", 0, 1))
    return GateVerdict(
        passed=all(check[1] for check in checks),
        reasons=[check[2] for check in checks],
        checks=[{"name": n, "passed": p, "value": v, "threshold": t} for n, p, _, v, t in checks],
        thresholds=asdict(thresholds),
    )


def _diff_check(inputs: GateInputs, threshold: float) -> tuple[str, bool, str, Any, Any]:
    """The check on the coverage of the changed lines (diff-cover's figure)."""
    value = inputs.diff_coverage if inputs.diff_coverage is not None else 100.0
    if inputs.diff_statements == 0:
        return ("diff_coverage", True, "no changed statements to cover", value, threshold)
    ok = value >= threshold
    relation = ">=" if ok else "<"
    text = f"diff coverage {value:.1f}% {relation} {threshold:g}% ({inputs.diff_statements} changed statements)"
    return ("diff_coverage", ok, text, value, threshold)
