"""On examples/sample_project: the fleet's figures equal `coverage report`'s; gaps are mapped and closed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.fleet import copy_sample
from lionagi_qe.analysis import (
    RunSettings,
    coverage_after,
    find_gaps,
    inspect_project,
    load_coverage,
    offline_candidates,
    run_test_suite,
    verify_candidates,
)

TOTAL = re.compile(r"^TOTAL\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%", re.MULTILINE)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory):
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    project = inspect_project(root)
    settings = RunSettings(python=Path(sys.executable), test_timeout=30)
    run = run_test_suite(project, root / ".aqe" / "work", settings)
    return project, settings, run, load_coverage(run.data_file, project)


def _coverage(*args: str, cwd: Path) -> str:
    command = [sys.executable, "-m", "coverage", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_totals_equal_coverage_report_of_a_plain_run(measured, tmp_path: Path) -> None:
    project, _, run, report = measured
    data = tmp_path / "plain.coverage"
    _coverage("run", "--branch", "--source=src", f"--data-file={data}", "-m", "pytest", "-q", cwd=project.root)
    printed = TOTAL.search(_coverage("report", f"--data-file={data}", cwd=project.root))
    statements, missing, branches, partial, cover = map(int, printed.groups())
    totals = report.totals
    counted = (totals.statements, totals.missing, totals.branches, totals.partial_branches)
    assert counted == (statements, missing, branches, partial)
    assert round(totals.percent) == cover
    assert run.counts["passed"] == 14


def test_our_data_file_reports_the_same(measured) -> None:
    project, _, run, report = measured
    printed = TOTAL.search(_coverage("report", f"--data-file={run.data_file}", cwd=project.root))
    statements, missing, branches, partial, _ = map(int, printed.groups())
    totals = report.totals
    counted = (totals.statements, totals.missing, totals.branches, totals.partial_branches)
    assert counted == (statements, missing, branches, partial)


def test_gaps_are_mapped_to_functions_and_ranked(measured) -> None:
    project, _, _, report = measured
    gaps, functions = find_gaps(report, project)
    ids = [g.id for g in gaps]
    assert ids[:2] == ["shopkit.pricing:bulk_price", "shopkit.pricing:loyalty_tier"]
    assert "shopkit.inventory:Inventory.low_stock" in ids
    low_stock = gaps[ids.index("shopkit.inventory:Inventory.low_stock")]
    assert low_stock.covered is False
    bulk = gaps[0]
    assert bulk.missing_lines == [33, 36] and bulk.missing_branches == [(32, 33), (35, 36)]
    assert bulk.risk == bulk.complexity * 2 + 2
    assert functions == {"total": 11, "covered": 10, "percent": 90.91}


def test_offline_tests_are_verified_and_raise_coverage(measured, tmp_path: Path) -> None:
    project, settings, run, report = measured
    gaps, _ = find_gaps(report, project)
    top = gaps[:3]
    candidates, notes = offline_candidates(project, settings.python, top, tmp_path / "gen")
    assert notes == []
    checks = verify_candidates(project, settings, candidates, {g.id: g for g in top}, tmp_path / "verify")
    kept = [c for c in checks if c.kept]
    assert {c.candidate.gap_id for c in kept} == {g.id for g in top}
    assert all(c.passed_runs == 2 and (c.new_lines or c.new_branches) for c in kept)
    after = load_coverage(coverage_after(run.data_file, kept, tmp_path / "after.coverage"), project)
    assert after.totals.percent > report.totals.percent
    assert after.totals.missing < report.totals.missing
