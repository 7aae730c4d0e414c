"""Distributed runs against a local run: `aqe run --distributed` with 1, 2 and 4 worker processes.

    AQE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/bench_distributed.py
    .venv/bin/python benchmarks/bench_distributed.py --files 16 --tests 4 --seconds 0.5 --repeat 3

The project is generated: `--files` test files of `--tests` tests, each
sleeping `--seconds` (a suite dominated by waiting, as I/O-bound suites
are, so two cores do not hide the scaling). Every configuration runs on the
same project, alternately, `--repeat` times (medians, wall clock from the
`aqe` process start to its exit): the local run (`aqe run --no-generate`),
then `--distributed` with N `aqe worker` processes (concurrency 1 each,
2 x N shards). Prints, per worker count, the speedup over the local run
and the per-job overhead: (distributed wall time x workers - local wall
time) / jobs, what each job costs beyond the local run's work (queueing,
job process, pytest and coverage start, carrying and combining coverage);
with one worker the jobs run one after another, so that figure is exact,
with more it also counts workers left idle at the end (an upper bound). A queue-only figure,
`--queue-jobs` empty jobs deferred and fetched through procrastinate on the
same PostgreSQL, gives the queue's own jobs per second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
AQE = str(Path(sys.executable).parent / "aqe")


def write_project(root: Path, files: int, tests: int, seconds: float) -> Path:
    """A project whose tests sleep: `files` x `tests` tests of `seconds` each."""
    (root / "src" / "napper").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "napper"\nversion = "0"\n')
    (root / "src" / "napper" / "__init__.py").write_text("")
    (root / "src" / "napper" / "core.py").write_text(
        "import time\n\n\ndef nap(seconds):\n    time.sleep(seconds)\n    return seconds\n"
    )
    for f in range(files):
        body = "from napper.core import nap\n" + "".join(
            f"\n\ndef test_nap_{t}():\n    assert nap({seconds}) == {seconds}\n" for t in range(tests)
        )
        (root / "tests" / f"test_nap_{f:02d}.py").write_text(body)
    return root


def environment(url: str, schema: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AQE_STORAGE_MODE": "production", "DATABASE_URL": url, "AQE_DB_SCHEMA": schema,
        "AQE_WORKER_HEARTBEAT": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "DB_POOL_SIZE": "1",
    })
    return env


def timed_run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([AQE, "run", *args], env=env, capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"aqe run {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def start_workers(env: dict[str, str], count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        log = (logs / f"worker-{count}-{n}.log").open("wb")
        procs.append(subprocess.Popen([AQE, "worker", "--name", f"w{n}"], env=env, stdout=log, stderr=log))
    return procs


def live_workers(url: str, schema: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}_jobs".procrastinate_workers',)).fetchone()
        if not row or row[0] is None:
            return 0
        count = conn.execute(
            f'SELECT count(*) FROM "{schema}_jobs".procrastinate_workers '
            "WHERE last_heartbeat > now() - interval '3 seconds'"
        ).fetchone()
        return int(count[0]) if count else 0


def wait_for_workers(url: str, schema: str, count: int) -> None:
    deadline = time.monotonic() + 120
    while live_workers(url, schema) != count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} workers did not start within 120s")
        time.sleep(0.2)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=60)


async def queue_throughput(url: str, schema: str, jobs: int) -> tuple[float, float]:
    """(defer jobs/s, fetch-and-finish jobs/s) of procrastinate alone on this PostgreSQL, empty jobs."""
    import procrastinate

    from lionagi_qe.workers.queue_schema import jobs_schema, migrate_queue

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate_queue(conn, schema, lock_timeout=60)
    connector = procrastinate.PsycopgConnector(
        conninfo=url, kwargs={"options": f"-c search_path={jobs_schema(schema)}"}, min_size=1, max_size=4
    )
    app = procrastinate.App(connector=connector)
    done = 0

    @app.task(name="bench.empty")
    async def empty() -> None:
        nonlocal done
        done += 1

    async with app.open_async():
        started = time.perf_counter()
        for _ in range(jobs):
            await empty.defer_async()
        deferred = time.perf_counter() - started
        started = time.perf_counter()
        await app.run_worker_async(wait=False, concurrency=1, install_signal_handlers=False, delete_jobs="always")
        worked = time.perf_counter() - started
    assert done == jobs
    return jobs / deferred, jobs / worked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--tests", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--queue-jobs", type=int, default=500)
    args = parser.parse_args()
    logging.getLogger("procrastinate").setLevel(logging.ERROR)
    url = os.environ.get("AQE_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set AQE_TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL the benchmark may use")
    counts = [int(n) for n in args.workers.split(",")]
    schema = f"aqe_bench_{uuid.uuid4().hex[:8]}"
    env = environment(url, schema)
    sleep_total = args.files * args.tests * args.seconds
    try:
        with tempfile.TemporaryDirectory(prefix="aqe-bench-dist-") as tmp:
            project = write_project(Path(tmp) / "napper", args.files, args.tests, args.seconds)
            timed_run(env, str(project), "--no-generate", "--json")  # warm caches; durations for the planner
            local = [timed_run(env, str(project), "--no-generate", "--json") for _ in range(args.repeat)]
            distributed: dict[int, list[float]] = {}
            for count in counts:
                workers = start_workers(env, count, Path(tmp))
                try:
                    wait_for_workers(url, schema, count)
                    shards = str(min(args.files, 2 * count))
                    distributed[count] = [
                        timed_run(env, str(project), "--no-generate", "--json", "--distributed", "--shards", shards)
                        for _ in range(args.repeat)
                    ]
                finally:
                    stop(workers)
        defer_rate, work_rate = asyncio.run(queue_throughput(url, schema + "_q", args.queue_jobs))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in (schema, f"{schema}_jobs", f"{schema}_q", f"{schema}_q_jobs"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    base = statistics.median(local)
    print(f"project: {args.files} files x {args.tests} tests x {args.seconds}s sleep = {sleep_total:.0f}s of waiting; "
          f"medians of {args.repeat} runs, wall clock")
    print(f"{'run':<28}{'seconds':>9}{'speedup':>9}{'jobs':>6}{'overhead/job':>14}")
    print(f"{'local (aqe run)':<28}{base:9.2f}{1.0:9.2f}{'-':>6}{'-':>14}")
    for count, times in distributed.items():
        wall = statistics.median(times)
        jobs = min(args.files, 2 * count)
        overhead = (wall * count - base) / jobs
        label = f"--distributed, {count} worker(s)"
        print(f"{label:<28}{wall:9.2f}{base / wall:9.2f}{jobs:6d}{overhead:13.2f}s")
    print(f"queue alone ({args.queue_jobs} empty jobs, one connection each way): "
          f"defer {defer_rate:.0f} jobs/s, fetch+finish {work_rate:.0f} jobs/s")


if __name__ == "__main__":
    main()
