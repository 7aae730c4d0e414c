"""Test generation on real PyPI libraries: aqe's offline engine beside Pynguin, in equal search time.

    .venv/bin/python benchmarks/bench_generation.py                        # the whole corpus, --budget 90
    .venv/bin/python benchmarks/bench_generation.py --only tabulate --budget 30 --no-pynguin
    .venv/bin/python benchmarks/bench_generation.py --python /usr/bin/python3.12 --cache ~/.cache/aqe-bench

For each library of `CORPUS` (pinned sdists, fetched with `pip download`
into the cache folder, never into the repository; a virtualenv per library
with pytest, coverage and Hypothesis, built once and kept there):

1. the suite runs under coverage without and with input recording (the
   recording's cost on the suite's speed);
2. `aqe run --budget B --max-gaps 200 --json`, offline: suite coverage,
   coverage with the kept tests, points gained (uncovered lines plus
   uncovered branch destinations, as coverage.py counts them), share of the
   uncovered points closed, kept/tried candidates, wall time. Every figure
   is counted on the same files in both runs: the files the suite's own
   run measured (a kept test that imports a module the suite never imports
   adds that module to the report with the kept tests, and with it
   statements that were never counted as uncovered; they are left out, as
   they are for Pynguin's tests);
3. every kept test is copied into the project's own test folder and the
   suite runs twice, in its order and shuffled (a seeded shuffle plugin):
   each kept test must pass in both;
4. Pynguin (its own virtualenv, `PYNGUIN_DANGER_AWARE` set) gets the same
   search budget on the same modules (every module with uncovered points,
   the budget split evenly; simple assertions, which do not change what its
   tests cover, and a run stopped `PYNGUIN_GRACE` s past its search); its
   tests' coverage is combined with the suite's the same way;
5. verification speed: the same candidates verified one pytest process per
   run (the former way) and in forks of a warm worker that imported the
   candidates' modules first, as the generator's verification does (aqe's
   way), in this run: candidates per second and the ratio (target >= 5x).

Figures are printed as a table and written to `<cache>/results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lionagi_qe.analysis.candidate import Candidate  # noqa: E402
from lionagi_qe.analysis.coverage_report import Totals, load_coverage  # noqa: E402
from lionagi_qe.analysis.project import inspect_project  # noqa: E402
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite  # noqa: E402
from lionagi_qe.analysis.verification import run_candidates  # noqa: E402

PYNGUIN = "pynguin==0.48.0"
BASE_PACKAGES = ["pytest>=8", "coverage>=7.4", "hypothesis[ghostwriter]>=6.100"]
SHUFFLE_PLUGIN = '''
import os
import random


def pytest_collection_modifyitems(session, config, items):
    random.Random(int(os.environ.get("BENCH_SHUFFLE_SEED", "1"))).shuffle(items)
'''
VERIFY_SAMPLE = 40
PYNGUIN_GRACE = 120
"""Seconds a Pynguin run may take beyond its search (start-up, writing tests) before it is stopped."""
SPEED_REPEAT = 2
TARGET_RATIO = 5.0
GOAL_SHARE = 0.25


@dataclass(frozen=True)
class Library:
    """A pinned sdist, what its tests need, and how to run them offline."""

    name: str
    version: str
    test_packages: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


CORPUS = (
    Library("boltons", "26.2.0"),
    Library("tabulate", "0.10.0", ("wcwidth",)),
    Library("pyasn1", "0.6.5"),
    Library("colorama", "0.4.6"),
    Library("isodate", "0.7.2"),
    Library("toolz", "1.2.0"),
)


@dataclass
class Row:
    """One library's figures."""

    name: str
    version: str
    figures: dict[str, Any] = field(default_factory=dict)


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output (never raising: a command past `timeout` is killed, exit -9)."""
    try:
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(command, -9, str(exc.stdout or ""), f"timed out after {timeout:g}s")


def fetch(library: Library, cache: Path, python: str) -> Path:
    """The pristine source tree of the pinned sdist (downloaded and unpacked once)."""
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    found = [p for p in sdists.glob("*.tar.gz") if _sdist_matches(p.name, library)]
    if not found:
        done = run([python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", library.pin, "-d",
                    str(sdists)])
        if done.returncode != 0:
            raise SystemExit(f"cannot download {library.pin}: {done.stderr[-1000:]}")
        found = [p for p in sdists.glob("*.tar.gz") if _sdist_matches(p.name, library)]
    tree = cache / "src" / f"{library.name}-{library.version}"
    if not tree.exists():
        with tarfile.open(found[0]) as archive, tempfile.TemporaryDirectory(dir=cache) as tmp:
            archive.extractall(tmp, filter="data")
            shutil.move(str(next(Path(tmp).iterdir())), tree)
    return tree


def _sdist_matches(filename: str, library: Library) -> bool:
    normal = filename.lower().replace("_", "-")
    return normal.startswith(f"{library.name.lower().replace('_', '-')}-{library.version}.")


def virtualenv(folder: Path, python: str, packages: list[str]) -> Path:
    """A virtualenv with `packages` (built once; a stamp file lists what it holds)."""
    stamp = folder / "bench-installed.txt"
    wanted = "\n".join(packages)
    if stamp.exists() and stamp.read_text() == wanted:
        return folder / "bin" / "python"
    shutil.rmtree(folder, ignore_errors=True)
    done = run([python, "-m", "venv", str(folder)])
    if done.returncode != 0:
        raise SystemExit(f"cannot make a virtualenv with {python}: {done.stderr[-500:]}")
    done = run([str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages], timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"cannot install {packages}: {done.stderr[-1500:]}")
    stamp.write_text(wanted)
    return folder / "bin" / "python"


def on_suite_files(project_dir: Path, baseline: str | Path, data_file: str | Path) -> tuple[dict[str, Any], ...]:
    """Totals of the suite's coverage and of `data_file`'s, both over the files the suite measured.

    A file measured in `data_file` only (a module first imported by a generated test) is left out.
    """
    project = inspect_project(project_dir, check_syntax=False)
    suite = load_coverage(baseline, project).files
    other = load_coverage(data_file, project).files
    return _summed(suite[name].totals for name in suite), _summed(
        (other.get(name) or suite[name]).totals for name in suite
    )


def _summed(totals: Iterable[Totals]) -> dict[str, Any]:
    """Totals added up, with coverage.py's percentage ((lines + branches taken) / (lines + branches))."""
    added = Totals()
    for each in totals:
        for name in ("statements", "missing", "branches", "partial_branches", "covered_branches"):
            setattr(added, name, getattr(added, name) + getattr(each, name))
    points = added.statements + added.branches
    taken = added.statements - added.missing + added.covered_branches
    added.percent = 100.0 * taken / points if points else 100.0
    return added.to_dict()


