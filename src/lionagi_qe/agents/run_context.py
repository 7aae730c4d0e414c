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

from lionagi_qe.analysis.offline_generator import DEFAULT_BUDGET
from lionagi_qe.analysis.quality_gate import Thresholds
from lionagi_qe.analysis.test_runner import DEFAULT_TEST_TIMEOUT

_GATE = Thresholds()


def _text(value: Any) -> str:
    return str(value)


def _args(value: Any) -> tuple[str, ...]:
    return tuple(str(arg) for arg in value)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "str": _text, "str | None": _text, "float": float, "int": int, "bool": bool, "tuple[str, ...]": _args,
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
    coverage_threshold: float = _GATE.min_coverage
    max_failures: int = _GATE.max_failures
    max_flaky: int = _GATE.max_flaky
    wait_timeout: float = 30.0
    """Seconds the quality gate waits for the coverage report of an analyzer running alongside."""

    @classmethod
    def of(cls, context: Mapping[str, Any]) -> RunContext:
        """Read the known keys of a task context (JSON values), converted to their field's type."""
        values = {
            f.name: _CONVERT[str(f.type)](context[f.name])
            for f in fields(cls)
            if context.get(f.name) is not None
        }
        return cls(**values)

    def thresholds(self) -> Thresholds:
        """The gate's thresholds (validated: a bad value raises `ConfigurationError`)."""
        return Thresholds(self.coverage_threshold, self.max_failures, self.max_flaky)
