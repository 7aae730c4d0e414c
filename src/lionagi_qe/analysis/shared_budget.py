"""Step procedures that share a budget of runs together, with the results of running them one after another.

    def probe(n: int) -> Procedure[str, bool, int]:
        shown = yield f"check {n}"            # the run made for the request; None once the budget is spent
        return n if shown else -n

    results, used = run_together([lambda: probe(1), lambda: probe(2)], make_runs, at_once=4, budget=40)

A procedure is a generator: it yields a request, is sent its run (None once
the shared budget is spent) and returns its result. One after another, the
first `budget` requests over all procedures get a run and every later one
gets None. `run_together` gives exactly those results while sending up to
`at_once` requests per batch to `make_runs` (a list of requests in, their
runs out, in order), taking them from the procedures in their order. The
first unfinished procedure knows its budget; later ones go ahead within an
upper bound of theirs, and when a bound turns out too generous the runs past
it are not used: the procedure is replayed from its start on the runs it may
keep, then None. So procedures must depend on nothing but the runs they are
sent. With `at_once=1` the runs are made in exactly the order of one after
another, and none is wasted.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Generic, TypeVar

Request = TypeVar("Request")
Run = TypeVar("Run")
Result = TypeVar("Result")

Procedure = Generator[Request, Run | None, Result]
"""Yields requests, is sent their runs (None: no budget left), returns its result."""


class _Progress(Generic[Request, Run, Result]):
    """How far one procedure got: the runs it was given, and, replayed on them, what it waits for or returned."""

    def __init__(self, start: Callable[[], Procedure[Request, Run, Result]]) -> None:
        self.start = start
        self.runs: list[Run] = []
        self.pending: Request | None = None
        self.used = 0
        self.done = False
        self.final = False
        self.result: Result | None = None

    def replay(self, limit: int, exact: bool) -> None:
        """Run the procedure from its start, giving it its first `limit` runs (then None if `limit` is `exact`)."""
        self.pending, self.used, self.done = None, 0, False
        procedure = self.start()
        try:
            request = next(procedure)
            while True:
                answer: Run | None = None
                if self.used < limit:
                    if self.used == len(self.runs):
                        self.pending = request
                        return
                    answer = self.runs[self.used]
                    self.used += 1
                elif not exact:
                    return
                request = procedure.send(answer)
        except StopIteration as stop:
            self.done, self.result = True, stop.value
        self.final = exact


def run_together(
    starts: Sequence[Callable[[], Procedure[Request, Run, Result]]],
    make_runs: Callable[[list[Request]], list[Run]],
    *,
    at_once: int,
    budget: int,
) -> tuple[list[Result | None], int]:
    """(each procedure's result in order, runs used); see the module docstring."""
    progress: list[_Progress[Request, Run, Result]] = [_Progress(start) for start in starts]
    while True:
        spent, exact = 0, True
        batch: list[_Progress[Request, Run, Result]] = []
        for step in progress:
            if not step.final:
                step.replay(max(0, budget - spent), exact)
            spent += step.used
            exact = exact and step.final
            if step.pending is not None and len(batch) < max(1, at_once):
                batch.append(step)
        if not batch:
            return [step.result for step in progress], spent
        runs = make_runs([step.pending for step in batch if step.pending is not None])
        for step, run in zip(batch, runs, strict=True):
            step.runs.append(run)
