"""Mutation testing of covered code: how well the suite checks what it runs.

    plan = plan_mutants(project, contexts, passed={"tests/test_fees.py::test_fee_runs": 0.01}, max_mutants=300)
    run = run_mutants(project, MutantSettings(python=Path(sys.executable)), plan.mutants, work_dir)
    run.score, run.by_module["ledger.fees"], run.survived[0]["diff"]

Mutants come from `mutation_operators` on the lines some passing test ran
(per-test coverage contexts of the executor's run); each runs only against
the tests that cover its line. They run in warm worker processes
(`probes/aqe_mutation_worker.py`): pytest collects those tests and the
project is imported once per batch, then each mutant runs in a forked child
with the holding function's code object swapped. With `fork=False` each
mutant gets a fresh process instead (the plain design, kept for the
benchmark and for systems without fork).

Why our own operators rather than mutmut or cosmic-ray: both apply a mutant
by rewriting the project (mutmut 3 copies it into `mutants/` with
trampolines and drives its own runner; cosmic-ray writes each mutant to
disk and starts a test command per mutant), so neither lets a warm process
that has collected the covering tests once swap a code object per forked
mutant, nor take the tests per line from our own coverage contexts.

score = (killed + timeout) / (killed + timeout + survived); mutants that
could not be applied are counted apart as errors.
"""

from __future__ import annotations

import difflib
import json
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.gaps import module_name
from lionagi_qe.analysis.mutation_operators import apply_edit, find_mutation_sites
from lionagi_qe.analysis.probes import MUTATION_WORKER
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_contexts import TestContexts
from lionagi_qe.analysis.test_runner import probe_environment

MIN_TIMEOUT = 2.0
TIMEOUT_FACTOR = 5.0
BATCH_SIZE = 250
DETECTED = ("killed", "timeout")


@dataclass(frozen=True)
class Mutant:
    """One mutant: the site, its file and module, and the tests that run against it."""

    id: str
    file: str
    path: str
    module: str
    qualname: str
    holder: str
    line: int
    operator: str
    description: str
    edit: tuple[int, int, int, int, str]
    tests: tuple[str, ...]
    timeout: float

    def request(self) -> dict[str, Any]:
        """What the worker needs of it."""
        return {
            "id": self.id, "module": self.module, "path": self.path, "holder": self.holder,
            "edit": list(self.edit), "tests": list(self.tests), "timeout": self.timeout,
        }

    def portable(self) -> dict[str, Any]:
        """The mutant as JSON, its file relative to the project root: `from_survivor` reads it back on any checkout."""
        return {**_describe(self), "edit": list(self.edit)}

    @classmethod
    def from_survivor(cls, stored: Mapping[str, Any], project: TargetProject) -> Mutant:
        """The mutant a `MutationRecord.survived` entry (or `portable()`) describes, its file under `project`."""
        return cls(
            id=stored["id"], file=stored["file"], path=str(project.root / stored["file"]), module=stored["module"],
            qualname=stored["qualname"], holder=stored["holder"], line=stored["line"], operator=stored["operator"],
            description=stored["description"], edit=tuple(stored["edit"]),
            tests=tuple(stored["tests"]), timeout=stored["timeout"],
        )

    def diff(self) -> str:
        """The mutant as a unified diff against the file (paths relative to the project root)."""
        original = Path(self.path).read_text(encoding="utf-8")
        mutated = apply_edit(original, list(self.edit))
        lines = difflib.unified_diff(
            original.splitlines(), mutated.splitlines(), f"a/{self.file}", f"b/{self.file}", n=0, lineterm=""
        )
        return "\n".join(lines)


@dataclass
class MutantPlan:
    """The mutants to run, and how many were found before sampling down to `max_mutants`."""

    mutants: list[Mutant]
    found: int


@dataclass(frozen=True)
class MutantSettings:
    """How to run mutants: interpreter, warm forked workers or one process each, batch size, extra pytest args."""

    python: Path
    fork: bool = True
    batch_size: int = BATCH_SIZE
    pytest_args: tuple[str, ...] = ()


@dataclass
class MutationRun:
    """Every mutant's outcome, the score overall and per module, and the surviving mutants."""

    results: list[dict[str, Any]]
    duration_s: float
    found: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        """Mutants whose outcome is one of `statuses`."""
        return sum(1 for r in self.results if r["status"] in statuses)

    @property
    def score(self) -> float | None:
        """Detected mutants in percent of those that ran (None when none ran)."""
        return _score(self.results)

    @property
    def survived(self) -> list[dict[str, Any]]:
        """The surviving mutants: file, line, function, operator, diff and the tests that missed them."""
        return [r for r in self.results if r["status"] == "survived"]

    @property
    def by_module(self) -> dict[str, dict[str, Any]]:
        """{module: {score, killed, survived, timeout, errors, total}}."""
        modules: dict[str, list[dict[str, Any]]] = {}
        for result in self.results:
            modules.setdefault(result["module"], []).append(result)
        return {
            name: {
                "score": _score(rows),
                "killed": sum(r["status"] == "killed" for r in rows),
                "survived": sum(r["status"] == "survived" for r in rows),
                "timeout": sum(r["status"] == "timeout" for r in rows),
                "errors": sum(r["status"] == "error" for r in rows),
                "total": len(rows),
            }
            for name, rows in sorted(modules.items())
        }

    @property
    def per_second(self) -> float:
        """Mutants run per second of wall time."""
        return round(len(self.results) / self.duration_s, 2) if self.duration_s > 0 else 0.0


