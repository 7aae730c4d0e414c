"""Distributed runs on the real PostgreSQL with real `aqe worker` processes: same report as a local run,
whatever happens to the workers (SIGKILL mid-job, SIGTERM, a worker joining mid-run)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from helpers.fleet import copy_sample
from helpers.workers import (
    AQE,
    WorkerProcesses,
    comparable,
    live_workers,
    production_env,
    run_aqe,
    start_two_workers,
    started_jobs,
    wait_for,
    write_sleepy_project,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_two_workers_give_the_local_report(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    env = production_env(postgres_url, queue_schema)
    code, local, err = run_aqe(env, "run", str(project), "--json")
    assert code == 0, err
    with WorkerProcesses(env, tmp_path) as workers:
        start_two_workers(workers, postgres_url, queue_schema)
        code, distributed, err = run_aqe(env, "run", str(project), "--distributed", "--shards", "3", "--json")
    assert code == 0, err
    assert local is not None and distributed is not None
    assert comparable(distributed) == comparable(local)
    assert local["distributed"] is None
    shards = distributed["distributed"]["shards"]
    assert distributed["distributed"]["queue"] == "postgresql"
    assert len(shards) == 3 and {s["worker"] for s in shards} <= {"w1", "w2"}
    assert sum(s["tests"] for s in shards) == local["tests"]["total"]
    assert all(s["status"] == "ok" and s["attempts"] == 1 for s in shards)


def _start_run(env: dict[str, str], project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [AQE, "run", str(project), "--no-generate", "--distributed", "--json", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(run: subprocess.Popen[str]) -> dict:
    import json

    out, err = run.communicate(timeout=240)
    assert run.returncode == 0, err[-3000:]
    return json.loads(out)


def _ps(*selection: str) -> list[int]:
    """Live (not zombie) pids `ps` lists for a selection such as ('--ppid', '123') or ('-s', '456')."""
    found = subprocess.run(["ps", "-o", "pid=,stat=", *selection], capture_output=True, text=True, check=False)
    rows = [line.split() for line in found.stdout.splitlines() if line.strip()]
    return [int(pid) for pid, stat in rows if not stat.startswith("Z")]


def test_a_worker_killed_mid_job_loses_nothing(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    project = write_sleepy_project(tmp_path / "napper", files=4, tests_per_file=3, seconds=2.0)
    env = production_env(postgres_url, queue_schema)
    code, local, err = run_aqe(env, "run", str(project), "--no-generate", "--json")
    assert code == 0, err
    with WorkerProcesses(env, tmp_path) as workers:
        workers.start("doomed")
        workers.start("survivor")
        wait_for(lambda: live_workers(postgres_url, queue_schema) == 2, 60, "two live workers")
        run = _start_run(env, project, "--shards", "4")
        wait_for(lambda: "doomed" in started_jobs(postgres_url, queue_schema).values(), 60, "doomed to take a shard")
        job_processes = wait_for(lambda: _ps("--ppid", str(workers.procs["doomed"].pid)), 30, "its job process")
        workers.kill("doomed")
        # its shard's processes (a session each, still sleeping for seconds) end with it instead
        wait_for(lambda: not any(_ps("-s", str(pid)) for pid in job_processes), 4, "the job's processes to end")
        report = _finish(run)
    assert comparable(report) == comparable(local)
    shards = report["distributed"]["shards"]
    assert {s["worker"] for s in shards} == {"survivor"}
    assert max(s["attempts"] for s in shards) == 2          # the lost shard ran again
    assert sum(s["tests"] for s in shards) == 12


def test_a_third_worker_started_mid_run_takes_work(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    project = write_sleepy_project(tmp_path / "napper", files=6, tests_per_file=2, seconds=1.5)
    env = production_env(postgres_url, queue_schema)
    with WorkerProcesses(env, tmp_path) as workers:
        start_two_workers(workers, postgres_url, queue_schema)
        run = _start_run(env, project, "--shards", "6")
        wait_for(lambda: len(started_jobs(postgres_url, queue_schema)) >= 2, 60, "the first shards to start")
        workers.start("late")
        report = _finish(run)
    assert report["status"] == "passed" and report["tests"]["counts"]["passed"] == 12
    workers_used = [s["worker"] for s in report["distributed"]["shards"]]
    assert "late" in workers_used and len(workers_used) == 6


def test_sigterm_puts_the_running_job_back_for_another_worker(
    postgres_url: str, queue_schema: str, tmp_path: Path
) -> None:
    project = write_sleepy_project(tmp_path / "napper", files=2, tests_per_file=3, seconds=1.0)
    env = production_env(postgres_url, queue_schema)
    with WorkerProcesses(env, tmp_path) as workers:
        leaving = workers.start("leaving", "--grace", "0")
        wait_for(lambda: live_workers(postgres_url, queue_schema) == 1, 60, "a live worker")
        run = _start_run(env, project, "--shards", "1")
        wait_for(lambda: "leaving" in started_jobs(postgres_url, queue_schema).values(), 60, "the shard to start")
        leaving.send_signal(signal.SIGTERM)
        assert leaving.wait(timeout=30) == 0                    # stopped cleanly, without finishing the shard
        workers.start("staying")
        report = _finish(run)
    shard = report["distributed"]["shards"][0]
    assert (shard["worker"], shard["attempts"], shard["tests"]) == ("staying", 2, 6)
    assert "Stopped worker" in workers.log("leaving")


def test_worker_check_reports_the_queue(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    env = production_env(postgres_url, queue_schema)
    with WorkerProcesses(env, tmp_path) as workers:
        workers.start("w1")
        wait_for(lambda: live_workers(postgres_url, queue_schema) == 1, 60, "a live worker")
        code, report, err = run_aqe(env, "worker", "--check", "--json")
    assert code == 0, err
    assert report == {
        "schema": f"{queue_schema}_jobs", "waiting": 0, "running": 0, "failed": 0, "succeeded": 0, "aborted": 0,
        "live_workers": 1, "stalled_workers": 0,
    }


def test_no_live_worker_stops_the_run_with_what_to_do(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    env = production_env(postgres_url, queue_schema)
    code, report, _ = run_aqe(env, "run", str(project), "--no-generate", "--distributed", "--json",
                              "--worker-wait", "2")
    assert code == 2 and report is not None
    assert "no aqe worker has been alive on the queue for 2s" in report["error"]["message"]
