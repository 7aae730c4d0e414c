"""The flaky-test hunter locally against `--distributed` in development mode (its runs as in-process jobs).

    .venv/bin/python benchmarks/bench_distributed_flaky.py
    .venv/bin/python benchmarks/bench_distributed_flaky.py --files 8 --tests 2 --seconds 0.25 --repeat 3

The project is generated (`bench_distributed.write_project`: `--files` test
files of `--tests` sleeping tests) plus an order-dependent pair: a victim in
the first file and its polluter in the last. Each repetition runs, on fresh
copies, `aqe run --no-generate --agents flaky-test-hunter` with the default
hunt (3 reruns, 3 random orders, seed `--seed`), then the same with
`--distributed` (the in-process worker takes `os.cpu_count()` jobs at once).
Prints the hunter's own time in each (medians), the ratio distributed/local,
the jobs sent, and whether both found the same (they must).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_distributed import AQE, write_project

VICTIM = "from napper import core\n\n\ndef test_a_starts_clean():\n    assert not hasattr(core, 'DIRTY')\n"
POLLUTER = "from napper import core\n\n\ndef test_z_dirties():\n    core.DIRTY = True\n"


def hunted_project(root: Path, files: int, tests: int, seconds: float) -> Path:
    write_project(root, files, tests, seconds)
    (root / "tests" / "test_a_victim.py").write_text(VICTIM)
    (root / "tests" / "test_z_polluter.py").write_text(POLLUTER)
    return root


def hunt(project: Path, seed: int, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AQE_", "DATABASE_URL"))}
    env.update({"AQE_STORAGE_MODE": "development", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    done = subprocess.run(
        [AQE, "run", str(project), "--no-generate", "--agents", "flaky-test-hunter", "--flaky-seed", str(seed),
         "--json", *extra],
        env=env, capture_output=True, text=True, timeout=1800, check=False,
    )
    if not done.stdout.strip().startswith("{"):
        raise SystemExit(f"aqe run exited {done.returncode}:\n{done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def findings(report: dict[str, Any]) -> Any:
    flaky = report["flaky"]
    runs = [(run["kind"], run["seed"], run["tests"], run["failed"]) for run in flaky["runs"]]
    return [flaky[k] for k in ("flaky", "order_dependent", "seeds", "processes")] + [runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--tests", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"local": [], "distributed": []}
    same, jobs, found = True, 0, None
    with tempfile.TemporaryDirectory(prefix="aqe-bench-flaky-jobs-") as tmp:
        for n in range(args.repeat):
            reports = {}
            for name, extra in (("local", ()), ("distributed", ("--distributed",))):
                project = hunted_project(Path(tmp) / f"{name}-{n}", args.files, args.tests, args.seconds)
                reports[name] = hunt(project, args.seed, *extra)
                times[name].append(reports[name]["agents"]["flaky-test-hunter"]["duration_s"])
            same = same and findings(reports["local"]) == findings(reports["distributed"])
            jobs = len(reports["distributed"]["distributed"]["jobs"])
            found = reports["local"]["flaky"]["order_dependent"]
    local, distributed = statistics.median(times["local"]), statistics.median(times["distributed"])
    print(f"project: {args.files} files x {args.tests} tests x {args.seconds}s + a victim and its polluter; "
          f"cpu {os.cpu_count()}, python {sys.version.split()[0]}")
    print(f"order-dependent found: {[(o['victim'], o['polluter'], o['seed']) for o in found or []]}")
    print(f"flaky-test-hunter, local:       {local:7.2f} s")
    print(f"flaky-test-hunter, distributed: {distributed:7.2f} s  ({distributed / local:.2f} x local, {jobs} jobs)")
    print(f"same findings: {same}")


if __name__ == "__main__":
    main()
