"""The flaky-test hunter in `aqe run --distributed`: its reruns, random orders and bisection steps run as
`flaky-runs` jobs, in process on a `--from-git` checkout (development mode) or on two real `aqe worker`
processes sharing the path (PostgreSQL), and it finds what a local run finds with the same seeds; a job's
failure is the project's or the workers'."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.fleet import write_project
from helpers.workers import (
    WorkerProcesses,
    commit_all,
    production_env,
    run_aqe,
    start_two_workers,
)
from lionagi_qe.analysis.ordered_runs import RunRequest
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.cli.main import app
from lionagi_qe.errors import TargetProjectError, WorkerError
from lionagi_qe.storage import SessionMemory
from lionagi_qe.workers.distributed_flaky import JobOrders
from lionagi_qe.workers.in_process import in_process_worker
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.project_source import shared_source
from lionagi_qe.workers.queue import JobQueue
from lionagi_qe.workers.settings import WorkerSettings

pytestmark = pytest.mark.slow

VICTIM = "tests/test_a_cart.py::test_a_cart_starts_empty"
POLLUTER = "tests/test_b_orders.py::test_b_adds_an_item"
COIN = "tests/test_c_coin.py::test_c_coin"
FILES = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        ITEMS: list[str] = []


        def add(item):
            ITEMS.append(item)
    """,
    "tests/test_a_cart.py": """
        from shop import cart


        def test_a_cart_starts_empty():
            assert cart.ITEMS == []


        def test_a_other():
            assert True
    """,
    "tests/test_b_orders.py": """
        from shop import cart


        def test_b_count_is_a_number():
            assert isinstance(len(cart.ITEMS), int)


        def test_b_adds_an_item():
            cart.add("book")
            assert cart.ITEMS
    """,
    # fails at its second call only: the hunt's first rerun, which runs alone (the executor's run is the first)
    "tests/test_c_coin.py": """
        import uuid
        from pathlib import Path

        CALLS = Path(__file__).with_name("coin-calls")


        def test_c_coin():
            CALLS.mkdir(exist_ok=True)
            (CALLS / uuid.uuid4().hex).touch()
            seen = len(list(CALLS.iterdir()))
            assert seen != 2, f"call {seen}"
    """,
    "tests/test_d_misc.py": """
        def test_d_one():
            assert 1 + 1 == 2


        def test_d_two():
            assert "a".upper() == "A"
    """,
}
HUNT = (
    "--no-generate", "--agents", "flaky-test-hunter", "--flaky-reruns", "2", "--flaky-orders", "2",
    "--flaky-seed", "1", "--json",
)
"""With seed 1 the second random order (seed 2) runs the polluter's file before the victim's."""


def findings(report: dict[str, Any]) -> dict[str, Any]:
    """What the hunt found and ran, without times and accumulated rates (they name the run)."""
    section = report["flaky"]
    assert section is not None, report["agents"]["flaky-test-hunter"]
    found = {k: v for k, v in section.items() if k not in ("duration_s", "rates")}
    found["runs"] = [{k: v for k, v in run.items() if k != "duration_s"} for run in section["runs"]]
    return found


def assert_the_planted_findings(found: dict[str, Any]) -> None:
    [order_dependent] = found["order_dependent"]
    assert (order_dependent["victim"], order_dependent["polluter"], order_dependent["seed"]) == (VICTIM, POLLUTER, 2)
    [flaky] = found["flaky"]
    assert (flaky["nodeid"], flaky["failures"], flaky["runs"], flaky["message"]) == (
        COIN, 1, 6, "AssertionError: call 2\nassert 2 != 2")
    assert found["seeds"] == [1, 2]


def flaky_jobs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in report["distributed"]["jobs"] if row["kind"] == "flaky-runs"]


