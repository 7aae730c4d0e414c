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
| `FlakyRecord`     | aqe/quality/<run>/flaky         | flaky-test-hunter |
| `FlakeRates`      | aqe/patterns/flaky-rates/<hash> | flaky-test-hunter |
| `SecurityRecord`  | aqe/security/<run>/findings     | security-scanner  |
| `ComplexityRecord` | aqe/quality/<run>/complexity   | complexity-analyzer |
| `PerformanceRecord` | aqe/performance/<run>/durations | performance-tester |
| `ReadinessRecord` | aqe/quality/<run>/readiness     | deployment-readiness |
| `DiffCoverageRecord` | aqe/coverage/<run>/diff      | coverage-analyzer (with --diff) |
| `MutationRecord`  | aqe/quality/<run>/mutation      | mutation-tester   |
| `RegressionRiskRecord` | aqe/quality/<run>/regression-risk | regression-risk-analyzer |
| `ApiContractRecord` | aqe/quality/<run>/api-contract | api-contract-validator |
| `RunStatusRecord` | aqe/runs/<run>/status           | `aqe run` (Ctrl-C) |

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
    source: list[str] = field(default_factory=list)
    """`--source` as given, resolved (absolute paths or importable names)."""
    coverage_source: list[str] = field(default_factory=list)
    """The `--source` values of the coverage run; empty when the project's coverage configuration decided."""
    coverage_config: str | None = None
    """The file coverage.py took the project's coverage settings from, if any."""
    test_map: str | None = None
    """JSON file mapping each function to the tests that ran it (from per-test coverage contexts)."""
    selection: dict[str, Any] | None = None
    """With --only-impacted: the base, the tests chosen and why; None when the whole suite ran."""

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
    fail_under: float | None = None
    """The project's coverage `fail_under` (the gate's threshold when none is given), if set."""


@dataclass
class GapsRecord(JsonRecord):
    """The ranked gaps of one run (`Gap.to_dict()` each), riskiest first."""

    run_id: str
    gaps: list[dict[str, Any]]

    def top(self, count: int) -> list[Gap]:
        """The `count` riskiest gaps."""
        return [Gap.from_dict(stored) for stored in self.gaps[:count]]

    def chosen(self, gap_ids: tuple[str, ...], count: int) -> list[Gap]:
        """The gaps named in `gap_ids` (in ranking order) when any are named, else the `count` riskiest."""
        if not gap_ids:
            return self.top(count)
        return [Gap.from_dict(stored) for stored in self.gaps if stored["id"] in gap_ids]


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
    model_calls: dict[str, Any] | None = None
    """The model's requests, answers, failures, LionAGI's retries and each gap's attempts (None offline)."""
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    """Crashes of public functions on valid-typed input found while generating (see analysis.guided_search)."""
    search: dict[str, Any] = field(default_factory=dict)
    """The offline search's figures: calls_tried, rounds, seconds, stopped, seconds_per_candidate."""


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


@dataclass
class FlakyRecord(JsonRecord):
    """The flaky-test hunter's findings on one run (`FlakyHunt.to_dict()` plus where it applies)."""

    run_id: str
    project: str
    flaky: list[dict[str, Any]]
    order_dependent: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    seeds: list[int]
    observed: dict[str, dict[str, int]]
    processes: int
    duration_s: float
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Tests found flaky, nondeterministic or order-dependent."""
        return len(self.flaky) + len(self.order_dependent)


@dataclass
class FlakeRates(JsonRecord):
    """A project's runs and failures per test across every hunt so far (rate = failures / runs)."""

    project: str
    hunts: int = 0
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, run_id: str, observed: Mapping[str, Mapping[str, int]]) -> FlakeRates:
        """These rates with one more hunt's observations added."""
        tests = {name: dict(counts) for name, counts in self.tests.items()}
        for nodeid, seen in observed.items():
            counts = tests.setdefault(nodeid, {"runs": 0, "failures": 0})
            counts["runs"] += seen["runs"]
            counts["failures"] += seen["failures"]
            counts["rate"] = round(counts["failures"] / counts["runs"], 4) if counts["runs"] else 0.0
            if seen["failures"]:
                counts["last_failed_run"] = run_id
        return FlakeRates(project=self.project, hunts=self.hunts + 1, tests=tests)


@dataclass
class SecurityRecord(JsonRecord):
    """Bandit's findings on one run's project, the dependency audit, and the SARIF file."""

    run_id: str
    project: str
    findings: list[dict[str, Any]]
    high: int
    counts: dict[str, int]
    sarif: str | None
    scanned: list[str]
    bandit: str
    errors: list[dict[str, str]]
    audit: dict[str, Any]


@dataclass
class ComplexityRecord(JsonRecord):
    """Complexity of every function of one run's project, and its hot spots."""

    run_id: str
    project: str
    functions: list[dict[str, Any]]
    hot_spots: list[dict[str, Any]]
    coverage_used: bool


@dataclass
class PerformanceRecord(JsonRecord):
    """Slowest tests of one run, the tests slower than before and the history they were judged on."""

    run_id: str
    project: str
    slowest: list[dict[str, Any]]
    regressions: list[dict[str, Any]]
    compared: int
    history_runs: list[str]
    rule: dict[str, Any]
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DiffCoverageRecord(JsonRecord):
    """Coverage of the lines changed since `base` (`DiffCoverage.to_dict()`) and the functions changed."""

    run_id: str
    base: str
    commit: str
    statements: int
    covered: int
    percent: float
    files: dict[str, dict[str, Any]]
    changed_functions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MutationRecord(JsonRecord):
    """Mutation score, killed and surviving mutants (targets for test-generator), per module."""

    run_id: str
    score: float | None
    killed: int
    survived: list[dict[str, Any]]
    by_module: dict[str, dict[str, Any]]
    total: int = 0
    timeout: int = 0
    errors: int = 0
    sampled_from: int = 0
    mutants_per_second: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class ReadinessRecord(JsonRecord):
    """deployment-readiness's go/no-go on one run, each verdict's reason, and the thresholds."""

    run_id: str
    project: str
    go: bool
    reasons: list[str]
    checks: list[dict[str, Any]]
    thresholds: dict[str, Any]


@dataclass
class RegressionRiskRecord(JsonRecord):
    """The functions changed since `base`, their risk, and the tests that exercise them."""

    run_id: str
    base: str
    commit: str
    changed: list[dict[str, Any]]
    impacted_tests: list[str]
    uncovered: list[str] = field(default_factory=list)


@dataclass
class ApiContractRecord(JsonRecord):
    """Breaking changes to the public API since `base`, additions, and the semver advice."""

    run_id: str
    base: str
    commit: str
    breaking: list[dict[str, Any]]
    semver: str
    added: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RunStatusRecord(JsonRecord):
    """How a run ended when it did not finish: `status` 'interrupted', the agent that was running, when."""

    run_id: str
    project: str
    status: str
    agent: str | None
    at: str
