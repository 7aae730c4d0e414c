"""The job layer in one process: shard planning and merging, the shard filter, coverage transfer, first result
wins, bounded retries for the worker's faults and none for the project's, and the queue schema's migration."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis.probes import PROBES_DIR
from lionagi_qe.storage import MemoryBackend, SessionMemory
from lionagi_qe.workers.coverage_transfer import pack_coverage, unpack_coverage
from lionagi_qe.workers.dispatch import JobRequest, run_jobs
from lionagi_qe.workers.in_process import in_process_worker
from lionagi_qe.workers.job_results import record_result, result_key
from lionagi_qe.workers.queue import JobQueue
from lionagi_qe.workers.queue_schema import jobs_schema, migrate_queue, queue_level, shipped_level
from lionagi_qe.workers.settings import WorkerSettings
from lionagi_qe.workers.shards import merge_results, plan_shards
from lionagi_qe.workers.test_shard import shard_arguments


def test_shards_are_balanced_longest_first_and_the_last_takes_the_rest() -> None:
    files = ["t/a.py", "t/b.py", "t/c.py", "t/d.py", "t/new.py"]
    shards = plan_shards(files, {"t/a.py": 8.0, "t/b.py": 5.0, "t/c.py": 4.0, "t/d.py": 3.0}, count=2)
    assert [(s.files, s.expected_s) for s in shards] == [
        (["t/a.py", "t/c.py"], 12.0),                             # a 8, b 5, new 4.5 (median), c 4, d 3
        (["t/b.py", "t/d.py", "t/new.py"], 12.5),
    ]
    assert shards[0].spec() == {"shard": "shard-1", "keep": ["t/a.py", "t/c.py"], "skip": None}
    assert shards[1].spec() == {"shard": "shard-2", "keep": None, "skip": ["t/a.py", "t/c.py"]}
    assert len(plan_shards(["t/a.py"], {}, count=8)) == 1


def test_merge_counts_a_test_once_and_keeps_the_worst_exit_code() -> None:
    error = {"nodeid": "c", "message": "m"}
    a = {"tests": [{"nodeid": "t/a.py::x", "outcome": "passed"}], "collection_errors": [error],
         "notes": ["n"], "exit_code": 0, "resumed": 0, "empty": False}
    b = {"tests": [{"nodeid": "t/a.py::x", "outcome": "failed"}, {"nodeid": "t/0.py::y", "outcome": "failed"}],
         "collection_errors": [{"nodeid": "c", "message": "m"}], "notes": ["n", "o"], "exit_code": 1, "resumed": 1,
         "empty": False}
    empty = {"tests": [], "collection_errors": [], "notes": [], "exit_code": 5, "resumed": 0, "empty": True}
    merged = merge_results([a, b, empty])
    assert [t["nodeid"] for t in merged["tests"]] == ["t/0.py::y", "t/a.py::x"]
    assert merged["tests"][1]["outcome"] == "passed"
    assert (merged["collection_errors"], merged["notes"], merged["exit_code"], merged["resumed"]) == (
        [{"nodeid": "c", "message": "m"}], ["n", "o"], 1, 1)


def _collected(project: Path, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env={"PYTHONPATH": str(PROBES_DIR), "PATH": "/usr/bin:/bin", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True, text=True, check=False,
    )
    return sorted(line for line in done.stdout.splitlines() if "::" in line)


def test_the_shard_filter_keeps_its_files_and_never_imports_the_others(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {
        "tests/test_a.py": "def test_a(): pass\n",
        "tests/test_b.py": "def test_b(): pass\n",
        "tests/check_c.py": "def test_c(): pass\n",
        "tests/test_broken.py": "raise ImportError('imported a file of another shard')\n",
        "pytest.ini": "[pytest]\npython_files = test_*.py check_*.py\n",
    })
    keep = _collected(project, *shard_arguments(["tests/test_a.py"], None))
    rest = _collected(project, *shard_arguments(None, ["tests/test_a.py", "tests/test_broken.py"]))
    assert keep == ["tests/test_a.py::test_a"]
    assert rest == ["tests/check_c.py::test_c", "tests/test_b.py::test_b"]   # a file no plan listed runs too
    named = ("tests/test_b.py",)                                             # as in --pytest-args tests/test_b.py
    assert _collected(project, *shard_arguments(["tests/test_a.py"], None), *named) == []
    assert _collected(project, *shard_arguments(["tests/test_b.py"], None), *named) == ["tests/test_b.py::test_b"]


def test_coverage_moves_from_the_workers_root_to_the_callers(tmp_path: Path) -> None:
    import coverage

    source = "def f(x):\n    if x:\n        return 1\n    return 2\nf(1)\n"
    worker_root = write_project(tmp_path / "w", {"m.py": source})
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "--data-file=.cov", "--context=t1", "m.py"],
                   cwd=worker_root, check=True)
    blob = pack_coverage(worker_root / ".cov", worker_root, tmp_path / "caller")
    data = coverage.CoverageData(basename=str(unpack_coverage(blob, tmp_path / ".coverage.s1")))
    data.read()
    moved = str(tmp_path / "caller" / "m.py")
    assert data.measured_files() == {moved}
    assert sorted(data.arcs(moved) or []) == [(-1, 1), (-1, 2), (1, 5), (2, 3), (3, -1), (5, -1)]
    assert data.contexts_by_lineno(moved) == {1: ["t1"], 2: ["t1"], 3: ["t1"], 5: ["t1"]}   # per-test contexts kept


def test_moved_coverage_keeps_contexts_and_a_shard_that_ran_no_measured_code_combines(tmp_path: Path) -> None:
    import coverage

    from lionagi_qe.analysis.test_runner import combine_parts

    worker_root = write_project(tmp_path / "w", {"pkg/__init__.py": "def f(x):\n    return 1 if x else 2\n",
                                                 "ran.py": "import pkg\npkg.f(1)\n", "idle.py": "print(1)\n"})
    parts = tmp_path / "parts"
    parts.mkdir()
    for name in ("ran", "idle"):
        run = worker_root / name
        run.mkdir()
        command = ["coverage", "run", "--branch", f"--source={worker_root / 'pkg'}", "--parallel-mode",
                   f"--context={name}", str(worker_root / f"{name}.py")]
        subprocess.run([sys.executable, "-m", *command], cwd=run, check=True,
                       env={"PYTHONPATH": str(worker_root), "PATH": "/usr/bin:/bin"}, capture_output=True)
        subprocess.run([sys.executable, "-m", "coverage", "combine"], cwd=run, check=True, capture_output=True)
        blob = pack_coverage(run / ".coverage", worker_root, tmp_path / "caller")
        unpack_coverage(blob, parts / f".coverage.{name}")
    data = coverage.CoverageData(basename=str(combine_parts(parts, tmp_path / ".coverage")))
    data.read()
    moved = str(tmp_path / "caller" / "pkg" / "__init__.py")
    assert data.measured_files() == {moved} and data.has_arcs()
    assert data.measured_contexts() == {"ran"}                  # the idle run touched the file, ran nothing in it
    assert data.contexts_by_lineno(moved)[2] == ["ran"]


async def test_the_first_result_of_a_job_wins(memory: MemoryBackend) -> None:
    assert await record_result(memory, "run-1", "shard-1", {"status": "ok", "by": "first"})
    assert not await record_result(memory, "run-1", "shard-1", {"status": "ok", "by": "second"})
    assert (await memory.retrieve(result_key("run-1", "shard-1")))["by"] == "first"


async def _run_one(spec: dict, attempts: int) -> dict:
    memory = SessionMemory()
    settings = WorkerSettings(heartbeat=0.5, max_attempts=attempts)
    async with JobQueue(memory, config=None, settings=settings) as queue, in_process_worker(queue, concurrency=1):
        outcomes = await run_jobs(queue, "run-x", [JobRequest("shard-1", "test-shard", spec)])
    return outcomes["shard-1"]


def _spec(path: Path, **changes: object) -> dict:
    spec = {"source": {"path": str(path), "root": str(path), "fingerprint": "x"}, "run_id": "run-x",
            "shard": "shard-1", "keep": None, "skip": [], "python": None, "venv": None, "test_timeout": 30.0,
            "pytest_args": []}
    return {**spec, **changes}


async def test_a_worker_that_cannot_see_the_project_fails_the_job_with_that_message(tmp_path: Path) -> None:
    outcome = await _run_one(_spec(tmp_path / "elsewhere"), attempts=2)
    assert outcome["status"] == "failed" and outcome["fault"] == "worker"
    assert outcome["worker"]["attempt"] == 2                   # tried again, then given up
    assert f"cannot see the project at {tmp_path / 'elsewhere'}: no such folder here" in outcome["error"]
    assert "(tried 2 time(s))" in outcome["error"]


async def test_a_different_project_at_the_same_path_is_refused(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"tests/test_a.py": "def test_a(): pass\n"})
    outcome = await _run_one(_spec(project), attempts=1)
    assert outcome["fault"] == "worker" and "sees a different project" in outcome["error"]


async def test_the_projects_own_failure_is_not_retried(tmp_path: Path) -> None:
    from lionagi_qe.analysis.project import inspect_project
    from lionagi_qe.workers.project_source import shared_source

    project = write_project(tmp_path / "p", {"pkg/__init__.py": "", "tests/test_a.py": "def test_a(): pass\n"})
    spec = _spec(project, source=shared_source(inspect_project(project), project), pytest_args=["--no-such-option"])
    outcome = await _run_one(spec, attempts=3)
    assert outcome["fault"] == "project" and outcome["worker"]["attempt"] == 1
    assert "pytest could not run the tests" in outcome["error"]


@pytest.mark.postgres
async def test_many_processes_migrate_the_queue_at_once(postgres_url: str, queue_schema: str) -> None:
    async def migrate() -> str:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
            return await migrate_queue(conn, queue_schema, lock_timeout=60)

    assert await asyncio.gather(*(migrate() for _ in range(6))) == [shipped_level()] * 6
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        assert await queue_level(conn, queue_schema) == shipped_level()
        cur = await conn.execute(f'SELECT count(*) FROM "{jobs_schema(queue_schema)}".aqe_queue_level')
        assert (await cur.fetchone()) == (1,)
        cur = await conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'procrastinate%%'",
            (jobs_schema(queue_schema),),
        )
        assert (await cur.fetchone())[0] == 4


@pytest.mark.postgres
async def test_a_queue_made_by_a_newer_procrastinate_is_refused(postgres_url: str, queue_schema: str) -> None:
    from lionagi_qe.errors import StorageError

    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        await migrate_queue(conn, queue_schema, lock_timeout=60)
        await conn.execute(f'INSERT INTO "{jobs_schema(queue_schema)}".aqe_queue_level (level) VALUES (%s)',
                           ("99.00.00_01_future",))
        with pytest.raises(StorageError, match="made by a newer procrastinate"):
            await migrate_queue(conn, queue_schema, lock_timeout=60)


def test_worker_refuses_other_modes(clean_env: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lionagi_qe.cli.main import app

    result = CliRunner().invoke(app, ["worker", "--check"])
    assert result.exit_code == 2
    assert "aqe worker needs production mode (this is development)" in result.stderr


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lionagi_qe.errors import ConfigurationError

    monkeypatch.setenv("AQE_WORKER_HEARTBEAT", "2")
    monkeypatch.setenv("AQE_JOB_ATTEMPTS", "4")
    assert WorkerSettings.from_environment() == WorkerSettings(heartbeat=2.0, max_attempts=4)
    assert WorkerSettings(heartbeat=2.0).stalled_after == 8.0
    monkeypatch.setenv("AQE_JOB_ATTEMPTS", "many")
    with pytest.raises(ConfigurationError, match="AQE_JOB_ATTEMPTS='many' is not a number"):
        WorkerSettings.from_environment()


def test_compose_worker_service_shares_the_database_and_the_project_path() -> None:
    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker" / "docker-compose.yml").read_text())
    worker = compose["services"]["worker"]
    assert worker["command"][0] == "worker" and worker["profiles"] == ["workers"]
    assert worker["environment"]["AQE_STORAGE_MODE"] == "production"
    assert "@postgres:5432/lionagi_qe_learning" in worker["environment"]["DATABASE_URL"]
    mount = worker["volumes"][0]
    assert mount["type"] == "bind" and mount["source"] == mount["target"], "workers see the caller's path"
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert float(worker["stop_grace_period"].rstrip("s")) > 60     # longer than aqe worker's --grace
    assert (Path(__file__).resolve().parents[2] / worker["build"]["dockerfile"]).exists()


async def test_a_shard_queued_twice_runs_and_counts_once(tmp_path: Path) -> None:
    from lionagi_qe.analysis.project import inspect_project
    from lionagi_qe.workers.project_source import shared_source

    project = write_project(tmp_path / "p", {"src/m.py": "def f():\n    return 1\n",
                                             "tests/test_a.py": "from m import f\n\ndef test_a():\n    assert f()\n"})
    spec = _spec(project, source=shared_source(inspect_project(project), project))
    memory = SessionMemory()
    async with JobQueue(memory, config=None, settings=WorkerSettings(heartbeat=0.5)) as queue, \
            in_process_worker(queue, concurrency=1):
        first = await run_jobs(queue, "run-x", [JobRequest("shard-1", "test-shard", spec)])
        await queue.defer("test-shard", "run-x", "shard-1", spec)           # the same shard again
        await asyncio.wait_for(_until_idle(queue), 60)
    stored = await memory.retrieve(result_key("run-x", "shard-1"))
    assert stored == first["shard-1"] and stored["result"]["tests"][0]["outcome"] == "passed"
    assert len(list((project / ".aqe" / "runs" / "run-x" / "shards").iterdir())) == 1   # run once


async def _until_idle(queue: JobQueue) -> None:
    while (stats := await queue.stats())["waiting"] or stats["running"]:
        await asyncio.sleep(0.05)
