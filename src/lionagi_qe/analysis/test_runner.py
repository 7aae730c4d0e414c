"""Run the target's pytest suite in a subprocess under coverage.py (branch coverage).

    settings = RunSettings(python=resolve_interpreter(), test_timeout=60)
    run = run_test_suite(inspect_project("examples/sample_project"), work_dir, settings)
    run.counts            # {'passed': 14, 'failed': 0, ...}
    run.tests[0]          # TestOutcome(nodeid=..., outcome='passed', duration=0.001, message='')
    run.data_file         # the combined coverage data (read it with `load_coverage`)

Each test gets `test_timeout` seconds: past it the test fails as 'timeout'
(an alarm inside the test process). A test that ignores the alarm is stopped
from outside: the process is terminated (coverage saved first) and the run
resumes with the tests not yet run. Failing, erroring or hanging tests are
reported, never raised; only a run that cannot start or collect anything
raises `TargetProjectError`. Failed tests are re-run once, alone: one that
passes then is reported as 'flaky'.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.coverage_config import coverage_source, read_coverage_config
from lionagi_qe.analysis.input_recording import recording_options
from lionagi_qe.analysis.probes import PROBES_DIR, PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.errors import TargetProjectError

DEFAULT_TEST_TIMEOUT = 60.0
KILL_GRACE = 5.0
MAX_RESUMES = 25
MAX_RERUNS = 50
FAILING = ("failed", "error", "timeout")
"""Outcomes that count as failures (the gate's `max_failures`); flaky tests are counted apart."""
RERUN = ("failed", "error")
"""Failing outcomes worth one more run alone (a timed-out test would only time out again)."""


@dataclass(frozen=True)
class RunSettings:
    """How to run the target's tests: interpreter, per-test timeout, extra pytest arguments."""

    python: Path
    test_timeout: float = DEFAULT_TEST_TIMEOUT
    pytest_args: tuple[str, ...] = ()
    rerun_failures: bool = True
    select: tuple[str, ...] | None = None
    """Run only these node ids or test files (`aqe run --only-impacted`); None runs the whole suite."""
    record_inputs: Path | None = None
    """Folder where `aqe_record_probe` writes the arguments reaching the project's functions (None: off)."""


@dataclass
class TestOutcome:
    """One test's result: outcome, seconds spent and the failure message."""

    __test__ = False
    nodeid: str
    outcome: str
    duration: float = 0.0
    message: str = ""


@dataclass
class CollectionError:
    """A test module that could not be collected (import error, hang at import, ...)."""

    nodeid: str
    message: str


@dataclass
class TestRunResult:
    """Everything one run of the suite produced."""

    __test__ = False
    tests: list[TestOutcome]
    collection_errors: list[CollectionError]
    exit_code: int
    duration_s: float
    data_file: str
    command: list[str]
    log_file: str
    resumed: int = 0
    notes: list[str] = field(default_factory=list)
    coverage_source: list[str] = field(default_factory=list)
    """The `--source` values of the coverage run; empty when the project's coverage configuration decided."""
    coverage_config: str | None = None
    """The file coverage.py took the project's coverage settings from, if any."""

    @property
    def counts(self) -> dict[str, int]:
        """Number of tests per outcome, every outcome present."""
        names = ("passed", "failed", "error", "timeout", "flaky", "skipped", "xfailed", "xpassed")
        found = dict.fromkeys(names, 0)
        for test in self.tests:
            found[test.outcome] = found.get(test.outcome, 0) + 1
        return found

    @property
    def failing(self) -> list[TestOutcome]:
        """Tests that failed (see `FAILING`) or were flaky: what a report lists."""
        return [t for t in self.tests if t.outcome in FAILING or t.outcome == "flaky"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, counts included."""
        return {**asdict(self), "counts": self.counts, "total": len(self.tests)}


def count_failing(counts: Mapping[str, int]) -> int:
    """How many tests of `TestRunResult.counts` (or its stored copy) failed, errored or timed out."""
    return sum(counts.get(outcome, 0) for outcome in FAILING)


def probe_environment(project: TargetProject, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a subprocess of the target: our probes and its import roots on PYTHONPATH."""
    env = dict(os.environ)
    paths = [str(PROBES_DIR), *(str(p) for p in project.import_roots)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("COVERAGE_PROCESS_START", None)
    env.update(extra or {})
    return env


def coverage_command(
    settings: RunSettings, data_file: Path, measure: Sequence[str], pytest_args: Sequence[str]
) -> list[str]:
    """`python -m coverage run --branch ... -m pytest -p aqe_pytest_probe ...` (no `--source` if `measure` is empty)."""
    return [
        str(settings.python), "-m", "coverage", "run", "--branch", "--parallel-mode",
        f"--data-file={data_file}", *([f"--source={','.join(measure)}"] if measure else []),
        "-m", "pytest", "-p", PYTEST_PLUGIN, *pytest_args,
    ]


class _Watch:
    """Follows the probe's event file while one pytest process runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.collected: list[str] | None = None
        self.collecting = ""
        self.current = ""
        self.last_event = time.monotonic()
        self.finished: dict[str, TestOutcome] = {}
        self.errors: list[CollectionError] = []
        self.notes: list[str] = []

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete, _, _ = chunk.rpartition("\n")
        if not complete:
            return
        self.offset += len((complete + "\n").encode("utf-8"))
        self.last_event = time.monotonic()
        for line in complete.splitlines():
            self._take(json.loads(line))

    def _take(self, event: dict[str, Any]) -> None:
        kind = event["e"]
        if kind == "collect":
            self.collecting = event["path"]
        elif kind == "collect_error":
            self.errors.append(CollectionError(event["nodeid"], event["message"]))
        elif kind == "collected":
            self.collected = event["nodeids"]
            self.collecting = ""
        elif kind == "start":
            self.current = event["nodeid"]
        elif kind == "test":
            self.finished[event["nodeid"]] = TestOutcome(
                event["nodeid"], event["outcome"], event["duration"], event["message"]
            )
            self.current = ""
        elif kind == "note":
            self.notes.append(event["text"])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(KILL_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class _Suite:
    """What the attempts of one suite run found so far (a hung test or module makes another attempt)."""

    work_dir: Path
    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0
    command: list[str] = field(default_factory=list)
    measure: tuple[str, ...] = ()

    @property
    def log_file(self) -> Path:
        return self.work_dir / "pytest.log"

    @property
    def parts_dir(self) -> Path:
        return self.work_dir / "coverage-parts"


def run_test_suite(project: TargetProject, work_dir: Path, settings: RunSettings) -> TestRunResult:
    """Run the whole suite under coverage; see the module docstring."""
    config = read_coverage_config(project, settings.python)
    suite = _Suite(work_dir, measure=coverage_source(project, config))
    suite.parts_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for attempt in range(MAX_RESUMES + 1):
        watch, hung = _attempt(project, settings, suite, attempt)
        if not hung or not _resume_after_hang(project, settings, suite, watch):
            break
    _check_something_ran(project, suite)
    result = TestRunResult(
        tests=sorted(suite.outcomes.values(), key=lambda t: t.nodeid),
        collection_errors=suite.errors,
        exit_code=suite.exit_code,
        duration_s=0.0,
        data_file=str(combine_parts(suite.parts_dir, work_dir / ".coverage")),
        command=suite.command,
        log_file=str(suite.log_file),
        resumed=len([n for n in suite.notes if n.startswith("stopped")]) + len(suite.ignored),
        notes=suite.notes,
        coverage_source=list(suite.measure),
        coverage_config=config.file,
    )
    if settings.rerun_failures:
        _rerun_failures(project, work_dir, settings, result)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


def _attempt(project: TargetProject, settings: RunSettings, suite: _Suite, attempt: int) -> tuple[_Watch, bool]:
    """One pytest process over the tests not run yet; returns its events and whether it hung."""
    events = suite.work_dir / f"events-{attempt}.jsonl"
    extra_env = {"AQE_PROBE_EVENTS": str(events), "AQE_PROBE_TIMEOUT": str(settings.test_timeout)}
    extra_env.update(selection_environment(suite.work_dir, settings.select))
    if suite.outcomes:
        deselect = suite.work_dir / "deselect.txt"
        deselect.write_text("".join(f"{nodeid}\n" for nodeid in suite.outcomes), encoding="utf-8")
        extra_env["AQE_PROBE_DESELECT"] = str(deselect)
    recording_args, recording_env = recording_options(project, settings.record_inputs)
    extra_env.update(recording_env)
    args = [*recording_args, "--continue-on-collection-errors", *settings.pytest_args]
    args += [f"--ignore={p}" for p in suite.ignored]
    suite.command = coverage_command(settings, suite.parts_dir / ".coverage", suite.measure, args)
    watch = _Watch(events)
    with suite.log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(
                suite.command, cwd=project.root, env=probe_environment(project, extra_env),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            raise TargetProjectError(f"cannot start {settings.python}: {exc}; check --python/--venv") from None
        suite.exit_code, hung = _follow(proc, watch, _stall_limit(settings))
    watch.poll()
    suite.outcomes.update(watch.finished)
    known = {error.nodeid for error in suite.errors}
    suite.errors.extend(e for e in watch.errors if e.nodeid not in known)
    suite.notes.extend(note for note in watch.notes if note not in suite.notes)
    return watch, hung


def selection_environment(work_dir: Path, select: Sequence[str] | None) -> dict[str, str]:
    """Probe settings for the suite run: per-test coverage contexts, and the tests to run if only some."""
    env = {"AQE_PROBE_CONTEXTS": "1"}
    if select is not None:
        chosen = work_dir / "select.txt"
        chosen.write_text("".join(f"{nodeid}\n" for nodeid in select), encoding="utf-8")
        env["AQE_PROBE_SELECT"] = str(chosen)
    return env


def _stall_limit(settings: RunSettings) -> float | None:
    """Seconds without a probe event after which the test process counts as hung (None: never)."""
    if settings.test_timeout <= 0:
        return None
    return settings.test_timeout + max(1.0, min(KILL_GRACE, settings.test_timeout))


def _follow(proc: subprocess.Popen[bytes], watch: _Watch, stall_limit: float | None) -> tuple[int, bool]:
    """Wait for the process, reading its events; stop it when it stalls. Returns (exit code, hung)."""
    while True:
        try:
            return proc.wait(timeout=0.05), False
        except subprocess.TimeoutExpired:
            watch.poll()
            if stall_limit is not None and time.monotonic() - watch.last_event > stall_limit:
                _stop(proc)
                return proc.returncode, True


def _resume_after_hang(project: TargetProject, settings: RunSettings, suite: _Suite, watch: _Watch) -> bool:
    """Record what hung (a test, or a module at import); True when another attempt should run the rest."""
    if watch.current:
        suite.outcomes[watch.current] = TestOutcome(
            watch.current, "timeout", settings.test_timeout,
            f"test ran past the {settings.test_timeout:g}s per-test timeout and ignored the alarm; "
            "aqe stopped its process and went on with the remaining tests",
        )
        suite.notes.append(f"stopped the test process once: {watch.current} hung")
    elif watch.collected is None and watch.collecting:
        suite.errors.append(CollectionError(
            project.relative(watch.collecting),
            f"importing this module did not finish within {settings.test_timeout:g}s (a loop at import time?)",
        ))
        suite.ignored.append(watch.collecting)
    else:
        suite.notes.append("the test process stopped responding outside any test; results may be incomplete")
        return False
    return watch.collected is None or not set(watch.collected) <= set(suite.outcomes)


def _check_something_ran(project: TargetProject, suite: _Suite) -> None:
    """Raise `TargetProjectError` when pytest could not run the suite or found no test."""
    nothing = not suite.outcomes and not suite.errors
    if suite.exit_code in (3, 4) or (suite.exit_code not in (0, 1, 2, 5) and nothing):
        raise TargetProjectError(
            f"pytest could not run the tests of {project.root} (exit code {suite.exit_code}):\n"
            f"{_tail(suite.log_file)}\n"
            "check the project's pytest configuration and --pytest-args, or pick its interpreter with --python/--venv"
        )
    if nothing:
        raise TargetProjectError(
            f"pytest collected no tests in {project.root}; check the test file names "
            "(test_*.py / *_test.py), the project's testpaths setting and --pytest-args"
        )


def combine_parts(parts_dir: Path, data_file: Path) -> Path:
    """Combine the per-process coverage files of `parts_dir` into `data_file` (as `coverage combine`)."""
    import coverage

    data_file.unlink(missing_ok=True)
    combined = coverage.Coverage(data_file=str(data_file), config_file=False)
    if any(parts_dir.glob(".coverage.*")):
        combined.combine([str(parts_dir)])
    combined.save()
    return data_file


def _rerun_failures(project: TargetProject, work_dir: Path, settings: RunSettings, result: TestRunResult) -> None:
    """Run failed and erroring tests once more (no coverage); those that pass now are flaky."""
    failed = [t for t in result.tests if t.outcome in RERUN][:MAX_RERUNS]
    if not failed:
        return
    events = work_dir / "events-rerun.jsonl"
    env = probe_environment(project, {"AQE_PROBE_EVENTS": str(events), "AQE_PROBE_TIMEOUT": str(settings.test_timeout)})
    command = [str(settings.python), "-m", "pytest", "-p", PYTEST_PLUGIN, *settings.pytest_args]
    command += [t.nodeid for t in failed]
    limit = (settings.test_timeout + KILL_GRACE) * len(failed) + 30 if settings.test_timeout > 0 else None
    with (work_dir / "pytest-rerun.log").open("wb") as log:
        try:
            subprocess.run(
                command, cwd=project.root, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, timeout=limit, check=False,
            )
        except subprocess.TimeoutExpired:
            result.notes.append("re-running the failed tests took too long; none is marked flaky")
            return
    watch = _Watch(events)
    watch.poll()
    for test in failed:
        again = watch.finished.get(test.nodeid)
        if again is not None and again.outcome == "passed":
            test.outcome = "flaky"
            test.message = f"failed, then passed when re-run alone: {test.message}"
