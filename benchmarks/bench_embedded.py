"""Start-up cost of embedded mode: an `aqe` command with the server cold and warm, against development mode.

    .venv/bin/python benchmarks/bench_embedded.py                 # 7 repetitions
    .venv/bin/python benchmarks/bench_embedded.py --repeat 11
    .venv/bin/python benchmarks/bench_embedded.py --database-url "$AQE_TEST_DATABASE_URL"   # + production

The command is `aqe memory ls aqe/`: it starts, opens the store, lists, and
exits, so its time is start-up. In each repetition, one after another:

- development: in-process memory (the baseline);
- embedded, first use: a new data folder (initdb, start, stop);
- embedded, cold: the folder exists, no server runs (this command starts it and,
  being the last user, stops it on exit: what a lone command pays);
- embedded, warm: another process holds the server (as during a long `aqe run`),
  so the command only connects;
- production (with --database-url): the same command on a PostgreSQL server of
  yours, for what any PostgreSQL backend costs at start-up (driver, pool, schema check);
  in a schema of its own, aqe_bench_embedded, dropped at the end.

Wall clock from process start to exit; prints medians and the ratio to development.
Data folders are temporary; the user's own is never touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AQE = str(Path(sys.executable).parent / "aqe")
HOLD = (
    "import sys; from pathlib import Path; from lionagi_qe.storage.embedded_server import EmbeddedServer; "
    "lease = EmbeddedServer(Path(sys.argv[1])).acquire(); print('held', flush=True); sys.stdin.readline(); "
    "lease.release()"
)
CASES = ("development", "embedded, first use", "embedded, cold", "embedded, warm")


def environment(mode: str, folder: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ENVIRONMENT", "NODE_ENV", "DATABASE_URL")}
    env.update(AQE_STORAGE_MODE=mode, AQE_EMBEDDED_DATA=str(folder), AQE_DB_SCHEMA="aqe_bench_embedded")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def timed(env: dict[str, str]) -> float:
    """Seconds `aqe memory ls aqe/` took; fails loudly if it did not succeed."""
    started = time.perf_counter()
    done = subprocess.run([AQE, "memory", "ls", "aqe/"], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"aqe memory ls exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def warm(folder: Path) -> float:
    """The command's time while another process holds the server."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        return timed(environment("embedded", folder))
    finally:
        holder.communicate("\n", timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="", help="also time production mode on this server")
    args = parser.parse_args()
    cases = (*CASES, "production") if args.database_url else CASES
    times: dict[str, list[float]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="aqe-bench-embedded-") as tmp:
        os.chmod(tmp, 0o711)  # as root, the server's own user passes through
        folder = Path(tmp) / "embedded"
        timed(environment("development", folder))  # warm the file system caches
        timed(environment("embedded", folder))
        for repetition in range(args.repeat):
            fresh = Path(tmp) / f"fresh-{repetition}"
            times["development"].append(timed(environment("development", folder)))
            times["embedded, first use"].append(timed(environment("embedded", fresh)))
            times["embedded, cold"].append(timed(environment("embedded", folder)))
            times["embedded, warm"].append(warm(folder))
            if args.database_url:
                times["production"].append(timed(environment("production", folder, args.database_url)))
            shutil.rmtree(fresh)
    if args.database_url:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS aqe_bench_embedded CASCADE")
    base = statistics.median(times["development"])
    print(f"aqe memory ls aqe/ from process start to exit; {args.repeat} repetitions, medians (wall clock)")
    print(f"{'case':<22} {'median':>8} {'vs development':>15} {'extra':>9}   runs")
    for case in cases:
        median = statistics.median(times[case])
        runs = ", ".join(f"{t:.2f}" for t in times[case])
        print(f"{case:<22} {median:7.3f}s {median / base:14.2f}x {1000 * (median - base):7.0f}ms   {runs}")


if __name__ == "__main__":
    main()
