"""Helpers of the distributed-run tests: `aqe worker` processes, a project whose tests sleep, report parts.

    code, report, err = aqe_in_process("run", str(project), "--distributed", "--json")   # in-process worker
    project, commit = committed_sample(tmp_path)         # the sample project as a git repository, one commit
    env = production_env(postgres_url, schema)          # what a worker and a run on that schema need
    with WorkerProcesses(env) as workers:
        workers.start("w1"); workers.start("w2")         # real `aqe worker` processes
        report = run_aqe(env, "run", str(project), "--distributed", "--json")
        workers.kill("w1")                               # SIGKILL
    commit = commit_all(project)                         # a git repository of the project, for --from-git

Every process is stopped when the block ends; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from typer.testing import CliRunner

from helpers.fleet import copy_sample, write_project
from lionagi_qe.cli.main import app
from lionagi_qe.config.storage_config import STORAGE_VARIABLES

AQE = str(Path(sys.executable).parent / "aqe")
HEARTBEAT = "0.5"


def production_env(url: str, schema: str, **extra: str) -> dict[str, str]:
    """The environment of workers and runs on `schema` (fast heartbeats, plugin autoload off)."""
    env = {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES}
    env.update({
        "AQE_STORAGE_MODE": "production", "DATABASE_URL": url, "AQE_DB_SCHEMA": schema,
        "AQE_WORKER_HEARTBEAT": HEARTBEAT, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "DB_POOL_SIZE": "1",
    })
    env.update(extra)
    return env


def aqe_in_process(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    """Run `aqe ARGS` in this process (development mode: jobs go to a worker inside it): (exit code, report, stderr)."""
    result = CliRunner().invoke(app, list(args))
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, report, result.stderr


def committed_sample(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the sample project as a git repository of one commit: (its folder, the commit's hash)."""
    project = copy_sample(tmp_path)
    return project, commit_all(project)


def run_aqe(env: dict[str, str], *args: str, timeout: float = 240) -> tuple[int, dict[str, Any] | None, str]:
    """Run `aqe ARGS` to completion: (exit code, the JSON report if printed, stderr)."""
    done = subprocess.run([AQE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return done.returncode, report, done.stderr


class WorkerProcesses:
    """`aqe worker` processes by name; all stopped (SIGKILL) when the block ends."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> WorkerProcesses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen([AQE, "worker", "--name", name, *args], env=self.env, stdout=log, stderr=log)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")


def start_two_workers(workers: WorkerProcesses, url: str, schema: str, *second_args: str) -> None:
    """Start workers w1 and w2 (w2 with `second_args`, such as its queues) and wait until both are live."""
    workers.start("w1")
    workers.start("w2", *second_args)
    wait_for(lambda: live_workers(url, schema) == 2, 60, "two live workers")


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    """Poll `condition()` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def live_workers(url: str, schema: str) -> int:
    """Workers registered on the queue of `schema` (0 before the queue exists)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}_jobs".procrastinate_workers',)).fetchone()
        if not row or row[0] is None:
            return 0
        return int(conn.execute(f'SELECT count(*) FROM "{schema}_jobs".procrastinate_workers').fetchone()[0])


def started_jobs(url: str, schema: str) -> dict[str, str]:
    """{job key: worker name} of the jobs a worker has taken (the run's start records in memory)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".memory',)).fetchone()
        if not row or row[0] is None:
            return {}
        rows = conn.execute(
            f"SELECT key, value->>'name' FROM \"{schema}\".memory WHERE key LIKE 'aqe/workers/%%/started/%%'"
        ).fetchall()
    return {key.rsplit("/", 1)[1]: name for key, name in rows}


def drop_queue(url: str, schema: str) -> None:
    """Drop the queue schema beside `schema` (the memory schema is the pg_schema fixture's)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_jobs" CASCADE')


def git(cwd: Path, *args: str) -> str:
    """`git ARGS` in `cwd` (a commit needs no configured identity); its output."""
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def commit_all(project: Path) -> str:
    """Make `project` a git repository with every file in one commit; the commit's hash."""
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "sample")
    return git(project, "rev-parse", "HEAD")


def write_sleepy_project(root: Path, files: int, tests_per_file: int, seconds: float) -> Path:
    """A project whose suite mostly waits: `files` test files of `tests_per_file` tests sleeping `seconds` each."""
    sources = {
        "src/napper/__init__.py": "",
        "src/napper/core.py": (
            "import time\n\n\ndef nap(seconds, label):\n    time.sleep(seconds)\n"
            "    if label.startswith('odd'):\n        return label.upper()\n    return label\n\n\n"
            "def unused(x):\n    return x * 2\n"
        ),
    }
    for f in range(files):
        body = "from napper.core import nap\n\n"
        for t in range(tests_per_file):
            label = "odd" if (f + t) % 2 else "even"
            body += f"\ndef test_nap_{t}():\n    assert nap({seconds}, '{label}{t}').lower() == '{label}{t}'\n"
        sources[f"tests/test_nap_{f:02d}.py"] = body
    return write_project(root, sources)


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The parts of a report that a distributed run must give exactly as a local one."""
    generation = report["generation"] or {}
    return {
        "status": report["status"],
        "exit_code": report["exit_code"],
        "counts": report["tests"]["counts"],
        "failing": [(t["nodeid"], t["outcome"]) for t in report["tests"]["failing"]],
        "coverage": {k: v for k, v in report["coverage"].items() if k not in ("trend", "measured")},
        "measured": {k: v for k, v in report["coverage"]["measured"].items() if k != "data_file"},
        "gaps": report["gaps"],
        "gate": report["gate"],
        "kept": [(k["gap"], k["origin"], k["new_lines"]) for k in generation.get("kept", [])],
        "coverage_after": generation.get("coverage_after"),
    }
