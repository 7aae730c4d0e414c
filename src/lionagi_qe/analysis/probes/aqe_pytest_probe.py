"""pytest plugin loaded into the target's test run by aqe (`-p aqe_pytest_probe`).

Environment:
  AQE_PROBE_EVENTS    file to append JSON-lines events to (required to record anything)
  AQE_PROBE_TIMEOUT   seconds each test may take (setup + call + teardown); 0 = no limit
  AQE_PROBE_DESELECT  file with node ids (one a line) to leave out, when resuming a run
  AQE_PROBE_CONTEXTS  "1": label coverage.py's data with each test's node id (a dynamic context per test)
  AQE_PROBE_SELECT    file with node ids or test files (one a line): run only those tests

Events: {"e": "collect", "path"}, {"e": "collect_error", "nodeid", "message"},
{"e": "collected", "nodeids"}, {"e": "start", "nodeid"},
{"e": "test", "nodeid", "outcome", "duration", "message"}, {"e": "finish", "exitstatus"},
{"e": "note", "text"}.
Outcomes: passed, failed, error, skipped, xfailed, xpassed, timeout.
On SIGTERM the running coverage.py session is saved before the process exits.

aqe measures coverage itself and runs the tests in this one process: a
project's pytest-cov (`--cov` in addopts) is turned off as `--no-cov` would,
and pytest-xdist's `-n`/`--dist` as `-n 0` would; each is noted.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any

import pytest


class TestTimeout(BaseException):
    """Raised inside a test that ran past AQE_PROBE_TIMEOUT."""

    __test__ = False


class _Probe:
    def __init__(self) -> None:
        path = os.environ.get("AQE_PROBE_EVENTS", "")
        self.out = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115 - closed at unconfigure
        self.timeout = float(os.environ.get("AQE_PROBE_TIMEOUT", "0") or 0)
        self.results: dict[str, dict[str, Any]] = {}
        self.timed_out: set[str] = set()
        self.current = ""

    def switch_context(self, label: str) -> None:
        """Label the coverage collected from now on with `label` (per-test contexts), if asked to."""
        if os.environ.get("AQE_PROBE_CONTEXTS") != "1":
            return
        try:
            import coverage
        except ImportError:
            return
        current = coverage.Coverage.current()
        if current is not None:
            current.switch_context(label)

    def emit(self, **event: Any) -> None:
        if self.out is not None:
            self.out.write(json.dumps(event) + "\n")
            self.out.flush()


_probe = _Probe()


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or str(report.longrepr or "")
    return text.strip()[-800:]


def _save_coverage_and_exit(signum: int, frame: object) -> None:
    try:
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.stop()
            current.save()
    finally:
        os._exit(128 + signum)


def _on_alarm(signum: int, frame: object) -> None:
    _probe.timed_out.add(_probe.current)
    raise TestTimeout(f"test ran past the {_probe.timeout:g}s per-test timeout (aqe --test-timeout)")


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> Any:
    options = early_config.known_args_namespace
    if getattr(options, "cov_source", None) and not getattr(options, "no_cov", False):
        options.no_cov = True
        _probe.emit(e="note", text="pytest-cov (--cov) was off in aqe's run: aqe measures coverage itself")
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Any:
    options = config.option
    if getattr(options, "numprocesses", None) or getattr(options, "dist", "no") != "no":
        options.numprocesses = 0
        options.dist = "no"
        options.distload = False
        _probe.emit(e="note", text="pytest-xdist (-n/--dist) was off in aqe's run: aqe runs the tests in one process")
    yield


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _save_coverage_and_exit)


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):
        _probe.emit(e="collect", path=str(collector.path))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _probe.emit(e="collect_error", nodeid=report.nodeid, message=str(report.longrepr).strip()[-2000:])


def _read_lines(path: str) -> set[str]:
    with open(path, encoding="utf-8") as handle:
        return {line.rstrip("\n") for line in handle if line.strip()}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    select = os.environ.get("AQE_PROBE_SELECT", "")
    if select:
        wanted = _read_lines(select)
        chosen = [item.nodeid in wanted or item.nodeid.split("::")[0] in wanted for item in items]
        config.hook.pytest_deselected(items=[item for item, keep in zip(items, chosen, strict=True) if not keep])
        items[:] = [item for item, keep in zip(items, chosen, strict=True) if keep]
    path = os.environ.get("AQE_PROBE_DESELECT", "")
    if not path:
        return
    skip = _read_lines(path)
    kept = [item for item in items if item.nodeid not in skip]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid in skip])
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    _probe.emit(e="collected", nodeids=[item.nodeid for item in session.items])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    _probe.current = item.nodeid
    _probe.emit(e="start", nodeid=item.nodeid, t=time.time())
    in_main_thread = threading.current_thread() is threading.main_thread()
    armed = _probe.timeout > 0 and hasattr(signal, "setitimer") and in_main_thread
    previous = signal.signal(signal.SIGALRM, _on_alarm) if armed else None
    if armed:
        signal.setitimer(signal.ITIMER_REAL, _probe.timeout)
    _probe.switch_context(item.nodeid)
    try:
        yield
    finally:
        _probe.switch_context("")
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    result = _probe.results.pop(item.nodeid, {"outcome": "passed", "duration": 0.0, "message": ""})
    if item.nodeid in _probe.timed_out:
        result["outcome"] = "timeout"
    _probe.emit(e="test", nodeid=item.nodeid, **result)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    result = _probe.results.setdefault(report.nodeid, {"outcome": "passed", "duration": 0.0, "message": ""})
    result["duration"] = round(result["duration"] + report.duration, 6)
    xfail = hasattr(report, "wasxfail")
    if report.skipped:
        outcome = "xfailed" if xfail else "skipped"
        if result["outcome"] == "passed":
            result["outcome"] = outcome
    elif report.failed:
        if report.when == "call":
            result["outcome"] = "failed"
        elif result["outcome"] not in ("failed", "error"):
            result["outcome"] = "error"
        result["message"] = result["message"] or _message(report)
    elif report.when == "call" and xfail:
        result["outcome"] = "xpassed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _probe.emit(e="finish", exitstatus=int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _probe.out is not None:
        _probe.out.close()
        _probe.out = None
