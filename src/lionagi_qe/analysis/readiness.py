"""One go/no-go for deploying, over every verdict a run has: gate, flaky tests, mutation score,
security, API breaks, performance regressions.

    decision = decide_readiness(ReadinessInputs(gate_passed=True, high_findings=1), ReadinessThresholds())
    decision.go          # False
    decision.reasons     # ['quality gate passed', 'security: 1 high-severity finding(s) (0 allowed)', ...]
    decision.checks      # [{'name': 'security', 'passed': False, 'value': 1, 'threshold': 0, 'reason': ...}]

Each input is None when its agent did not run (or stored nothing): that
verdict is named as not measured and does not block. A run with no verdict
at all is a no-go (nothing says it is ready).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReadinessThresholds:
    """What may still go out: flaky tests, high-severity findings, mutation score, API breaks, slowdowns."""

    max_flaky: int = 0
    max_high_severity: int = 0
    min_mutation_score: float = 60.0
    max_breaking_changes: int = 0
    max_slowdowns: int = 0


@dataclass(frozen=True)
class ReadinessInputs:
    """The verdicts of one run (None: not measured)."""

    gate_passed: bool | None = None
    gate_reasons: tuple[str, ...] = ()
    flaky: int | None = None
    high_findings: int | None = None
    mutation_score: float | None = None
    breaking_changes: int | None = None
    slowdowns: int | None = None


@dataclass
class Readiness:
    """The decision and, per verdict, why."""

    go: bool
    reasons: list[str]
    checks: list[dict[str, Any]] = field(default_factory=list)


def decide_readiness(inputs: ReadinessInputs, limits: ReadinessThresholds) -> Readiness:
    """Go when every measured verdict is within its threshold; see the module docstring."""
    checks = [
        _gate(inputs),
        _at_most("flaky", inputs.flaky, limits.max_flaky, "flaky or order-dependent test(s)"),
        _at_most("security", inputs.high_findings, limits.max_high_severity, "high-severity finding(s)"),
        _mutation(inputs.mutation_score, limits.min_mutation_score),
        _at_most("api_contract", inputs.breaking_changes, limits.max_breaking_changes, "breaking API change(s)"),
        _at_most("performance", inputs.slowdowns, limits.max_slowdowns, "test(s) slower than before"),
    ]
    measured = [c for c in checks if c["passed"] is not None]
    go = bool(measured) and all(c["passed"] for c in measured)
    reasons = [c["reason"] for c in checks]
    if not measured:
        reasons.insert(0, "no verdict in memory for this run: nothing says it is ready")
    return Readiness(go=go, reasons=reasons, checks=checks)


def _check(name: str, passed: bool | None, value: Any, threshold: Any, reason: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "value": value, "threshold": threshold, "reason": reason}


def _gate(inputs: ReadinessInputs) -> dict[str, Any]:
    if inputs.gate_passed is None:
        return _check("gate", None, None, None, "quality gate: not measured")
    if inputs.gate_passed:
        return _check("gate", True, True, True, "quality gate passed")
    failed = "; ".join(inputs.gate_reasons) or "no reason given"
    return _check("gate", False, False, True, f"quality gate failed: {failed}")


def _at_most(name: str, value: int | None, allowed: int, what: str) -> dict[str, Any]:
    if value is None:
        return _check(name, None, None, allowed, f"{name}: not measured")
    passed = value <= allowed
    return _check(name, passed, value, allowed, f"{name}: {value} {what} ({allowed} allowed)")


def _mutation(score: float | None, least: float) -> dict[str, Any]:
    if score is None:
        return _check("mutation", None, None, least, "mutation: not measured")
    passed = score >= least
    sign = ">=" if passed else "<"
    return _check("mutation", passed, score, least, f"mutation: score {score:.1f}% {sign} {least:g}%")
