"""Run the target's pytest-benchmark tests and read their results, where the project has them.

    if uses_pytest_benchmark(project, python):
        results = run_benchmarks(project, settings, work_dir)
        results[0]    # {'name': 'test_sort', 'fullname': 'tests/test_perf.py::test_sort', 'mean': 1.2e-05, ...}

A project has them when one of its test files asks for the `benchmark`
fixture and its interpreter has pytest-benchmark. They run with
`--benchmark-only --benchmark-json`; times are seconds per round.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.probes import PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment

BENCHMARK_TIMEOUT = 600.0
STATS = ("mean", "median", "min", "max", "stddev", "rounds", "ops")
_FIXTURE = re.compile(r"def test\w*\s*\([^)]*\bbenchmark\b")


def uses_pytest_benchmark(project: TargetProject, python: Path) -> bool:
    """Whether a test asks for the `benchmark` fixture and `python` has pytest-benchmark."""
    if not any(_FIXTURE.search(f.read_text(encoding="utf-8", errors="replace")) for f in project.test_files):
        return False
    done = subprocess.run(
        [str(python), "-c", "import pytest_benchmark"], capture_output=True, timeout=60, check=False
    )
    return done.returncode == 0


def run_benchmarks(project: TargetProject, settings: RunSettings, work_dir: Path) -> list[dict[str, Any]]:
    """Run the benchmarks alone and return one dict per benchmark ([] when none ran)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    output = work_dir / "benchmark.json"
    output.unlink(missing_ok=True)
    plugin = ["-p", "pytest_benchmark.plugin"] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
    command = [
        str(settings.python), "-m", "pytest", "-p", PYTEST_PLUGIN, *plugin, *settings.pytest_args,
        "--benchmark-only", f"--benchmark-json={output}", "-q",
    ]
    with (work_dir / "pytest-benchmark.log").open("wb") as log:
        subprocess.run(
            command, cwd=project.root, env=probe_environment(project), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, timeout=BENCHMARK_TIMEOUT, check=False,
        )
    if not output.exists():
        return []
    report = json.loads(output.read_text(encoding="utf-8"))
    return [
        {"name": b["name"], "fullname": b["fullname"], **{k: b["stats"][k] for k in STATS}}
        for b in report.get("benchmarks", [])
    ]
