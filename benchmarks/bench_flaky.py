"""Cost of the flaky-test hunter per rerun, against running the suite plainly with pytest.

    .venv/bin/python benchmarks/bench_flaky.py                   # examples/sample_project, 5 repetitions
    .venv/bin/python benchmarks/bench_flaky.py --repeat 9 --project path/to/project

Side by side, alternately in one session, on a copy of the project:
`python -m pytest -q` (the baseline), then each kind of run the hunter makes
(the suite in its own order, in a random order, each test alone in a forked
process), each one pytest process. Prints the median wall-clock time of each
and its ratio to the plain run, then one whole hunt with the default options
(reruns, random orders, isolation; no flaky test to bisect on the sample) and
its cost in plain runs.
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

from lionagi_qe.analysis.flaky_hunter import HuntOptions, hunt_flaky, shuffled
from lionagi_qe.analysis.interpreter import resolve_interpreter
from lionagi_qe.analysis.ordered_runs import OrderedRunner
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import RunSettings

ROOT = Path(__file__).resolve().parents[1]


def plain_run(project: Path) -> float:
    """Seconds `python -m pytest -q` took on `project`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project, capture_output=True, timeout=600, check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"pytest exited {done.returncode} on {project}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT / "examples" / "sample_project")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = RunSettings(python=resolve_interpreter(), test_timeout=60)
    with tempfile.TemporaryDirectory(prefix="aqe-bench-flaky-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(args.project, copy, ignore=shutil.ignore_patterns(".aqe", "__pycache__", ".coverage*"))
        target = inspect_project(copy)
        runner = OrderedRunner(target, settings, Path(tmp) / "work")
        order = runner.run("original").order
        plain_run(copy)  # warm the file system caches
        times: dict[str, list[float]] = {"plain pytest": [], "own order": [], "random order": [], "each alone": []}
        for seed in range(args.repeat):
            times["plain pytest"].append(plain_run(copy))
            times["own order"].append(runner.run("original").duration_s)
            times["random order"].append(runner.run("shuffled", shuffled(order, seed), seed=seed).duration_s)
            times["each alone"].append(runner.run("alone", order, isolate=True).duration_s)
        options = HuntOptions()
        hunt = hunt_flaky(target, settings, Path(tmp) / "hunt", dict.fromkeys(order, "passed"), options)
    base = statistics.median(times["plain pytest"])
    print(f"project: {args.project}  tests: {len(order)}  repetitions: {args.repeat} (medians, wall clock)")
    for name, values in times.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<14}: {median:6.2f}s  {median / base:5.2f}x plain   runs: {runs}")
    print(
        f"whole hunt (reruns={options.reruns}, orders={options.orders}, alone): {hunt.duration_s:.2f}s in "
        f"{hunt.processes} pytest processes = {hunt.duration_s / base:.1f} plain runs"
    )


if __name__ == "__main__":
    main()
