"""The records the fleet's agents pass to each other through memory, one typed definition each.

    record = ExecutionRecord.from_json(await memory.retrieve(execution_key(run_id)))
    record.failures, record.counts["flaky"]
    await memory.store(report_key(run_id), CoverageRecord(...).to_json())

| record            | key (agents.memory_keys)        | written by        |
|-------------------|---------------------------------|-------------------|
| `ExecutionRecord` | aqe/test-plan/<run>/execution   | test-executor     |
| `CoverageRecord`  | aqe/coverage/<run>/report       | coverage-analyzer |
| `GapsRecord`      | aqe/coverage/<run>/gaps         | coverage-analyzer |
| `GeneratedRecord` | aqe/test-plan/<run>/generated   | test-generator    |
| `VerdictRecord`   | aqe/quality/<run>/verdict       | quality-gate      |

`to_json()` is what is stored; `from_json()` reads it back and ignores keys
it does not know, so a newer writer's extra fields do not break an older reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar, cast

from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.test_runner import count_failing

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="JsonRecord")


class JsonRecord:
    """A dataclass stored in memory as a JSON object."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object to store."""
        return asdict(cast("DataclassInstance", self))

    @classmethod
    def from_json(cls: type[RecordT], data: Mapping[str, Any]) -> RecordT:
        """The record stored as `data` (unknown keys ignored)."""
        known = {f.name for f in fields(cast("type[DataclassInstance]", cls))}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass
class ExecutionRecord(JsonRecord):
    """One run of the target's suite: where, with what, and every test's outcome."""

    run_id: str
    code_path: str
    project: str
    sources: list[str]
    python: str
    interpreter: str
    work_dir: str
    test_timeout: float
    pytest_args: list[str]
    tests: list[dict[str, Any]]
    collection_errors: list[dict[str, str]]
    exit_code: int
    duration_s: float
    data_file: str
    command: list[str]
    log_file: str
    resumed: int
    notes: list[str]
    counts: dict[str, int]
    total: int

    @property
    def failures(self) -> int:
        """Failed, erroring and timed-out tests."""
        return count_failing(self.counts)


@dataclass
class CoverageRecord(JsonRecord):
    """Coverage of one run: totals (as `coverage report`), functions, files and the trend."""

    run_id: str
    project: str
    finished_at: str
    totals: dict[str, Any]
    functions: dict[str, Any]
    files: dict[str, dict[str, Any]]
    data_file: str
    gap_count: int
    trend: dict[str, Any]


@dataclass
class GapsRecord(JsonRecord):
    """The ranked gaps of one run (`Gap.to_dict()` each), riskiest first."""

    run_id: str
    gaps: list[dict[str, Any]]

    def top(self, count: int) -> list[Gap]:
        """The `count` riskiest gaps."""
        return [Gap.from_dict(stored) for stored in self.gaps[:count]]


@dataclass
class GeneratedRecord(JsonRecord):
    """What the test generator kept and rejected, and coverage before and with the kept tests."""

    run_id: str
    engine: str
    output_dir: str
    gaps_tried: list[str]
    kept: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    fallbacks: list[dict[str, str]]
    notes: list[str]
    coverage_before: dict[str, Any]
    coverage_after: dict[str, Any]
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    """Crashes of public functions on valid-typed input found while generating (see analysis.guided_search)."""
    search: dict[str, Any] = field(default_factory=dict)
    """The offline search's figures: calls_tried, rounds, seconds, stopped."""


@dataclass
class VerdictRecord(JsonRecord):
    """The quality gate's verdict on one run (`GateVerdict` plus where it applies)."""

    run_id: str
    project: str
    passed: bool
    reasons: list[str]
    checks: list[dict[str, Any]] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)
    coverage_with_generated_tests: float | None = None
