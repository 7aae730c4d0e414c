"""The search's estimate of what each candidate costs after it: a safe prior, then measured timings."""

from __future__ import annotations

import pytest

from lionagi_qe.analysis.candidate_cost import MARGIN, PRIOR_SECONDS, PRIOR_WEIGHT, CandidateCost


def test_before_any_timing_the_prior_holds() -> None:
    cost = CandidateCost()
    assert cost.per_candidate == PRIOR_SECONDS
    assert cost.seconds_for(10) == pytest.approx(10 * PRIOR_SECONDS)


def test_timings_are_due_at_the_first_count_then_as_the_candidates_grow() -> None:
    cost = CandidateCost(first=12, growth=4, max_timings=2)
    assert not cost.due(11)
    assert cost.due(64)
    cost.observe(1.0, 16, found=64)
    assert not cost.due(255) and cost.due(256)
    cost.observe(3.0, 16, found=256)
    assert not cost.due(100_000)


def test_a_fast_verification_lowers_the_estimate_towards_the_measured_cost_with_its_margin() -> None:
    cost = CandidateCost()
    cost.observe(1.2, 12, found=12)
    first = cost.per_candidate
    assert first == pytest.approx((PRIOR_SECONDS * PRIOR_WEIGHT + MARGIN * 1.2) / (PRIOR_WEIGHT + 12))
    assert MARGIN * 0.1 < first < PRIOR_SECONDS
    cost.observe(100.0, 1000, found=1000)
    assert MARGIN * 0.1 < cost.per_candidate < first
    assert cost.per_candidate == pytest.approx(MARGIN * 0.1, rel=0.02)


def test_a_slow_verification_raises_the_estimate_above_the_prior() -> None:
    cost = CandidateCost()
    cost.observe(12.0, 12, found=12)
    assert cost.per_candidate > PRIOR_SECONDS
    assert cost.seconds_for(20) == pytest.approx(20 * cost.per_candidate)


def test_a_failed_timing_counts_as_taken_and_leaves_the_estimate() -> None:
    cost = CandidateCost(first=12, growth=4, max_timings=2)
    cost.observe(0.0, 0, found=12)
    assert cost.per_candidate == PRIOR_SECONDS
    assert not cost.due(47) and cost.due(48)
