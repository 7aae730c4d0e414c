"""Run pytest test files under coverage.py in forks of a warm process (the warm worker's `verify`; Linux).

    exit_codes = run_jobs({"jobs": [{"file", "data_file", "events", "log", "autoload"}],
                           "source": [...], "parallel": 2, "job_timeout": 60, "test_timeout": 60})

The worker imported pytest, coverage.py and the project once (and ran one
trivial test, so pytest's own imports and caches are warm); each job is a
fork that starts coverage (branch, the project's sources), runs the file's
tests and saves the data. A job without pytest plugins (the offline
engines' tests) whose tests are plain functions runs them directly
(`aqe_direct_runner`: no pytest start-up or collection); any other runs
`pytest -p aqe_pytest_probe FILE`. A job whose run ends
on a usage error (4) without the installed plugins is run again with them.
Exit codes as pytest's; -9 when the job ran past `job_timeout` and was killed.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import signal
import sys
import tempfile
import time
from typing import Any

import aqe_direct_runner
import coverage
import pytest
from _pytest.config import default_plugins

USAGE_ERROR = 4
WARM_UP_TEST = "def test_warm_up():\n    assert [1] == [1]\n"


def warm_up() -> None:
    """Import pytest's plugins and run one trivial test here, so every fork starts with pytest's caches full.

    Without `aqe_pytest_probe`: each fork imports it afresh, with its own events file.
    """
    for name in default_plugins:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"_pytest.{name}")
    with tempfile.TemporaryDirectory(prefix="aqe-warm-up-") as folder:
        path = os.path.join(folder, "test_aqe_warm_up.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(WARM_UP_TEST)
        saved = os.dup(1), os.dup(2)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        try:
            pytest.main(["-q", "-p", "no:cacheprovider", f"--rootdir={folder}", path])
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, quiet):
                os.close(fd)
        sys.modules.pop("test_aqe_warm_up", None)
    gc.collect()
    gc.freeze()


warm_up()


def _child(job: dict[str, Any], request: dict[str, Any], autoload: bool) -> int:
    os.environ["AQE_PROBE_EVENTS"] = job["events"]
    os.environ["AQE_PROBE_TIMEOUT"] = str(request.get("test_timeout", 60))
    if autoload:
        os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    else:
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    cov = coverage.Coverage(
        data_file=job["data_file"], branch=True, source=request["source"], config_file=False, messages=False,
    )
    cov.start()
    try:
        limit = float(request.get("test_timeout", 60))
        code = None if autoload else aqe_direct_runner.run_module(job["file"], job["events"], limit)
        if code is None:
            code = pytest.main(["-p", "aqe_pytest_probe", "-p", "no:cacheprovider", "-q", job["file"]])
    finally:
        cov.stop()
        cov.save()
    return int(code)


def _start(job: dict[str, Any], request: dict[str, Any], autoload: bool) -> int:
    for path in (job["events"], job["data_file"]):
        if os.path.exists(path):
            os.unlink(path)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            code = _child(job, request, autoload)
        finally:
            os._exit(code)
    return pid


def _warm_coverage(source: list[str]) -> None:
    """Start and stop coverage.py once here: its start-up (it inspects the call stack) is then cached for forks."""
    warm = coverage.Coverage(data_file=None, branch=True, source=source, config_file=False, messages=False)
    warm.start()
    warm.stop()


def run_jobs(request: dict[str, Any]) -> list[int]:
    """Run every job (at most `parallel` at once); their exit codes in order."""
    jobs = request["jobs"]
    _warm_coverage(request["source"])
    codes: list[int | None] = [None] * len(jobs)
    autoload = [bool(job.get("autoload")) for job in jobs]
    queue = list(range(len(jobs)))
    running: dict[int, tuple[int, float]] = {}
    limit = float(request.get("job_timeout", 120))
    while queue or running:
        while queue and len(running) < int(request.get("parallel", 2)):
            index = queue.pop(0)
            running[_start(jobs[index], request, autoload[index])] = (index, time.monotonic() + limit)
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            for child, (_, deadline) in list(running.items()):
                if time.monotonic() > deadline:
                    os.kill(child, signal.SIGKILL)
            time.sleep(0.005)
            continue
        if pid not in running:
            continue
        index, _ = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if code == USAGE_ERROR and not autoload[index]:
            autoload[index] = True
            queue.append(index)
            continue
        codes[index] = code
    return [c if c is not None else -1 for c in codes]
