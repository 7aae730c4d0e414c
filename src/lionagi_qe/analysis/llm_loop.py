"""The model's loop for one gap, without the model: what to say next after each attempt.

    loop = GapLoop(gap, max_attempts=3)
    message = build_prompt(gap, project)
    while loop.wants_more():
        reply = await ask(message)                                  # the caller talks to the model
        try:
            source = parse_reply(reply)
        except MalformedReply as exc:
            message = loop.unusable(str(exc))
            continue
        message = loop.judge(source, try_tests(...))                # llm_trial: one run under coverage
    loop.candidates        # the tests worth verifying (each covered missing lines or branches)
    loop.fallback_reason   # why the model closed nothing, when it did not

Each attempt ends in one of: unusable reply (feedback: what was wrong with
it), failing tests (feedback: each failure's first assertion or exception
line, and the traceback's last frame in the project, else in the test),
passing tests that reach nothing new (feedback: the lines and branches still
missed), or passing tests that reach some: kept as a candidate, and if
something is still missed and attempts are left, the model is asked for it.
`failures_from_junit` reads pytest's JUnit XML written with `--tb=short`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.coverage_report import Arc
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.llm_prompt import describe_missing
from lionagi_qe.analysis.project import TargetProject

MAX_FAILURES_SHOWN = 3
_FRAME = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+): in (?P<function>.+)$")
_REPLY_FORMAT = "Reply with the complete test module in exactly one ```python code block, and nothing else."


@dataclass(frozen=True)
class Frame:
    """One traceback entry: where, in which function, and the line of code."""

    path: str
    line: int
    function: str
    code: str

    def show(self) -> str:
        """'src/pkg/mod.py:33 in f: `raise ValueError(...)`'."""
        return f"{self.path}:{self.line} in {self.function}: `{self.code}`"


@dataclass(frozen=True)
class Failure:
    """A failing test of a model's module: its name, first error line, and the frame that explains it."""

    test: str
    headline: str
    frame: Frame | None = None

    def show(self) -> str:
        """'test_x: `assert 90.0 == 100.0` at ...'."""
        where = f" at {self.frame.show()}" if self.frame else ""
        return f"{self.test}: `{self.headline}`{where}"


@dataclass
class Trial:
    """One run of a model's module under coverage: passed or its failures, and what it covered."""

    passed: bool
    failures: list[Failure] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)
    arcs: set[Arc] = field(default_factory=set)
    problem: str = ""
    """Why the run says nothing about the tests themselves (no test ran, did not finish), if so."""


def _frames(text: str) -> list[Frame]:
    lines = text.splitlines()
    frames = []
    for index, line in enumerate(lines):
        match = _FRAME.match(line)
        if match:
            code = lines[index + 1].strip() if index + 1 < len(lines) else ""
            frames.append(Frame(match["path"], int(match["line"]), match["function"].strip(), code))
    return frames


def _inside(path: str, root: Path, folders: tuple[Path, ...]) -> bool:
    resolved = (root / path).resolve()
    return any(resolved == folder or folder in resolved.parents for folder in folders)


def explain(test: str, message: str, text: str, project: TargetProject, test_file: Path) -> Failure:
    """The failure of `test` from pytest's short traceback `text` (and its crash `message`)."""
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    errors = [line for line in errors if line]
    headline = errors[0] if errors else (message.strip().splitlines() or [""])[0]
    frames = _frames(text)
    in_project = [f for f in frames if _inside(f.path, project.root, project.sources)]
    own = test_file.resolve()
    in_test = [replace(f, path=test_file.name) for f in frames if (project.root / f.path).resolve() == own]
    chosen = in_project or in_test
    return Failure(test, headline[:300], chosen[-1] if chosen else None)


def failures_from_junit(xml_text: str, project: TargetProject, test_file: Path) -> tuple[int, list[Failure]]:
    """(tests run, failures) from pytest's JUnit XML; collection errors count as failures."""
    root = ET.fromstring(xml_text)
    cases = list(root.iter("testcase"))
    failures = []
    for case in cases:
        for problem in (*case.findall("failure"), *case.findall("error")):
            name = case.get("name", "") if case.get("classname") else "collecting the module"
            failures.append(explain(name, problem.get("message", ""), problem.text or "", project, test_file))
    return len(cases), failures


