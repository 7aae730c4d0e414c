"""aqe's coverage figure beside coverage.py's on real PyPI projects: the two must be equal.

    .venv/bin/python benchmarks/bench_real_projects.py                 # every project below
    .venv/bin/python benchmarks/bench_real_projects.py --only six --only toolz
    AQE_BENCH_CACHE=/var/cache/aqe-bench .venv/bin/python benchmarks/bench_real_projects.py

Each project is a pinned sdist from the package index (`pip download
--no-deps --no-binary :all:`), cached with its own virtualenv (pytest,
coverage and its test dependencies) in $AQE_BENCH_CACHE, default
~/.cache/aqe-bench; nothing is written into this repository. For each, the
sdist is unpacked into a fresh folder, `aqe run --no-generate --json --venv
VENV` measures it, and `coverage report --data-file=<aqe's data file>` runs in
the project root with the project's own configuration and the project's
interpreter. The table gives both figures and whether they are equal (the
same Stmts, Miss, Branch and BrPart, and the same Cover as coverage.py shows
it). Exits 1 if any project differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from coverage.results import display_covered

TOTAL = re.compile(r"^TOTAL\s+(\d+)\s+(\d+)(?:\s+(\d+)\s+(\d+))?\s+([\d.]+)%", re.MULTILINE)
RUN_TIMEOUT = 1800


@dataclass(frozen=True)
class RealProject:
    """A pinned PyPI sdist whose tests run offline, and what its tests need besides pytest and coverage."""

    name: str
    version: str
    layout: str
    test_deps: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


PROJECTS = (
    RealProject("six", "1.17.0", "single module (six.py), no coverage config"),
    RealProject("more-itertools", "10.5.0", "flat package, tests/ beside it"),
    RealProject("toolz", "1.0.0", "tests inside the package; setup.cfg [coverage:run] source + omit"),
    RealProject("cachetools", "5.5.0", "src/ layout, no coverage config"),
    RealProject("humanize", "4.11.0", "src/ layout; tox.ini [pytest] --doctest-modules", ("freezegun==1.5.1",)),
)


def cache_dir() -> Path:
    return Path(os.environ.get("AQE_BENCH_CACHE") or Path.home() / ".cache" / "aqe-bench")


def run(command: list[str], cwd: Path | None = None, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def fetch(project: RealProject, cache: Path) -> Path:
    """The project's sdist, downloaded once into the cache."""
    folder = cache / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{project.name}-{project.version}".lower().replace("-", "_")

    def cached() -> list[Path]:
        return [p for p in folder.glob("*.tar.gz") if p.name.lower().replace("-", "_").startswith(stem)]

    if not cached():
        spec = f"{project.name}=={project.version}"
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", spec]
        done = run([*command, "-d", str(folder)])
        if done.returncode != 0 or not cached():
            raise SystemExit(f"cannot download {spec}: {done.stderr[-1000:]}")
    return cached()[0]


def virtualenv(project: RealProject, cache: Path) -> Path:
    """A virtualenv for the project's tests (made once): pytest and coverage as aqe has them, plus its test deps."""
    folder = cache / "venvs" / f"{project.name}-{project.version}"
    python = folder / "bin" / "python"
    wanted = (f"pytest=={version('pytest')}", f"coverage=={version('coverage')}", *project.test_deps)
    stamp = folder / "aqe-bench.txt"
    if stamp.exists() and stamp.read_text() == "\n".join(wanted):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for command in ([sys.executable, "-m", "venv", str(folder)], [str(python), "-m", "pip", "install", "-q", *wanted]):
        done = run(command)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-1000:]}")
    stamp.write_text("\n".join(wanted))
    return folder


def unpack(sdist: Path, into: Path) -> Path:
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.10.12+ checks member paths
    with tarfile.open(sdist) as archive:
        archive.extractall(into, **safe)
    (root,) = [p for p in into.iterdir() if p.is_dir()]
    return root