def aqe(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    result = CliRunner().invoke(app, list(args))
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, report, result.stderr


def test_in_process_from_git_the_hunt_finds_what_the_local_hunt_finds(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, local, err = aqe("run", str(write_project(tmp_path / "local", FILES)), *HUNT)
    assert code == 0 and local is not None, err
    project = write_project(tmp_path / "distributed", FILES)
    commit = commit_all(project)
    clean_env.setenv("AQE_WORKER_CACHE", str(tmp_path / "cache"))
    code, distributed, err = aqe("run", str(project), "--distributed", "--from-git", f"{project}@{commit}", *HUNT)
    assert code == 0 and distributed is not None, err
    assert_the_planted_findings(findings(local))
    assert findings(distributed) == findings(local)
    assert local["distributed"] is None and "distributed" not in distributed["flaky"]
    jobs = flaky_jobs(distributed)
    assert {(row["status"], row["worker"], row["attempts"]) for row in jobs} == {("ok", "in-process", 1)}
    assert jobs[0]["summary"] == "original: 7 tests, 1 failed"          # the first rerun, alone
    assert "shuffled seed 2: 7 tests, 1 failed" in " ".join(row["summary"] for row in jobs)
    assert sum(row["summary"].count("bisect") for row in jobs) >= 2       # the replay and the bisection
    assert list((tmp_path / "local" / ".aqe" / "runs").glob("*/flaky/events-*")), "the local hunt ran here"
    [checkout] = (tmp_path / "cache").glob(f"*/trees/{commit}")
    assert list((checkout / ".aqe" / "runs").glob("*/flaky/flaky-runs-*/events-*")), "the jobs ran in the checkout"
    assert not list((project / ".aqe" / "runs").glob("*/flaky/events-*")), "no run was made here"


async def _send(spec_changes: dict[str, Any], tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", FILES)
    spec = {"source": shared_source(inspect_project(project, check_syntax=False), project), "run_id": "run-x",
            "python": None, "venv": None, "test_timeout": 30.0, "pytest_args": [], **spec_changes}
    settings = WorkerSettings(heartbeat=0.5, max_attempts=1)
    async with JobQueue(SessionMemory(), config=None, settings=settings) as queue, in_process_worker(queue, 1):
        runner = JobOrders(JobClient(queue), asyncio.get_running_loop(), "run-x", spec, at_once=1, worker_wait=5)
        await asyncio.to_thread(runner.run_all, [RunRequest("original")])


async def test_a_run_the_project_cannot_make_fails_as_it_would_here(tmp_path: Path) -> None:
    with pytest.raises(TargetProjectError, match="is not an executable Python interpreter; check the --python"):
        await _send({"python": str(tmp_path / "no-python")}, tmp_path)


async def test_a_run_no_worker_can_make_fails_with_the_workers_message(tmp_path: Path) -> None:
    with pytest.raises(WorkerError, match=r"flaky-runs-1 could not be run: worker .* cannot see the project at"):
        await _send({"source": {"path": str(tmp_path / "elsewhere"), "root": "", "fingerprint": ""}}, tmp_path)


@pytest.mark.postgres
def test_two_workers_share_the_hunt_and_find_what_the_local_hunt_finds(
    postgres_url: str, queue_schema: str, tmp_path: Path
) -> None:
    env = production_env(postgres_url, queue_schema)
    code, local, err = run_aqe(env, "run", str(write_project(tmp_path / "local", FILES)), *HUNT)
    assert code == 0 and local is not None, err
    with WorkerProcesses(env, tmp_path) as workers:
        start_two_workers(workers, postgres_url, queue_schema)
        code, distributed, err = run_aqe(
            env, "run", str(write_project(tmp_path / "distributed", FILES)), "--distributed", *HUNT)
    assert code == 0 and distributed is not None, err
    assert_the_planted_findings(findings(local))
    assert findings(distributed) == findings(local)
    jobs = flaky_jobs(distributed)
    assert all(row["status"] == "ok" and row["attempts"] == 1 for row in jobs)
    assert {row["worker"] for row in jobs} == {"w1", "w2"}
    assert distributed["distributed"]["queue"] == "postgresql"