@dataclass
class GapLoop:
    """The state of the model's attempts on one gap; see the module docstring."""

    gap: Gap
    max_attempts: int
    candidates: list[Candidate] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None
    missing_lines: set[int] = field(init=False)
    missing_branches: set[Arc] = field(init=False)

    def __post_init__(self) -> None:
        self.missing_lines = set(self.gap.missing_lines)
        self.missing_branches = {(a, b) for a, b in self.gap.missing_branches}

    def wants_more(self) -> bool:
        """True while attempts are left, the model has not failed, and something is still missed."""
        still_missed = bool(self.missing_lines or self.missing_branches)
        return self.stopped is None and len(self.attempts) < self.max_attempts and still_missed

    def _note(self, result: str, detail: str) -> None:
        attempt = len(self.attempts) + 1
        self.attempts.append({"gap": self.gap.id, "attempt": attempt, "result": result, "detail": detail})

    def stop(self, reason: str) -> None:
        """The model could not be asked or did not answer: no more attempts for this gap."""
        self.stopped = reason
        self._note("no reply", reason)

    def unusable(self, problem: str) -> str:
        """Note a reply without a usable module; the feedback to send."""
        self._note("unusable", problem)
        return f"Your reply could not be used: {problem}. {_REPLY_FORMAT}"

    def judge(self, source: str, trial: Trial) -> str:
        """Note one trial of `source`; the feedback to send next ('' when nothing is left to ask)."""
        if not trial.passed:
            return self._failed(trial)
        new_lines = self.missing_lines & trial.lines
        new_branches = self.missing_branches & trial.arcs
        if not new_lines and not new_branches:
            self._note("no new coverage", "the tests pass but run none of the missed lines or branches")
            return self.missed_feedback("Your tests pass, but they do not run")
        self.missing_lines -= new_lines
        self.missing_branches -= new_branches
        suffix = "" if not self.candidates else str(len(self.candidates) + 1)
        stem = generated_stem(self.gap.module, self.gap.qualname) + "_llm" + suffix
        self.candidates.append(Candidate(self.gap.id, "llm", source, stem))
        self._note("candidate", f"covers {len(new_lines)} more lines and {len(new_branches)} more branches")
        if not (self.missing_lines or self.missing_branches):
            return ""
        return self.missed_feedback("Those tests pass and are kept; write a new module for what they do not run yet:")

    def _failed(self, trial: Trial) -> str:
        if trial.problem and not trial.failures:
            self._note("failed", trial.problem)
            return f"Your tests could not be run: {trial.problem}. Fix the module. {_REPLY_FORMAT}"
        shown = trial.failures[:MAX_FAILURES_SHOWN]
        more = len(trial.failures) - len(shown)
        listed = "\n".join(f"- {failure.show()}" for failure in shown) + (f"\n- ... and {more} more" if more else "")
        self._note("failed", "; ".join(failure.show() for failure in shown)[:500])
        return (
            f"Your tests failed when run with pytest in the project's root:\n{listed}\n\n"
            "The code under test is right; fix the tests to expect what it really does (or remove a test "
            f"you cannot fix). {_REPLY_FORMAT}"
        )

    def missed_feedback(self, lead: str) -> str:
        """`lead`, then the lines and branches of the gap still missed, and the reply format."""
        try:
            lines = Path(self.gap.path).read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        uncovered, branches = describe_missing(lines, sorted(self.missing_lines), sorted(self.missing_branches))
        return (
            f"{lead} these lines of `{self.gap.id}`:\n{uncovered or '  (none)'}\n"
            f"nor these branches:\n{branches or '  (none)'}\n\n"
            "Write tests whose calls reach them (look at the conditions on the way). " + _REPLY_FORMAT
        )

    @property
    def fallback_reason(self) -> str | None:
        """Why the model's work on this gap gave no candidate (None when it gave one)."""
        if self.candidates:
            return None
        if self.stopped is not None:
            return self.stopped
        if not self.attempts:
            return "model not asked"
        last = self.attempts[-1]
        tries = len(self.attempts)
        return f"model's tests not usable after {tries} attempt(s); last: {last['result']}: {last['detail']}"
