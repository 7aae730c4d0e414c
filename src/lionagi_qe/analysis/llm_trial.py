"""Run a model's test module once, under coverage, to tell the model what happened.

    trial = try_tests(project, settings, source, "test_aqe_pricing_bulk_price_llm", gap.path, work_dir)
    trial.passed, trial.failures[0].show()     # 'test_x: `assert 90.0 == 100.0` at ...'
    trial.lines, trial.arcs                     # what it ran of the target file

One pytest process in the target's interpreter, in the project's root, with
its plugins (a model's tests may use their fixtures), short tracebacks and a
JUnit XML report, measuring only the target file. This is the loop's quick
look; the tests the loop keeps are then verified like every candidate
(`analysis.generation.close_gaps`).
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from lionagi_qe.analysis.coverage_report import Arc
from lionagi_qe.analysis.llm_loop import Trial, failures_from_junit
from lionagi_qe.analysis.probes import PYTEST_PLUGIN
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import RunSettings, probe_environment

MIN_TRIAL_TIMEOUT = 30.0


def try_tests(
    project: TargetProject, settings: RunSettings, source: str, stem: str, target: str, work_dir: Path
) -> Trial:
    """Run `source` (written to work_dir/<stem>.py) once; see the module docstring."""
    work_dir.mkdir(parents=True, exist_ok=True)
    test_file = work_dir / f"{stem}.py"
    test_file.write_text(source, encoding="utf-8")
    data_file, junit = work_dir / "trial.coverage", work_dir / "junit.xml"
    data_file.unlink(missing_ok=True)
    junit.unlink(missing_ok=True)
    command = [
        str(settings.python), "-m", "coverage", "run", "--branch", f"--data-file={data_file}", f"--include={target}",
        "-m", "pytest", "-p", PYTEST_PLUGIN, "-p", "no:cacheprovider", "-q", "--tb=short", f"--junitxml={junit}",
        str(test_file),
    ]
    limit = max(MIN_TRIAL_TIMEOUT, 4 * settings.test_timeout)
    env = probe_environment(project, {"AQE_PROBE_TIMEOUT": str(settings.test_timeout)})
    try:
        done = subprocess.run(
            command, cwd=project.root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=limit, check=False,
        )
    except subprocess.TimeoutExpired:
        return Trial(False, problem=f"the module did not finish within {limit:g}s")
    tail = " | ".join((done.stdout.strip() or done.stderr.strip()).splitlines()[-3:])[:400]
    if not junit.exists():
        return Trial(False, problem=f"pytest could not run it (exit {done.returncode}): {tail}")
    try:
        ran, failures = failures_from_junit(junit.read_text(encoding="utf-8"), project, test_file)
    except ET.ParseError:
        return Trial(False, problem=f"pytest's report was cut short (exit {done.returncode}): {tail}")
    if failures:
        return Trial(False, failures)
    if ran == 0 or done.returncode != 0:
        return Trial(False, problem=f"no test ran (pytest exit {done.returncode}): {tail}")
    lines, arcs = _covered(data_file, target)
    return Trial(True, lines=lines, arcs=arcs)


def _covered(data_file: Path, target: str) -> tuple[set[int], set[Arc]]:
    """Lines and arcs of `target` in a coverage data file (empty if it was not measured)."""
    import coverage

    if not data_file.exists():
        return set(), set()
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    wanted = Path(target).resolve()
    for measured in data.measured_files():
        if Path(measured).resolve() == wanted:
            return set(data.lines(measured) or []), {(a, b) for a, b in data.arcs(measured) or []}
    return set(), set()
