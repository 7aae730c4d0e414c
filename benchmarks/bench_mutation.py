"""Mutants per second: the warm forking worker against one process per mutant, side by side in one run.

    .venv/bin/python benchmarks/bench_mutation.py                     # examples/sample_project, 3 repetitions
    .venv/bin/python benchmarks/bench_mutation.py --repeat 5 --project path/to/project --max-mutants 100

The project is copied to a temporary folder, its suite is run once under
coverage with per-test contexts (as `aqe run` does), and the mutants of its
covered code are planned once. Then the same mutants run alternately in the
two designs of `analysis.mutation_testing`: `fork=True` (one warm worker per
batch: pytest collects the covering tests and the project is imported once,
each mutant runs in a forked child) and `fork=False` (a fresh interpreter
per mutant that imports, collects and runs, the plain design). Prints the
median mutants per second of each, the speed-up, and checks both designs
gave every mutant the same outcome.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from lionagi_qe.analysis.mutation_testing import MutantSettings, plan_mutants, run_mutants
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT / "examples" / "sample_project")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-mutants", type=int, default=60, help="mutants per run (spread over the covered code)")
    args = parser.parse_args()
    python = Path(sys.executable)
    with tempfile.TemporaryDirectory(prefix="aqe-bench-mutation-") as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(args.project, root, ignore=shutil.ignore_patterns(".aqe", "__pycache__", ".coverage*"))
        project = inspect_project(root)
        run = run_test_suite(project, root / ".aqe" / "runs" / "bench", RunSettings(python=python))
        passed = {t.nodeid: t.duration for t in run.tests if t.outcome == "passed"}
        plan = plan_mutants(project, load_test_contexts(run.data_file, project), passed, args.max_mutants)
        rates: dict[bool, list[float]] = {True: [], False: []}
        outcomes: dict[bool, dict[str, str]] = {}
        for repetition in range(args.repeat):
            for fork in (True, False):
                folder = Path(tmp) / f"m-{fork}-{repetition}"
                result = run_mutants(project, MutantSettings(python=python, fork=fork), plan.mutants, folder)
                rates[fork].append(len(plan.mutants) / result.duration_s)
                outcomes[fork] = {r["id"]: r["status"] for r in result.results}
    warm, plain = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"project: {args.project}  mutants: {len(plan.mutants)} of {plan.found}  repetitions: {args.repeat}")
    for label, fork, median in (("warm worker, fork per mutant", True, warm), ("one process per mutant", False, plain)):
        print(f"{label:<29}: {median:7.2f} mutants/s   runs: {', '.join(f'{r:.2f}' for r in rates[fork])}")
    print(f"speed-up                     : {warm / plain:7.2f}x")
    same = outcomes[True] == outcomes[False]
    print(f"same outcome for every mutant: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