def uncovered(totals: dict[str, Any]) -> int:
    """Uncovered lines plus uncovered branch destinations."""
    return int(totals["missing"]) + int(totals["branches"]) - int(totals["covered_branches"])


def suite_speed(project_dir: Path, python: Path, library: Library, work: Path) -> dict[str, Any]:
    """Seconds of the suite under coverage without and with input recording (interleaved, `SPEED_REPEAT` each)."""
    project = inspect_project(project_dir, check_syntax=False)
    times: dict[str, list[float]] = {"plain": [], "recording": []}
    for attempt in range(SPEED_REPEAT):
        for mode in ("plain", "recording"):
            folder = work / f"speed-{mode}-{attempt}"
            settings = RunSettings(
                python=python, test_timeout=120, pytest_args=library.pytest_args, rerun_failures=False,
                record_inputs=folder / "recorded" if mode == "recording" else None,
            )
            started = time.perf_counter()
            run_test_suite(project, folder, settings)
            times[mode].append(time.perf_counter() - started)
    plain, recording = statistics.median(times["plain"]), statistics.median(times["recording"])
    return {"suite_s": round(plain, 2), "suite_recording_s": round(recording, 2),
            "recording_ratio": round(recording / plain, 2)}


def aqe_run(project_dir: Path, python: Path, library: Library, budget: float) -> tuple[dict[str, Any], float]:
    """`aqe run --json` on the project: its report and the wall time."""
    aqe = Path(sys.executable).parent / "aqe"
    command = [str(aqe), "run", str(project_dir), "--python", str(python), "--budget", f"{budget:g}",
               "--max-gaps", "200", "--coverage-threshold", "0", "--json"]
    if library.pytest_args:
        command += ["--pytest-args", " ".join(library.pytest_args)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AQE_LLM_", "OPENAI_"))}
    started = time.perf_counter()
    done = run(command, env=env)
    wall = time.perf_counter() - started
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise SystemExit(f"aqe run on {library.name} printed no report (exit {done.returncode}):\n"
                         f"{done.stderr[-3000:]}") from None
    if report.get("error"):
        raise SystemExit(f"aqe run on {library.name} failed: {report['error']}")
    return report, wall


def test_folder(project_dir: Path) -> Path:
    """The project's own test folder (where its test files are), else its root."""
    for name in ("tests", "test", "testing"):
        if (project_dir / name).is_dir():
            return project_dir / name
    nested = sorted(project_dir.glob("*/tests"))
    return nested[0] if nested else project_dir


def kept_in_suite(project_dir: Path, python: Path, library: Library, kept: list[dict[str, Any]],
                  work: Path) -> dict[str, Any]:
    """Copy the kept tests into the project's suite and run it twice: in order and shuffled."""
    if not kept:
        return {"kept_tests": 0, "kept_failures_fixed": 0, "kept_failures_random": 0}
    folder = test_folder(project_dir)
    copied = []
    for item in kept:
        target = folder / Path(item["file"]).name
        shutil.copy(item["file"], target)
        copied.append(target.name)
    plugin_dir = work / "shuffle"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    (plugin_dir / "bench_shuffle.py").write_text(SHUFFLE_PLUGIN)
    results: dict[str, Any] = {}
    for label, extra in (("fixed", []), ("random", ["-p", "bench_shuffle"])):
        junit = work / f"junit-{label}.xml"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_dir), *_import_roots(project_dir)]),
               "BENCH_SHUFFLE_SEED": "20260101"}
        run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, *library.pytest_args,
             f"--junitxml={junit}"], cwd=project_dir, env=env)
        ran, failed = _junit_outcomes(junit, copied)
        results[f"kept_failures_{label}"] = failed
        results[f"kept_ran_{label}"] = ran
    results["kept_tests"] = results["kept_ran_fixed"]
    for name in copied:
        (folder / name).unlink(missing_ok=True)
    return results


