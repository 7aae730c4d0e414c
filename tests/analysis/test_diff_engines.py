"""The diff-aware engines on the ledger project: per-test contexts, changed code, diff coverage (= diff-cover's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lionagi_qe.analysis.test_runner as test_runner
from helpers.diff_project import IMPACTED, git, make_diff_project
from helpers.fleet import write_project
from lionagi_qe.analysis.changed_code import changed_first, find_changes
from lionagi_qe.analysis.coverage_report import load_coverage
from lionagi_qe.analysis.diff_coverage import measure_diff_coverage
from lionagi_qe.analysis.gaps import find_gaps
from lionagi_qe.analysis.git_repo import GitRepo
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.analysis.test_runner import RunSettings, TestRunResult, run_test_suite
from lionagi_qe.errors import GitRefError

SETTINGS = RunSettings(python=Path(sys.executable), rerun_failures=False)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[TargetProject, TestRunResult]:
    root = make_diff_project(tmp_path_factory.mktemp("ledger"))
    project = inspect_project(root)
    return project, run_test_suite(project, root / ".aqe" / "runs" / "first", SETTINGS)


def test_contexts_name_the_tests_and_leave_the_totals_alone(
    ledger: tuple[TargetProject, TestRunResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, run = ledger
    contexts = load_test_contexts(run.data_file, project)
    assert contexts.covering("ledger/fees.py", 2) == ["tests/test_fees.py::test_fee_runs"]
    assert contexts.covering_lines("ledger/accounts.py", range(5, 13)) == IMPACTED[1:]
    assert contexts.covering("ledger/accounts.py", 16) == []
    assert contexts.by_function(project)["ledger/accounts.py::open_account"] == IMPACTED

    monkeypatch.setattr(test_runner, "selection_environment", lambda work_dir, select: {})
    plain = run_test_suite(project, project.root / ".aqe" / "runs" / "plain", SETTINGS)
    with_contexts, without = load_coverage(run.data_file, project), load_coverage(plain.data_file, project)
    assert with_contexts.totals == without.totals
    for name, measured in without.files.items():
        assert with_contexts.files[name].executed_lines == measured.executed_lines
        assert with_contexts.files[name].executed_branches == measured.executed_branches
    assert load_test_contexts(plain.data_file, project).lines == {}


def test_changed_functions_since_the_base(ledger: tuple[TargetProject, TestRunResult]) -> None:
    project, _ = ledger
    changes = find_changes(project, "HEAD~1")
    assert [(f.qualname, f.status) for f in changes.functions] == [
        ("open_account", "modified"), ("transfer", "modified"), ("close_account", "added"),
    ]
    assert changes.functions[1].changed_lines == [8, 9]
    assert changes.lines["ledger/accounts.py"] == {1, 2, 8, 9, 13, 14, 15, 16, 17}
    assert changes.test_files == ["tests/test_accounts.py"]
    assert find_changes(project, "HEAD").functions == []


def test_diff_coverage_equals_diff_cover(ledger: tuple[TargetProject, TestRunResult], tmp_path: Path) -> None:
    project, run = ledger
    measured = measure_diff_coverage(load_coverage(run.data_file, project), find_changes(project, "HEAD~1"))
    xml, out = tmp_path / "coverage.xml", tmp_path / "diff-cover.json"
    python = sys.executable
    subprocess.run([python, "-m", "coverage", "xml", f"--data-file={run.data_file}", "-o", str(xml)],
                   cwd=project.root, check=True, capture_output=True)
    subprocess.run([python, "-m", "diff_cover.diff_cover_tool", str(xml), "--compare-branch=HEAD~1",
                    f"--format=json:{out}"], cwd=project.root, check=True, capture_output=True)
    expected = json.loads(out.read_text(encoding="utf-8"))
    assert measured.statements == expected["total_num_lines"] == 7
    assert measured.statements - measured.covered == expected["total_num_violations"] == 3
    assert {f: d["missing_lines"] for f, d in measured.files.items()} == {
        f: s["violation_lines"] for f, s in expected["src_stats"].items()
    }
    assert int(measured.percent) == expected["total_percent_covered"] == 57


def test_changed_lines_include_uncommitted_edits(tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    report = (root / "ledger" / "report.py").read_text(encoding="utf-8")
    write_project(root, {"ledger/report.py": report.replace("}: {", "} = {")})
    changes = find_changes(inspect_project(root), "HEAD")
    assert changes.lines == {"ledger/report.py": {2}}
    assert [f.key for f in changes.functions] == ["ledger/report.py::summary"]


def test_git_errors_say_what_to_do(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", {"tests/test_a.py": "def test_a(): pass\n"})
    with pytest.raises(GitRefError, match=r"is not inside a git repository: .* leave out --diff"):
        GitRepo.at(plain)
    root = make_diff_project(tmp_path)
    with pytest.raises(GitRefError, match=r"--diff 'no-such-branch' names no commit .* fetch it first"):
        find_changes(inspect_project(root), "no-such-branch")
    assert GitRepo.at(root).commit("main") == git(root, "rev-parse", "HEAD").strip()


def test_gaps_in_changed_functions_come_first(ledger: tuple[TargetProject, TestRunResult]) -> None:
    project, run = ledger
    gaps, _ = find_gaps(load_coverage(run.data_file, project), project)
    assert [g.qualname for g in gaps] == ["transfer", "close_account"]  # riskiest first
    changes = find_changes(project, "HEAD~1")
    changes.functions = [f for f in changes.functions if f.qualname == "close_account"]
    assert [g.qualname for g in changed_first(gaps, changes)] == ["close_account", "transfer"]
    assert [g.qualname for g in changed_first(gaps, changes, only_changed=True)] == ["close_account"]
