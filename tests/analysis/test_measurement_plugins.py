"""A project whose pytest configuration runs pytest-cov (`--cov=pkg`) and pytest-xdist (`-n 2`).

aqe's own coverage run must coexist with them: it turns both off for its run
(and says so), measures the right figure, and that figure is both
`coverage report`'s of aqe's data and the one pytest-cov itself reaches.
These targets need their plugins, so autoloading is on again here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.coverage_cli import assert_same_as_printed, coverage_report
from helpers.fleet import write_project
from lionagi_qe.analysis.coverage_report import load_coverage
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite

PYPROJECT = """
[project]
name = "plugged"
version = "0"

[tool.pytest.ini_options]
addopts = "--cov=pkg --cov-report=term --cov-fail-under=100 -n 2"

[tool.coverage.run]
branch = true
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    "pkg/__init__.py": "",
    "pkg/logic.py": """
        def pick(flag):
            if flag:
                return "yes"
            return "no"


        def unused(value):
            return value * 2
    """,
    "tests/test_logic.py": """
        from pkg.logic import pick


        def test_yes():
            assert pick(True) == "yes"


        def test_yes_again():
            assert pick(1) == "yes"
    """,
}


@pytest.fixture
def with_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


@pytest.mark.slow
@pytest.mark.usefixtures("with_plugins")
def test_pytest_cov_and_xdist_in_addopts(tmp_path: Path) -> None:
    root = write_project(tmp_path / "plugged", FILES)
    project = inspect_project(root)
    run = run_test_suite(project, root / ".aqe" / "run", RunSettings(python=Path(sys.executable), test_timeout=60))
    assert run.counts["passed"] == 2 and not run.collection_errors
    assert any("pytest-cov" in note for note in run.notes) and any("pytest-xdist" in note for note in run.notes)
    assert not (root / ".coverage").exists()  # pytest-cov wrote nothing of its own during aqe's run

    report = load_coverage(run.data_file, project)
    assert report.totals.statements == 6 and report.totals.missing == 2 and report.totals.partial_branches == 1
    assert_same_as_printed(report.totals, coverage_report(root, run.data_file))

    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    own = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert "Required test coverage of 100% not reached" in own.stdout, own.stdout + own.stderr
    assert_same_as_printed(report.totals, coverage_report(root, root / ".coverage"))
