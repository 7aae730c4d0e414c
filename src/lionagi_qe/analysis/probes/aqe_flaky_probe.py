"""pytest plugin loaded by aqe's flaky-test hunter (`-p aqe_flaky_probe`), beside `aqe_pytest_probe`.

Environment:
  AQE_FLAKY_ORDER     file of node ids, one a line: run exactly these tests, in this order
  AQE_FLAKY_ISOLATE   "1": run each test alone, in a child process forked after collection, so no
                      test sees what another test left behind (module state, fixtures, globals)

Standard library and pytest only. Isolation needs `os.fork` (POSIX).
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = os.environ.get("AQE_FLAKY_ORDER", "")
    if not path:
        return
    with open(path, encoding="utf-8") as handle:
        wanted = [line.rstrip("\n") for line in handle if line.strip()]
    by_id = {item.nodeid: item for item in items}
    chosen = [by_id[nodeid] for nodeid in wanted if nodeid in by_id]
    keep = {item.nodeid for item in chosen}
    dropped = [item for item in items if item.nodeid not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = chosen


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if os.environ.get("AQE_FLAKY_ISOLATE") != "1" or not hasattr(os, "fork"):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in _run_in_child(item):
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _run_in_child(item: pytest.Item) -> list[TestReport]:
    """Fork; the child runs the test with nothing before it and sends its reports back as JSON."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            reports = runtestprotocol(item, log=False, nextitem=None)
            sent = [item.config.hook.pytest_report_to_serializable(config=item.config, report=r) for r in reports]
            with os.fdopen(write_end, "wb") as out:
                out.write(json.dumps(sent).encode("utf-8"))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as incoming:
            payload = incoming.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:  # the per-test alarm of aqe_pytest_probe fires here: stop the child, report the timeout
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return [_failed(item, "test ran past the per-test timeout in its own process")]
    if not payload:
        return [_failed(item, f"the test's own process ended without a report (wait status {status})")]
    data: list[dict[str, Any]] = json.loads(payload)
    return [item.config.hook.pytest_report_from_serializable(config=item.config, data=d) for d in data]


def _failed(item: pytest.Item, message: str) -> TestReport:
    return TestReport(item.nodeid, item.location, {}, "failed", message, "call")