def _score(rows: Sequence[Mapping[str, Any]]) -> float | None:
    ran = [r for r in rows if r["status"] != "error"]
    if not ran:
        return None
    return round(100.0 * sum(r["status"] in DETECTED for r in ran) / len(ran), 2)


def plan_mutants(
    project: TargetProject, contexts: TestContexts, passed: Mapping[str, float], max_mutants: int
) -> MutantPlan:
    """Mutants of the lines passing tests ran, each with those tests; evenly sampled down to `max_mutants`."""
    found: list[Mutant] = []
    for file, by_line in sorted(contexts.lines.items()):
        path = project.root / file
        covered = {line for line, tests in by_line.items() if any(t in passed for t in tests)}
        try:
            sites = find_mutation_sites(path.read_text(encoding="utf-8"), covered)
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        module = module_name(path, project)
        for number, site in enumerate(sites):
            tests = tuple(t for t in contexts.covering_lines(file, site.lines) if t in passed)
            if not tests:
                continue
            budget = sum(passed[t] for t in tests)
            found.append(Mutant(
                id=f"{file}:{site.line}:{number}", file=file, path=str(path), module=module,
                qualname=site.qualname, holder=site.holder, line=site.line, operator=site.operator,
                description=site.description, edit=site.edit, tests=tests,
                timeout=round(max(MIN_TIMEOUT, TIMEOUT_FACTOR * budget + 1.0), 2),
            ))
    return MutantPlan(_spread(found, max_mutants), len(found))


def _spread(mutants: list[Mutant], limit: int) -> list[Mutant]:
    if len(mutants) <= limit:
        return mutants
    return [mutants[i * len(mutants) // limit] for i in range(limit)] if limit > 0 else []


def run_mutants(
    project: TargetProject, settings: MutantSettings, mutants: Sequence[Mutant], work_dir: Path
) -> MutationRun:
    """Run every mutant against its tests; see the module docstring."""
    work_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcomes: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    size = settings.batch_size if settings.fork else 1
    for first in range(0, len(mutants), size):
        batch = list(mutants[first:first + size])
        while batch:
            done, code = _run_batch(project, settings, batch, work_dir / f"batch-{first}")
            outcomes.update(done)
            rest = [m for m in batch if m.id not in done]
            if len(rest) == len(batch):
                stuck = rest[0]
                outcomes[stuck.id] = _died(stuck, code)
                if outcomes[stuck.id]["status"] == "error":
                    notes.append(f"the mutation worker died on {stuck.id} (exit {code}); see {work_dir}")
                rest = rest[1:]
            batch = rest
    results = [{**_describe(m), "test": None, "message": None, **outcomes[m.id]} for m in mutants]
    for result, mutant in zip(results, mutants, strict=True):
        if result["status"] == "survived":
            result.update(diff=mutant.diff(), edit=list(mutant.edit))
    return MutationRun(results, round(time.perf_counter() - started, 3), notes=notes)


def _died(mutant: Mutant, code: int | None) -> dict[str, Any]:
    """The outcome of a mutant whose worker ended without reporting it (SIGALRM: its time ran out)."""
    if code == -signal.SIGALRM:
        return {"status": "timeout", "message": f"ran past {mutant.timeout:g}s"}
    return {"status": "error", "message": f"the worker process ended (exit {code}) while running this mutant"}


def _describe(mutant: Mutant) -> dict[str, Any]:
    data = asdict(mutant)
    data.pop("edit")
    data.pop("path")
    data["tests"] = list(mutant.tests)
    return data


def _run_batch(
    project: TargetProject, settings: MutantSettings, batch: list[Mutant], folder: Path
) -> tuple[dict[str, dict[str, Any]], int | None]:
    """Run one worker over `batch`: the outcomes it reported (a crashed worker reports only some), its exit code."""
    folder.mkdir(parents=True, exist_ok=True)
    request, results = folder / "request.json", folder / "results.jsonl"
    results.unlink(missing_ok=True)
    files = {m.path: Path(m.path).read_text(encoding="utf-8") for m in batch}
    request.write_text(json.dumps({
        "files": files, "mutants": [m.request() for m in batch], "fork": settings.fork,
        "pytest_args": list(settings.pytest_args),
    }), encoding="utf-8")
    limit = sum(m.timeout for m in batch) + 120.0
    command = [str(settings.python), "-m", MUTATION_WORKER, str(request), str(results)]
    code: int | None = None
    with (folder / "worker.log").open("wb") as log:
        try:
            code = subprocess.run(
                command, cwd=project.root, env=probe_environment(project), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, timeout=limit, check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            code = None
    found: dict[str, dict[str, Any]] = {}
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found[row.pop("id")] = row
    return found, code