def _import_roots(project_dir: Path) -> list[str]:
    project = inspect_project(project_dir, check_syntax=False)
    return [str(p) for p in project.import_roots]


def _junit_outcomes(junit: Path, files: list[str]) -> tuple[int, int]:
    """(tests run, tests failed) among the test modules `files`, from a JUnit XML report."""
    import xml.etree.ElementTree as ElementTree

    if not junit.exists():
        return 0, 0
    stems = {Path(f).stem for f in files}
    ran = failed = 0
    for case in ElementTree.parse(junit).iter("testcase"):
        module = case.get("classname", "").split(".")
        if not stems & set(module):
            continue
        ran += 1
        failed += any(child.tag in ("failure", "error") for child in case)
    return ran, failed


def modules_with_gaps(project_dir: Path, data_file: str) -> list[tuple[str, Path]]:
    """(dotted module, import root) of every measured module with uncovered points."""
    from lionagi_qe.analysis.gaps import module_name

    project = inspect_project(project_dir, check_syntax=False)
    report = load_coverage(data_file, project)
    found = []
    for measured in report.files.values():
        if measured.missing_lines or measured.missing_branches:
            path = Path(measured.path).resolve()
            name = module_name(path, project)
            root = next((r for r in project.import_roots if path.is_relative_to(r)), project.root)
            if name and not name.split(".")[-1].startswith("test"):
                found.append((name, Path(root)))
    return sorted(found)


