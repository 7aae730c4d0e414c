"""What one more test module will cost after the search: a running estimate from measured verifications.

    cost = CandidateCost()
    cost.per_candidate                 # the prior (PRIOR_SECONDS) before any measurement
    if cost.due(14):                   # a timing is due with 14 candidates found
        cost.observe(seconds=2.1, candidates=14, found=14)
    cost.seconds_for(120)              # what 120 candidates would take to verify and confirm

The search stops once the candidates it found would need the rest of the
budget. Before anything is measured it assumes `PRIOR_SECONDS` per
candidate, on the safe side; once the verification of the first candidates
has been timed, the estimate is the prior, counted as `PRIOR_WEIGHT`
candidates, blended with the measured seconds times `MARGIN` (what a
verification timing leaves out: the second run in other surroundings,
rendering, the kept tests' confirmation). The more is measured, the less
the prior weighs. A timing is due when the candidates found reach
`FIRST_TIMING`, and again when they have grown `GROWTH` times since the
last, `MAX_TIMINGS` at most; each covers (a sample of) the candidates found
since the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRIOR_SECONDS = 0.5
"""Seconds per candidate assumed before any measurement (verification, second run, confirmation)."""
PRIOR_WEIGHT = 4
"""How many measured candidates the prior counts for in the blend."""
MARGIN = 1.3
"""Measured verification seconds are multiplied by this for what the timing does not cover."""
FIRST_TIMING = 12
"""Candidates found when the first timing is due."""
GROWTH = 4
"""How many times the candidates must have grown since the last timing for the next one."""
MAX_TIMINGS = 2


@dataclass
class CandidateCost:
    """A running estimate of seconds per candidate after the search; see the module docstring."""

    prior: float = PRIOR_SECONDS
    prior_weight: int = PRIOR_WEIGHT
    margin: float = MARGIN
    first: int = FIRST_TIMING
    growth: int = GROWTH
    max_timings: int = MAX_TIMINGS
    measured_seconds: float = 0.0
    measured_candidates: int = 0
    timings: list[tuple[float, int]] = field(default_factory=list)
    timed_at: int = 0
    """Candidates found when the last timing was taken."""

    @property
    def per_candidate(self) -> float:
        """Seconds one more candidate costs: the prior until measured, then the blend of the module docstring."""
        weighted = self.prior * self.prior_weight + self.margin * self.measured_seconds
        return weighted / (self.prior_weight + self.measured_candidates)

    def seconds_for(self, candidates: int) -> float:
        """Seconds `candidates` test modules would take after the search."""
        return self.per_candidate * candidates

    def due(self, candidates: int) -> bool:
        """Whether a timing is due with this many candidates found (see the module docstring)."""
        if len(self.timings) >= self.max_timings:
            return False
        return candidates >= (self.growth * self.timed_at if self.timings else self.first)

    def observe(self, seconds: float, candidates: int, found: int) -> None:
        """Record a timing: `candidates` verified in `seconds`, taken when `found` candidates were found.

        A timing of no candidate (it failed) changes no estimate but counts as taken.
        """
        self.timings.append((seconds, candidates))
        self.timed_at = found
        if candidates > 0:
            self.measured_seconds += max(0.0, seconds)
            self.measured_candidates += candidates
