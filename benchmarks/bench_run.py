"""Overhead of the fleet: `aqe run --no-generate` against `coverage run --branch -m pytest` alone.

    .venv/bin/python benchmarks/bench_run.py                     # examples/sample_project, 5 repetitions
    .venv/bin/python benchmarks/bench_run.py --repeat 9 --project path/to/project

Both commands run on the same project in the same session, alternately, so
machine noise hits both alike; each is timed from process start to exit
(wall clock). Prints the median of each and the overhead ratio
aqe / coverage (target: at most 1.3x). The project is copied to a temporary
folder first, so nothing is written into it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3


def timed(command: list[str], cwd: Path) -> float:
    """Seconds the command took; fails loudly if it did not succeed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT / "examples" / "sample_project")
    parser.add_argument("--source", default="src", help="folder measured by the plain coverage run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    aqe = Path(sys.executable).parent / "aqe"
    with tempfile.TemporaryDirectory(prefix="aqe-bench-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.project, project, ignore=shutil.ignore_patterns(".aqe", "__pycache__", ".coverage*"))
        plain = [sys.executable, "-m", "coverage", "run", "--branch", f"--source={args.source}", "-m", "pytest", "-q"]
        fleet = [str(aqe), "run", str(project), "--no-generate", "--json"]
        timed(plain, project)  # warm the file system caches for both
        timed(fleet, project)
        coverage_times, fleet_times = [], []
        for _ in range(args.repeat):
            coverage_times.append(timed(plain, project))
            fleet_times.append(timed(fleet, project))
    base, ours = statistics.median(coverage_times), statistics.median(fleet_times)
    ratio = ours / base
    print(f"project: {args.project}  repetitions: {args.repeat} (medians, wall clock)")
    print(f"coverage run --branch -m pytest : {base:6.2f}s   runs: {', '.join(f'{t:.2f}' for t in coverage_times)}")
    print(f"aqe run --no-generate           : {ours:6.2f}s   runs: {', '.join(f'{t:.2f}' for t in fleet_times)}")
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"overhead ratio                  : {ratio:.2f}x (target <= {TARGET_RATIO}x) -> {verdict}")


if __name__ == "__main__":
    main()
