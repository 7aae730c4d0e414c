"""The coverage-guided search for calls that reach uncovered code, within a time budget.

    found = guided_search(SearchJob(project, python, gaps, report, recorded, budget=60, work_dir=work))
    found.calls            # [FoundCall]: kept calls, each with what it reached and how it ended
    found.possible_bugs    # crashes of public functions given valid-typed input
    found.notes, found.tried, found.rounds, found.stopped

In a warm worker (one process of the target's interpreter that imported the
project once): the docstring examples of every module are run first; then,
round after round, the gaps with the most points still missing get a batch
of planned calls. Beside the gaps' own functions, the public functions the
suite called with values that rebuild in source are *entry points*: each is
called once, its trace tells which gaps it runs through, and from then on it
ranks by the points still missing in those gaps (a private helper behind a
dispatcher is reached through the public call, with the suite's real inputs
varied); an entry point's call is kept only when it runs through one of the
gaps, so `--max-gaps` still bounds what the search works on. The calls are
(recorded inputs first, then type-directed values and the constants their
code compares against, then random combinations and neighbours of earlier
calls), run in a fork with line and arc feedback. A call that reaches
missing lines or branches and ends in a way a test can assert (a value that
rebuilds in source, an object's type and attributes, or an exception the
project raises on purpose) is kept, and its neighbours are tried next; the
gaps are re-ranked after every round. A gap is left alone after `STALE`
calls in a row reach nothing new; the search stops when the budget is spent
or no gap is left; when no gap is left but the last pass still reached new
points, the gaps left alone are tried again. The search also stops once the
candidates found so far would take the rest of the budget to verify and
confirm, at a running estimate per candidate (`candidate_cost`): a safe
prior until the job's `timer` has timed the verification of the first
candidates found. The kept calls and crashes are then run once more, each
alone, in a second worker started in other surroundings
(time zone, hash seed, temporary folder): those that end differently there
depend on the environment and are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.call_synthesis import compared_constants
from lionagi_qe.analysis.candidate_cost import CandidateCost
from lionagi_qe.analysis.coverage_report import Arc, CoverageReport
from lionagi_qe.analysis.gaps import Gap, module_name
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.warm_worker import WarmWorker, WorkerError

CALL_TIMEOUT = 1.0
BATCH = 48
GAPS_PER_ROUND = 6
SEARCH_SHARE = 0.7
"""Share of the budget spent searching at most; the rest goes to the second run, writing and verifying."""
RESERVE_SHARE = 0.15
"""Share of the budget kept for what does not grow with the candidates (the confirmation's suite run)."""
MAX_DOCTESTS = 300
STALE = 240
"""Calls of one gap in a row that reach nothing new, after which the gap is left alone."""
MAX_BUGS = 20
MAX_TIMEOUTS = 4
"""Calls of one target that ran past the time limit, after which the target is left alone (each costs a limit)."""
MAX_ENTRIES = 400
"""Recorded public functions tried as entry points, at most."""
CRASHES = frozenset({
    "KeyError", "IndexError", "AttributeError", "TypeError", "ZeroDivisionError", "UnboundLocalError",
    "NameError", "RecursionError", "AssertionError", "StopIteration",
})


@dataclass(frozen=True)
class SearchJob:
    """What to search: the project, its interpreter, the gaps, the suite's coverage, the recorded inputs."""

    project: TargetProject
    python: Path
    gaps: Sequence[Gap]
    report: CoverageReport | None
    recorded: dict[str, Any]
    budget: float
    work_dir: Path
    call_timeout: float = CALL_TIMEOUT
    timer: VerificationTimer | None = None
    """Times the verification of some found calls' test modules; without it the prior estimate holds."""


@dataclass
class FoundCall:
    """A call kept by the search: its spec (expression, imports, shape), its outcome and the points it reached."""

    gap_id: str
    spec: dict[str, Any]
    outcome: dict[str, Any]
    points: int


VerificationTimer = Callable[[Sequence[FoundCall]], tuple[float, int]]
"""(seconds, test modules) the verification of the test modules made of some found calls took."""


@dataclass
class SearchResult:
    """The kept calls, the possible bugs, notes, and how the search went."""

    calls: list[FoundCall] = field(default_factory=list)
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tried: int = 0
    rounds: int = 0
    seconds: float = 0.0
    stopped: str = "exhausted"
    seconds_per_candidate: float = 0.0
    """The estimate the search ended with (`candidate_cost`)."""


class MissingPoints:
    """The lines and branches the suite misses, per file, taken away as calls reach them."""

    def __init__(self, missing: dict[str, tuple[set[int], set[Arc]]]) -> None:
        self.lines = {path: lines for path, (lines, _) in missing.items()}
        self.arcs = {path: arcs for path, (_, arcs) in missing.items()}
        self.first_line = {path: _first_line_map(path) for path in missing}

    @classmethod
    def of(cls, report: CoverageReport | None, gaps: Iterable[Gap]) -> MissingPoints:
        """Every point the suite misses (from its report), or only the gaps' points without one."""
        missing: dict[str, tuple[set[int], set[Arc]]] = {}
        if report is not None:
            for measured in report.files.values():
                missing[str(Path(measured.path).resolve())] = (
                    set(measured.missing_lines), {(a, b) for a, b in measured.missing_branches},
                )
            return cls(missing)
        for gap in gaps:
            lines, arcs = missing.setdefault(str(Path(gap.path).resolve()), (set(), set()))
            lines.update(gap.missing_lines)
            arcs.update((a, b) for a, b in gap.missing_branches)
        return cls(missing)

    @property
    def files(self) -> list[str]:
        return list(self.lines)

    def reached(self, outcome: dict[str, Any]) -> tuple[dict[str, set[int]], dict[str, set[Arc]]]:
        """The missing lines and arcs an outcome's trace reached (not taken away)."""
        lines: dict[str, set[int]] = {}
        arcs: dict[str, set[Arc]] = {}
        for path, raw in outcome.get("lines", {}).items():
            missing = self.lines.get(path)
            if missing:
                first = self.first_line.get(path) or (lambda n: n)
                hit = {first(n) for n in raw} & missing
                if hit:
                    lines[path] = hit
        for path, raw_arcs in outcome.get("arcs", {}).items():
            missing_arcs = self.arcs.get(path)
            if missing_arcs:
                first = self.first_line.get(path) or (lambda n: n)
                hit_arcs = {m for a, b in raw_arcs for m in [_match((first(a), b if b < 0 else first(b)), missing_arcs)]
                            if m is not None}
                if hit_arcs:
                    arcs[path] = hit_arcs
        return lines, arcs

    def take(self, lines: dict[str, set[int]], arcs: dict[str, set[Arc]]) -> int:
        """Remove reached points; how many were removed."""
        count = 0
        for path, hit in lines.items():
            count += len(hit & self.lines[path])
            self.lines[path] -= hit
        for path, hit_arcs in arcs.items():
            count += len(hit_arcs & self.arcs[path])
            self.arcs[path] -= hit_arcs
        return count

    def left_in(self, gap: Gap) -> int:
        path = str(Path(gap.path).resolve())
        lines = self.lines.get(path, set()) & set(gap.missing_lines)
        arcs = self.arcs.get(path, set()) & {(a, b) for a, b in gap.missing_branches}
        return len(lines) + len(arcs)


def _first_line_map(path: str) -> Any:
    """coverage.py's mapping of a line to the first line of its statement (identity if it cannot parse)."""
    try:
        from coverage.parser import PythonParser

        parser = PythonParser(filename=path)
        parser.parse_source()
        return parser.first_line
    except Exception:
        return None


def _match(arc: tuple[int, int], missing: set[Arc]) -> Arc | None:
    if arc in missing:
        return arc
    a, b = arc
    if b < 0:
        return next((m for m in missing if m[0] == a and m[1] < 0), None)
    return None


def assertable(outcome: dict[str, Any]) -> bool:
    """Whether a test can pin this outcome meaningfully (see the module docstring)."""
    if outcome.get("status") == "return":
        kind = outcome.get("type")
        return bool(outcome.get("pin") or outcome.get("attrs") or (kind and kind[0] not in ("object", "NoneType")))
    return outcome.get("status") == "raise" and outcome.get("origin") == "deliberate"


def is_possible_bug(outcome: dict[str, Any]) -> bool:
    """A public function given valid-typed input crashed inside the project (not a deliberate raise).

    A TypeError counts only when every argument came from type hints or defaults: values recorded
    from the suite may be wrong on purpose (a test that expects the TypeError).
    """
    exc = outcome.get("exc") or ["", ""]
    typed = bool(outcome.get("hinted")) if exc[1] == "TypeError" else bool(outcome.get("valid"))
    return (
        outcome.get("status") == "raise" and outcome.get("origin") == "crash" and typed
        and bool(outcome.get("public")) and exc[0] == "builtins" and exc[1] in CRASHES
    )


def target_specs(gaps: Iterable[Gap]) -> list[dict[str, Any]]:
    """The worker's target specs: each gap's function and the constants its code compares against."""
    specs = []
    sources: dict[str, str] = {}
    for gap in gaps:
        if gap.path not in sources:
            sources[gap.path] = Path(gap.path).read_text(encoding="utf-8")
        specs.append({
            "id": gap.id, "module": gap.module, "qualname": gap.qualname,
            "constants": compared_constants(sources[gap.path], gap.qualname),
        })
    return specs


def project_modules(project: TargetProject) -> list[str]:
    """Dotted names of every module of the measured sources."""
    return sorted(module_paths(project))


def module_paths(project: TargetProject) -> dict[str, Path]:
    """{dotted name: file} of every module of the measured sources (test files left out)."""
    found: dict[str, Path] = {}
    for source in project.sources:
        files = [source] if source.is_file() else sorted(source.rglob("*.py"))
        for path in files:
            name = module_name(path.resolve(), project)
            if name and all(part.isidentifier() for part in name.split(".")) and not _is_test(path):
                found.setdefault(name, path.resolve())
    return found


def entry_specs(
    recorded: dict[str, Any], modules: dict[str, Path], gaps: Iterable[Gap], limit: int = MAX_ENTRIES
) -> list[dict[str, Any]]:
    """Target specs of the public project functions the suite called with values that all rebuild in source.

    Gaps' own functions are left out (they are targets already); the most called come first.
    """
    taken = {gap.id for gap in gaps}
    chosen = []
    for key, entry in recorded.get("functions", {}).items():
        module, _, qualname = key.partition(":")
        complete = [s for s in entry.get("samples", []) if s and all(v is not None for v in s.values())]
        if key in taken or module not in modules or not complete or not is_public_name(qualname):
            continue
        chosen.append((-int(entry.get("calls", 0)), key, module, qualname))
    specs = []
    sources: dict[str, str] = {}
    for _, key, module, qualname in sorted(chosen)[:limit]:
        if module not in sources:
            sources[module] = modules[module].read_text(encoding="utf-8")
        specs.append({"id": key, "module": module, "qualname": qualname,
                      "constants": compared_constants(sources[module], qualname)})
    return specs


def is_public_name(qualname: str) -> bool:
    """No part starts with an underscore, save `__init__` and `__call__` (a constructor, a callable object)."""
    parts = qualname.split(".")
    return "<locals>" not in parts and all(not p.startswith("_") or p in ("__init__", "__call__") for p in parts)


class GapSpans:
    """Which gaps' functions a trace ran through (by the line ranges of their definitions)."""

    def __init__(self, gaps: Iterable[Gap]) -> None:
        self.spans: dict[str, list[tuple[int, int, str]]] = {}
        for gap in gaps:
            self.spans.setdefault(str(Path(gap.path).resolve()), []).append((gap.lineno, gap.end_lineno, gap.id))

    def touched(self, outcome: dict[str, Any]) -> set[str]:
        found: set[str] = set()
        for path, lines in outcome.get("lines", {}).items():
            for start, end, gap_id in self.spans.get(path, ()):
                if gap_id not in found and any(start <= n <= end for n in lines):
                    found.add(gap_id)
        return found


def _is_test(path: Path) -> bool:
    return path.name.startswith("test_") or path.name.endswith("_test.py") or path.name == "conftest.py" or any(
        part in ("tests", "test", "testing") for part in path.parts
    )


class _Search:
    def __init__(self, job: SearchJob, worker: WarmWorker) -> None:
        self.job = job
        self.worker = worker
        self.missing = MissingPoints.of(job.report, job.gaps)
        self.result = SearchResult()
        self.by_id = {gap.id: gap for gap in job.gaps}
        self.open: dict[str, int] = {}
        self.tries: dict[str, int] = {}
        self.since_gain: dict[str, int] = {}
        self.gap_of_file: dict[str, list[Gap]] = {}
        self.bug_targets: set[str] = set()
        self.bugs: list[dict[str, Any]] = []
        self.entries: dict[str, set[str]] = {}
        """Entry points (see the module docstring) and the gaps their calls ran through."""
        self.spans = GapSpans(job.gaps)
        self.timeouts: dict[str, int] = {}
        self.stale: set[str] = set()
        """Targets left alone after `STALE` calls in a row reached nothing new (tried again while others gain)."""
        self.gained = 0
        self.finish = time.monotonic() + job.budget * (1 - RESERVE_SHARE)
        self.cost = CandidateCost()
        self.timed = 0
        """Found calls whose test modules were timed already."""

    def load(self) -> None:
        paths = module_paths(self.job.project)
        modules = sorted(paths)
        reply = self.worker.request(
            "load", modules=modules, files=self.missing.files, recorded=self.job.recorded.get("functions", {}),
        )
        for module, error in sorted(reply["errors"].items()):
            self.result.notes.append(f"{module}: cannot be imported ({error})")
        targets = self.worker.request("targets", targets=target_specs(self.job.gaps))["targets"]
        for gap_id, info in targets.items():
            if info["skip"]:
                self.result.notes.append(f"{gap_id}: skipped, {info['skip']}")
            elif info["planned"]:
                self.open[gap_id] = info["planned"]
                self.tries[gap_id] = 0
        entries = entry_specs(self.job.recorded, paths, self.job.gaps)
        if entries:
            planned = self.worker.request("targets", targets=entries)["targets"]
            for entry_id, info in planned.items():
                if not info["skip"] and info["planned"]:
                    self.entries[entry_id] = set()
                    self.tries[entry_id] = 0

    def probe_entries(self, deadline: float) -> None:
        """Call each entry point once (its first planned call) to learn which gaps it runs through."""
        waiting = list(self.entries)
        while waiting and self.time_left(deadline):
            chosen, waiting = waiting[:BATCH], waiting[BATCH:]
            self._explore(dict.fromkeys(chosen, 1))
        for entry_id, touched in self.entries.items():
            if touched:
                self.open[entry_id] = 1

    def _left(self, target_id: str) -> int:
        """Points still missing in a gap, or in the gaps an entry point ran through."""
        if target_id in self.entries:
            return sum(self.missing.left_in(self.by_id[g]) for g in self.entries[target_id])
        return self.missing.left_in(self.by_id[target_id])
    def doctests(self, deadline: float) -> None:
        modules = project_modules(self.job.project)
        calls = self.worker.request("doctests", modules=modules)["calls"][:MAX_DOCTESTS]
        if not calls or time.monotonic() > deadline:
            return
        results = self.worker.request("run", calls=calls, call_timeout=self.job.call_timeout * 5)["results"]
        specs = {c["id"]: c for c in calls}
        for outcome in results:
            self.result.tried += 1
            spec = specs.get(outcome["id"])
            if spec is None or outcome.get("status") != "return":
                continue
            self._keep_if_new(self._gap_for_doctest(spec), spec, outcome)

    def _gap_for_doctest(self, spec: dict[str, Any]) -> str:
        qualname = spec["name"][len(spec["expr"]) + 1:] if spec["name"].startswith(spec["expr"] + ".") else ""
        return f"{spec['expr']}:{qualname}" if qualname else f"{spec['expr']}:<module>"

    def _keep_if_new(self, gap_id: str, spec: dict[str, Any], outcome: dict[str, Any]) -> bool:
        lines, arcs = self.missing.reached(outcome)
        if not lines and not arcs:
            return False
        points = self.missing.take(lines, arcs)
        self.gained += points
        self.result.calls.append(FoundCall(gap_id, spec, outcome, points))
        return True

    def candidates(self) -> int:
        """Test modules the kept calls make: one per target, one per doctest."""
        doctests = sum(1 for c in self.result.calls if c.spec.get("shape") == "doctest")
        return doctests + len({c.gap_id for c in self.result.calls if c.spec.get("shape") != "doctest"})

    def time_left(self, deadline: float) -> bool:
        """Before `deadline`, and the candidates found so far can still be verified within the budget."""
        candidates = self.candidates()
        if time.monotonic() >= deadline:
            return False
        if self.job.timer is not None and self.cost.due(candidates):
            calls, self.timed = self.result.calls[self.timed:], len(self.result.calls)
            self.cost.observe(*self.job.timer(calls), found=candidates)
        self.result.seconds_per_candidate = round(self.cost.per_candidate, 3)
        now = time.monotonic()
        return now < deadline and now + self.cost.seconds_for(candidates) < self.finish

    def _priority(self, target_id: str) -> float:
        """Riskiest first: points still missing times complexity, less for targets tried often."""
        if target_id in self.entries:
            touched = [self.by_id[g] for g in self.entries[target_id]]
            weight = sum(self.missing.left_in(gap) * gap.complexity for gap in touched)
        else:
            weight = self.missing.left_in(self.by_id[target_id]) * self.by_id[target_id].complexity
        return -weight / (1 + self.tries[target_id] / 20)

    def rounds(self, deadline: float) -> None:
        while self.time_left(deadline):
            ranked = sorted((t for t in self.open if self._left(t) > 0), key=self._priority)
            if not ranked and self.gained and self.stale:
                self.gained = 0
                for target_id in self.stale:
                    self.open[target_id] = 1
                    self.since_gain[target_id] = 0
                self.stale.clear()
                continue
            if not ranked:
                self.result.stopped = "exhausted"
                return
            chosen = ranked[:GAPS_PER_ROUND]
            share = max(2, BATCH // len(chosen))
            self._explore(dict.fromkeys(chosen, share))
            for target_id in chosen:
                if self.since_gain.get(target_id, 0) > STALE and target_id in self.open:
                    self.open.pop(target_id)
                    self.stale.add(target_id)
        self.result.stopped = "budget"

    def _explore(self, take: dict[str, int]) -> None:
        """Run the next planned calls of some targets; keep what reaches new points and queue its neighbours."""
        reply = self.worker.request(
            "explore", take=take, call_timeout=self.job.call_timeout,
            timeout=self.job.call_timeout * BATCH * 2 + 60,
        )
        self.result.rounds += 1
        for target_id in reply["exhausted"]:
            self.open.pop(target_id, None)
        rewarded = []
        for outcome in reply["results"]:
            self.result.tried += 1
            target_id = outcome.get("target") or ""
            self.tries[target_id] = self.tries.get(target_id, 0) + 1
            self.since_gain[target_id] = self.since_gain.get(target_id, 0) + 1
            serves_a_gap = True
            if target_id in self.entries:
                touched = self.spans.touched(outcome)
                self.entries[target_id] |= touched
                serves_a_gap = bool(touched)
            if outcome.get("status") == "timeout":
                self.timeouts[target_id] = self.timeouts.get(target_id, 0) + 1
                if self.timeouts[target_id] >= MAX_TIMEOUTS:
                    self.open.pop(target_id, None)
            if is_possible_bug(outcome) and target_id not in self.bug_targets:
                self.bug_targets.add(target_id)
                self.bugs.append(outcome)
            if serves_a_gap and assertable(outcome) and self._keep_if_new(target_id, outcome, outcome):
                rewarded.append(outcome["id"])
                self.since_gain[target_id] = 0
        if rewarded:
            self.worker.request("mutate", calls=rewarded)
            for target_id in {r.split("#")[0] for r in rewarded}:
                if self.timeouts.get(target_id, 0) < MAX_TIMEOUTS:
                    self.open.setdefault(target_id, 1)


def guided_search(job: SearchJob) -> SearchResult:
    """Search, then confirm in other surroundings; see the module docstring."""
    started = time.monotonic()
    deadline = started + job.budget * SEARCH_SHARE
    result = SearchResult()
    try:
        with WarmWorker.start(job.project, job.python, job.work_dir) as worker:
            search = _Search(job, worker)
            result = search.result
            search.load()
            search.doctests(deadline)
            search.probe_entries(deadline)
            search.rounds(deadline)
        result.calls, result.possible_bugs = _second_run(job, result, search.bugs)
    except WorkerError as exc:
        result.notes.append(f"the call search stopped: {exc}"[:500])
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _same(first: dict[str, Any], second: dict[str, Any]) -> bool:
    if first.get("status") != second.get("status"):
        return False
    if first["status"] == "return":
        return all(first.get(k) == second.get(k) for k in ("pin", "attrs", "type"))
    return first.get("exc") == second.get("exc")


def _second_run(
    job: SearchJob, result: SearchResult, bugs: list[dict[str, Any]]
) -> tuple[list[FoundCall], list[dict[str, Any]]]:
    """Run the kept calls and crashes again, each alone, in a witness worker; keep what ends the same.

    Crashes are reported once per exception type and place (several methods failing on one line are one bug).
    """
    calls = [c for c in result.calls if c.spec.get("shape") != "doctest"]
    specs = [c.spec for c in calls] + bugs
    if not specs:
        return result.calls, []
    with WarmWorker.start(job.project, job.python, job.work_dir, condition="witness") as witness:
        files = MissingPoints.of(job.report, job.gaps).files
        witness.request("load", modules=sorted({g.module for g in job.gaps}), files=files)
        again = {
            o["id"]: o for o in witness.request(
                "run", calls=[_spec_only(s) for s in specs], call_timeout=job.call_timeout, isolate=True,
                timeout=job.call_timeout * len(specs) * 2 + 60,
            )["results"]
        }
    kept, dropped = [], 0
    for call in result.calls:
        second = again.get(call.spec["id"])
        if call.spec.get("shape") == "doctest" or (second is not None and _same(call.outcome, second)):
            if second is not None and second.get("message") != call.outcome.get("message"):
                call.outcome["message"] = None
            kept.append(call)
        else:
            dropped += 1
    if dropped:
        result.notes.append(
            f"{dropped} call(s) ended differently when run again alone in other surroundings "
            "(time zone, hash seed, temporary folder, earlier calls): not pinned"
        )
    confirmed: dict[tuple[str, str], dict[str, Any]] = {}
    for bug in bugs:
        if again.get(bug["id"]) and _same(bug, again[bug["id"]]):
            confirmed.setdefault((bug["exc"][1], bug.get("where") or bug["id"]), bug_report(bug))
    return kept, list(confirmed.values())[:MAX_BUGS]


def _spec_only(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: spec.get(k) for k in ("id", "target", "expr", "imports", "shape", "valid", "hinted", "public", "name")}


def bug_report(outcome: dict[str, Any]) -> dict[str, Any]:
    """A possible bug, JSON-ready: the function, the call, the exception and where it was raised."""
    exc = outcome["exc"][1]
    message = outcome.get("message") or ""
    return {
        "gap": outcome.get("target"),
        "call": outcome["expr"],
        "imports": outcome.get("imports", []),
        "exception": f"{exc}: {message}" if message else exc,
        "where": outcome.get("where", ""),
        "reason": f"{exc} raised inside the project by a public function given valid-typed input",
    }