def coverage_report(python: Path, root: Path, data_file: str) -> dict[str, Any]:
    """The TOTAL row `coverage report` prints for `data_file` in `root`, with the project's configuration."""
    done = run([str(python), "-m", "coverage", "report", f"--data-file={data_file}"], cwd=root)
    found = TOTAL.search(done.stdout)
    if found is None:
        raise SystemExit(f"coverage report printed no TOTAL in {root}:\n{done.stdout[-1000:]}{done.stderr[-1000:]}")
    statements, missing, branches, partial, cover = found.groups()
    counts = (int(statements), int(missing), int(branches or 0), int(partial or 0))
    return {"counts": counts, "cover": cover}


def measure(project: RealProject, cache: Path, aqe: Path) -> dict[str, Any]:
    """Run aqe and `coverage report` on one project; their figures side by side."""
    sdist = fetch(project, cache)
    venv = virtualenv(project, cache)
    with tempfile.TemporaryDirectory(prefix="aqe-real-") as tmp:
        root = unpack(sdist, Path(tmp))
        started = time.perf_counter()
        done = run([str(aqe), "run", str(root), "--no-generate", "--json", "--venv", str(venv),
                    "--test-timeout", "300", "--coverage-threshold", "0"])
        seconds = time.perf_counter() - started
        report = json.loads(done.stdout)
        if report["coverage"] is None:
            return {"project": project, "error": (report["error"] or {}).get("message", done.stderr[-500:])}
        coverage = report["coverage"]
        printed = coverage_report(venv / "bin" / "python", root, coverage["measured"]["data_file"])
        source = [os.path.relpath(s, root) if os.path.isabs(s) else s for s in coverage["measured"]["source"]]
    counted = (coverage["statements"], coverage["missing"], coverage["branches"], coverage["partial_branches"])
    precision = len(printed["cover"].partition(".")[2])
    shown = display_covered(coverage["percent"], precision)
    return {
        "project": project,
        "tests": report["tests"]["counts"],
        "aqe": coverage["percent"],
        "printed": printed["cover"],
        "statements": (counted[0], printed["counts"][0]),
        "equal": counted == printed["counts"] and shown == printed["cover"],
        "source": source or ["(the project's coverage config)"],
        "seconds": seconds,
        "error": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="a project name (repeatable)")
    args = parser.parse_args()
    cache = cache_dir()
    aqe = Path(sys.executable).parent / "aqe"
    chosen = [p for p in PROJECTS if not args.only or p.name in args.only]
    tools = f"pytest {version('pytest')}, coverage {version('coverage')}, python {sys.version.split()[0]}"
    print(f"cache: {cache}   {tools}")
    rows = [measure(project, cache, aqe) for project in chosen]
    header = f"{'project':<22} {'layout':<62} {'tests ok/failing':>16} {'aqe %':>7} {'coverage.py %':>13} "
    header += f"{'stmts aqe/cov':>13} {'equal?':>6} {'aqe s':>6}"
    print(header)
    print("-" * len(header))
    for row in rows:
        project = row["project"]
        if row["error"]:
            print(f"{project.label:<22} {project.layout:<62} error: {row['error'][:200]}")
            continue
        statements = f"{row['statements'][0]}/{row['statements'][1]}"
        counts = row["tests"]
        tests = f"{counts['passed']}/{counts['failed'] + counts['error'] + counts['timeout']}"
        print(
            f"{project.label:<22} {project.layout:<62} {tests:>16} {row['aqe']:>7.2f} "
            f"{row['printed'] + '%':>13} {statements:>13} {'yes' if row['equal'] else 'NO':>6} {row['seconds']:>6.1f}"
        )
    for row in rows:
        if not row["error"]:
            print(f"  {row['project'].name}: measured --source={','.join(row['source'])}")
    if any(row["error"] or not row["equal"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