def pynguin_run(project_dir: Path, python: Path, pynguin_python: Path, baseline: str, budget: float,
                work: Path) -> dict[str, Any]:
    """Pynguin on every module with gaps (the budget split evenly); coverage of its tests with the suite's."""
    modules = modules_with_gaps(project_dir, baseline)
    if not modules:
        return {}
    each = max(1, int(budget / len(modules)))
    out = work / "pynguin-tests"
    started = time.perf_counter()
    failures = 0
    for index, (module, root) in enumerate(modules):
        env = {**os.environ, "PYNGUIN_DANGER_AWARE": "1", "PYTHONPATH": str(root)}
        done = run([str(pynguin_python), "-m", "pynguin", "--project-path", str(root), "--module-name", module,
                    "--output-path", str(out / f"m{index:03d}"), "--maximum-search-time", str(each), "--seed", "1",
                    "--assertion-generation", "SIMPLE"],
                   cwd=project_dir, env=env, timeout=each * 5 + PYNGUIN_GRACE)
        failures += done.returncode != 0
    wall = time.perf_counter() - started
    tests = sorted(out.glob("m*/test_*.py"))
    data = work / "pynguin.coverage"
    project = inspect_project(project_dir, check_syntax=False)
    sources = ",".join(str(p) for p in project.sources)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in project.import_roots)}
    junit = work / "pynguin-junit.xml"
    if tests:
        run([str(python), "-m", "coverage", "run", "--branch", f"--data-file={data}", f"--source={sources}",
             "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *map(str, tests)],
            cwd=project_dir, env=env)
    ran, failed = _junit_outcomes(junit, [t.name for t in tests])
    from lionagi_qe.analysis.verification import combine_coverage

    combined = combine_coverage(baseline, [str(data)] if data.exists() else [], work / "pynguin-after.coverage")
    _, after = on_suite_files(project_dir, baseline, combined)
    return {"pynguin_after": after, "pynguin_wall_s": round(wall, 1), "pynguin_modules": len(modules),
            "pynguin_search_s_each": each, "pynguin_tests": ran, "pynguin_failing_tests": failed,
            "pynguin_failed_modules": failures}


def verification_speed(
    project_dir: Path, python: Path, run_dir: Path, work: Path, gap_modules: list[str]
) -> dict[str, Any]:
    """The same candidates run one process per run and in forks of a warm worker: candidates per second.

    The warm worker first imports `gap_modules`, as the generator's verification does (the gaps' modules).
    """
    files = sorted((run_dir / "generation").glob("offline/*/*/*.py"))[:VERIFY_SAMPLE]
    if not files:
        return {}
    project = inspect_project(project_dir, check_syntax=False)
    settings = RunSettings(python=python, test_timeout=60)
    candidates = [Candidate("bench", "characterization", f.read_text(encoding="utf-8"), f.stem) for f in files]
    seconds = {}
    for mode, warm in (("process", False), ("warm", True)):
        started = time.perf_counter()
        run_candidates(project, settings, candidates, gap_modules, work / f"verify-{mode}", warm=warm)
        seconds[mode] = time.perf_counter() - started
    return {
        "verify_candidates": len(candidates),
        "verify_process_per_s": round(len(candidates) / seconds["process"], 2),
        "verify_warm_per_s": round(len(candidates) / seconds["warm"], 2),
        "verify_ratio": round(seconds["process"] / seconds["warm"], 2),
    }


def bench_library(library: Library, args: argparse.Namespace, cache: Path) -> Row:
    """Every figure for one library (see the module docstring)."""
    row = Row(library.name, library.version)
    tree = fetch(library, cache, args.python)
    python = virtualenv(cache / "venvs" / library.name, args.python, [*BASE_PACKAGES, *library.test_packages])
    with tempfile.TemporaryDirectory(prefix=f"bench-{library.name}-") as tmp:
        work = Path(tmp)
        project_dir = work / "project"
        shutil.copytree(tree, project_dir)
        if args.speed:
            row.figures.update(suite_speed(project_dir, python, library, work))
        report, wall = aqe_run(project_dir, python, library, args.budget)
        generation = report["generation"]
        run_dir = next((project_dir / ".aqe" / "runs").iterdir())
        baseline = str(run_dir / ".coverage")
        before, after = on_suite_files(project_dir, baseline, run_dir / "generation" / "after.coverage")
        row.figures.update({
            "before": before, "after": after, "aqe_wall_s": round(wall, 1), "kept": len(generation["kept"]),
            "report_before": generation["coverage_before"], "report_after": generation["coverage_after"],
            "generator_s": report["agents"]["test-generator"]["duration_s"],
            "tried": generation.get("tried", 0), "search": generation.get("search", {}),
            "possible_bugs": len(generation.get("possible_bugs", [])), "notes": generation.get("notes", [])[:20],
            "bugs": generation.get("possible_bugs", [])[:10],
            "rejections": [r["reason"] for r in generation.get("rejections", [])][:20],
        })
        tried = [*generation["kept"], *generation.get("rejections", [])]
        gap_modules = sorted({check["gap"].partition(":")[0] for check in tried})
        row.figures.update(verification_speed(project_dir, python, run_dir, work, gap_modules))
        row.figures.update(kept_in_suite(project_dir, python, library, generation["kept"], work))
        if args.pynguin:
            pynguin_python = virtualenv(cache / "venvs" / "pynguin", args.python, [PYNGUIN, *BASE_PACKAGES])
            row.figures.update(pynguin_run(project_dir, python, pynguin_python, baseline, args.budget, work))
    return row


def _share(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, int, float]:
    gained = uncovered(before) - uncovered(after)
    return uncovered(before), gained, gained / uncovered(before) if uncovered(before) else 0.0


def print_table(rows: list[Row], budget: float) -> None:
    """The figures as a table, then the verification speed and the kept tests' stability."""
    print(f"\nbudget {budget:g}s per library, offline; points = uncovered lines + uncovered branch destinations;")
    print("wall = the whole `aqe run` (suite, analysis, generation); gen = the test generator (search, verification,")
    print("confirmation in clean processes), of which srch = the search (with its second run in other surroundings);")
    print("s/c = the search's final estimate of seconds per candidate after it (verification, confirmation);")
    print("p.wall = Pynguin's runs (search budget split over the modules); all on the files the suite measured")
    head = (f"{'library':<22}{'suite':>7}{'aqe':>7}{'points':>8}{'gained':>8}{'share':>7}{'kept/tried':>11}"
            f"{'wall':>7}{'gen':>6}{'srch':>6}{'s/c':>6}{'pynguin':>9}{'p.gain':>8}{'p.share':>8}{'p.wall':>8}")
    print(head)
    print("-" * len(head))
    for row in rows:
        f = row.figures
        total, gained, share = _share(f["before"], f["after"])
        line = (f"{row.name + ' ' + row.version:<22}{f['before']['percent']:>6.1f}%{f['after']['percent']:>6.1f}%"
                f"{total:>8}{gained:>8}{share:>6.1%} {f['kept']:>4}/{f['tried']:<5}{f['aqe_wall_s']:>6.0f}s"
                f"{f.get('generator_s', 0):>5.0f}s{f.get('search', {}).get('seconds', 0):>5.0f}s"
                f"{f.get('search', {}).get('seconds_per_candidate', 0):>6.2f}")
        if "pynguin_after" in f:
            _, p_gained, p_share = _share(f["before"], f["pynguin_after"])
            line += (f"{f['pynguin_after']['percent']:>8.1f}%{p_gained:>8}{p_share:>7.1%}"
                     f"{f['pynguin_wall_s']:>7.0f}s")
        print(line)
    print("\nkept tests copied into each project's suite (failures among them: fixed order / shuffled):")
    for row in rows:
        f = row.figures
        print(f"  {row.name:<20} {f.get('kept_ran_fixed', 0)} ran, failures {f.get('kept_failures_fixed', 0)} / "
              f"{f.get('kept_failures_random', 0)}; possible bugs reported: {f['possible_bugs']}")
    ratios = [r.figures["verify_ratio"] for r in rows if "verify_ratio" in r.figures]
    if ratios:
        print("\nverification speed (same candidates, 2 runs each): one process per run vs warm-worker forks")
        for row in rows:
            f = row.figures
            if "verify_ratio" in f:
                print(f"  {row.name:<20} {f['verify_candidates']} candidates: {f['verify_process_per_s']:.2f}/s vs "
                      f"{f['verify_warm_per_s']:.2f}/s -> {f['verify_ratio']:.1f}x")
        timed = [r.figures for r in rows if "verify_ratio" in r.figures]
        count = sum(f["verify_candidates"] for f in timed)
        process_s = sum(f["verify_candidates"] / f["verify_process_per_s"] for f in timed)
        warm_s = sum(f["verify_candidates"] / f["verify_warm_per_s"] for f in timed)
        pooled = process_s / warm_s
        verdict = "OK" if pooled >= TARGET_RATIO else "UNDER TARGET"
        print(f"  all {count} candidates: {count / process_s:.2f}/s vs {count / warm_s:.2f}/s -> {pooled:.1f}x "
              f"(target >= {TARGET_RATIO:g}x) -> {verdict}; per library median {statistics.median(ratios):.1f}x, "
              f"lowest {min(ratios):.1f}x (the warm worker's start-up, about a second, weighs on few candidates)")
    speeds = [r for r in rows if "recording_ratio" in r.figures]
    if speeds:
        print("\nsuite under coverage without / with input recording:")
        for row in speeds:
            f = row.figures
            print(f"  {row.name:<20} {f['suite_s']:.1f}s / {f['suite_recording_s']:.1f}s ({f['recording_ratio']:.2f}x)")
    shares = [_share(r.figures["before"], r.figures["after"])[2] for r in rows]
    print(f"\nshare of uncovered points closed: median {statistics.median(shares):.1%} "
          f"(goal >= {GOAL_SHARE:.0%} on a typical library)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0)
    parser.add_argument("--only", action="append", default=[], help="run only this library (repeatable)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the libraries' virtualenvs")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "AQE_BENCH_CACHE", Path.home() / ".cache" / "aqe-bench-generation")))
    parser.add_argument("--no-pynguin", dest="pynguin", action="store_false")
    parser.add_argument("--no-speed", dest="speed", action="store_false", help="skip the recording-cost runs")
    parser.add_argument("--table", type=Path, help="only print the table of a results file written before")
    args = parser.parse_args()
    if args.table:
        saved = json.loads(args.table.read_text())
        print_table([Row(r["name"], r["version"], r["figures"]) for r in saved], args.budget)
        return
    chosen = [lib for lib in CORPUS if not args.only or lib.name in args.only]
    if not chosen:
        raise SystemExit(f"--only names none of {[lib.name for lib in CORPUS]}")
    args.cache.mkdir(parents=True, exist_ok=True)
    rows = []
    results = args.cache / ("results.json" if not args.only else f"results-{'-'.join(args.only)}.json")
    for library in chosen:
        print(f"{library.pin} ...", flush=True)
        rows.append(bench_library(library, args, args.cache))
        print(json.dumps({k: v for k, v in rows[-1].figures.items() if k not in ("notes", "rejections", "bugs")},
                         default=str)[:2000], flush=True)
        results.write_text(json.dumps([r.__dict__ for r in rows], indent=1, default=str))
    print_table(rows, args.budget)
    print(f"\nfull figures: {results}")


if __name__ == "__main__":
    main()
