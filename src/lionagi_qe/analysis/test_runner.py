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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.probes import PROBES_DIR, PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.errors import TargetProjectError

DEFAULT_TEST_TIMEOUT = 60.0
KILL_GRACE = 5.0
MAX_RESUMES = 25
MAX_RERUNS = 50
FAILING = ("failed", "error", "timeout")


@dataclass(frozen=True)
class RunSettings:
    """How to run the target's tests: interpreter, per-test timeout, extra pytest arguments."""

    python: Path
    test_timeout: float = DEFAULT_TEST_TIMEOUT
    pytest_args: tuple[str, ...] = ()
    rerun_failures: bool = True


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

    @property
    def counts(self) -> dict[str, int]:
        """Number of tests per outcome, every outcome present."""
        names = ("passed", "failed", "error", "timeout", "flaky", "skipped", "xfailed", "xpassed")
        found = dict.fromkeys(names, 0)
        for test in self.tests:
            found[test.outcome] = found.get(test.outcome, 0) + 1
        return found

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, counts included."""
        return {**asdict(self), "counts": self.counts, "total": len(self.tests)}


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
    """`python -m coverage run --branch ... -m pytest -p aqe_pytest_probe ...`."""
    return [
        str(settings.python), "-m", "coverage", "run", "--branch", "--parallel-mode",
        f"--data-file={data_file}", f"--source={','.join(measure)}",
        "-m", "pytest", "-p", PYTEST_PLUGIN, *pytest_args,
    ]  # fmt: skip


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


def run_test_suite(project: TargetProject, work_dir: Path, settings: RunSettings) -> TestRunResult:
    """Run the whole suite under coverage; see the module docstring."""
    work_dir.mkdir(parents=True, exist_ok=True)
    parts_dir = work_dir / "coverage-parts"
    parts_dir.mkdir(exist_ok=True)
    log_file = work_dir / "pytest.log"
    deselect = work_dir / "deselect.txt"
    measure = [str(p) for p in project.sources]
    base_args = ["--continue-on-collection-errors", *settings.pytest_args]
    grace = max(1.0, min(KILL_GRACE, settings.test_timeout))
    stall_limit = (settings.test_timeout + grace) if settings.test_timeout > 0 else None
    outcomes: dict[str, TestOutcome] = {}
    errors: list[CollectionError] = []
    ignored: list[str] = []
    notes: list[str] = []
    started = time.perf_counter()
    exit_code = 0
    command: list[str] = []
    for attempt in range(MAX_RESUMES + 1):
        events = work_dir / f"events-{attempt}.jsonl"
        extra_env = {"AQE_PROBE_EVENTS": str(events), "AQE_PROBE_TIMEOUT": str(settings.test_timeout)}
        if outcomes:
            deselect.write_text("".join(f"{nodeid}\n" for nodeid in outcomes), encoding="utf-8")
            extra_env["AQE_PROBE_DESELECT"] = str(deselect)
        args = [*base_args, *(f"--ignore={path}" for path in ignored)]
        command = coverage_command(settings, parts_dir / ".coverage", measure, args)
        watch = _Watch(events)
        with log_file.open("ab") as log:
            try:
                proc = subprocess.Popen(
                    command, cwd=project.root, env=probe_environment(project, extra_env),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            except OSError as exc:
                raise TargetProjectError(f"cannot start {settings.python}: {exc}; check --python/--venv") from None
            hung = False
            while True:
                try:
                    exit_code = proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    watch.poll()
                    if stall_limit is not None and time.monotonic() - watch.last_event > stall_limit:
                        _stop(proc)
                        hung = True
                        exit_code = proc.returncode
                        break
        watch.poll()
        outcomes.update(watch.finished)
        errors.extend(e for e in watch.errors if e.nodeid not in {known.nodeid for known in errors})
        if not hung:
            break
        if watch.current:
            outcomes[watch.current] = TestOutcome(
                watch.current, "timeout", settings.test_timeout,
                f"test ran past the {settings.test_timeout:g}s per-test timeout and ignored the alarm; "
                "aqe stopped its process and went on with the remaining tests",
            )  # fmt: skip
            notes.append(f"stopped the test process once: {watch.current} hung")
        elif watch.collected is None and watch.collecting:
            errors.append(CollectionError(
                project.relative(watch.collecting),
                f"importing this module did not finish within {settings.test_timeout:g}s (a loop at import time?)",
            ))  # fmt: skip
            ignored.append(watch.collecting)
        else:
            notes.append("the test process stopped responding outside any test; results may be incomplete")
            break
        if watch.collected is not None and set(watch.collected) <= set(outcomes):
            break
    if exit_code in (3, 4) or (exit_code not in (0, 1, 2, 5) and not outcomes and not errors):
        raise TargetProjectError(
            f"pytest could not run the tests of {project.root} (exit code {exit_code}):\n{_tail(log_file)}\n"
            "check the project's pytest configuration and --pytest-args, or pick its interpreter with --python/--venv"
        )
    if not outcomes and not errors:
        raise TargetProjectError(
            f"pytest collected no tests in {project.root}; check the test file names "
            "(test_*.py / *_test.py), the project's testpaths setting and --pytest-args"
        )
    result = TestRunResult(
        tests=sorted(outcomes.values(), key=lambda t: t.nodeid),
        collection_errors=errors,
        exit_code=exit_code,
        duration_s=0.0,
        data_file=str(combine_parts(parts_dir, work_dir / ".coverage")),
        command=command,
        log_file=str(log_file),
        resumed=len([n for n in notes if n.startswith("stopped")]) + len(ignored),
        notes=notes,
    )
    if settings.rerun_failures:
        _rerun_failures(project, work_dir, settings, result)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


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
    failed = [t for t in result.tests if t.outcome in ("failed", "error")][:MAX_RERUNS]
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
            )  # fmt: skip
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
