"""Every project layout is measured, and aqe's figure is `coverage report`'s for the same data and configuration.

One fixture project per layout. Each test runs the suite as `aqe run` does,
then asserts that coverage.py's own `coverage report` of that data file, in
the project root, prints exactly aqe's totals (and, where the project has no
coverage configuration, that a plain `coverage run --source=... -m pytest`
prints them too).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from helpers.coverage_cli import assert_same_as_printed, coverage_report, plain_coverage_run
from helpers.fleet import write_project
from lionagi_qe.analysis.coverage_report import CoverageReport, load_coverage
from lionagi_qe.analysis.gaps import find_gaps
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings, TestRunResult, run_test_suite
from lionagi_qe.errors import TargetProjectError

BRANCHY = """
    def pick(flag):
        if flag:
            return "yes"
        return "no"


    def unused(value):
        return value * 2
"""


def _measure(root: Path, source: Sequence[str] = ()) -> tuple[TargetProject, TestRunResult, CoverageReport]:
    project = inspect_project(root, source=source)
    run = run_test_suite(project, root / ".aqe" / "run", RunSettings(python=Path(sys.executable), test_timeout=60))
    assert run.counts["failed"] == 0 and not run.collection_errors, run.tests
    return project, run, load_coverage(run.data_file, project)


def _assert_rule(project: TargetProject, run: TestRunResult, report: CoverageReport) -> None:
    assert report.totals.statements > 0
    assert_same_as_printed(report.totals, coverage_report(project.root, run.data_file))


def test_a_single_top_level_module_is_measured(tmp_path: Path) -> None:
    root = write_project(tmp_path / "single", {
        "tool.py": BRANCHY,
        "tests/test_tool.py": "from tool import pick\n\n\ndef test_pick():\n    assert pick(True) == 'yes'\n",
    })
    project, run, report = _measure(root)
    assert run.coverage_source == ["tool"]
    assert set(report.files) == {"tool.py"} and report.totals.statements == 6
    _assert_rule(project, run, report)
    assert_same_as_printed(report.totals, plain_coverage_run(root, ["tool"], tmp_path / "plain", pythonpath=[root]))
    gaps, _ = find_gaps(report, project)
    assert [gap.id for gap in gaps] == ["tool:pick", "tool:unused"]


def test_several_top_level_modules(tmp_path: Path) -> None:
    root = write_project(tmp_path / "modules", {
        "alpha.py": BRANCHY,
        "beta.py": "def double(x):\n    return 2 * x\n",
        "setup.py": "",
        "conftest.py": "",
        "tests/test_both.py": """
            from alpha import pick
            from beta import double


            def test_both():
                assert pick(False) == "no" and double(2) == 4
        """,
    })
    project, run, report = _measure(root)
    assert sorted(run.coverage_source) == ["alpha", "beta"]
    assert set(report.files) == {"alpha.py", "beta.py"}
    _assert_rule(project, run, report)
    plain = plain_coverage_run(root, ["alpha", "beta"], tmp_path / "plain", pythonpath=[root])
    assert_same_as_printed(report.totals, plain)


def test_a_package_beside_a_src_folder(tmp_path: Path) -> None:
    root = write_project(tmp_path / "beside", {
        "src/inner/__init__.py": BRANCHY,
        "outer/__init__.py": "def triple(x):\n    return 3 * x\n",
        "tests/test_both.py": """
            from inner import pick
            from outer import triple


            def test_both():
                assert pick(True) == "yes" and triple(1) == 3
        """,
    })
    project, run, report = _measure(root)
    assert project.import_roots == (root / "src", root)
    assert set(report.files) == {"src/inner/__init__.py", "outer/__init__.py"}
    _assert_rule(project, run, report)
    plain = plain_coverage_run(root, ["src", "outer"], tmp_path / "plain", pythonpath=[root / "src", root])
    assert_same_as_printed(report.totals, plain)


def test_a_namespace_package_without_init(tmp_path: Path) -> None:
    root = write_project(tmp_path / "namespace", {
        "space/part/logic.py": BRANCHY,
        "space/part/never_imported.py": "VALUE = 1\n",
        "tools/helper.py": "print('not imported by the tests')\n",
        "tests/test_logic.py": "from space.part.logic import pick\n\n\ndef test_pick():\n    assert pick(1) == 'yes'\n",
    })
    project, run, report = _measure(root)
    assert project.sources == (root / "space",)
    assert "space/part/logic.py" in report.files and not any(name.startswith("tests/") for name in report.files)
    _assert_rule(project, run, report)
    gaps, _ = find_gaps(report, project)
    assert {gap.id for gap in gaps} == {"space.part.logic:pick", "space.part.logic:unused"}


def test_tests_inside_the_package_count_as_coverage_py_counts_them_but_hold_no_gaps(tmp_path: Path) -> None:
    root = write_project(tmp_path / "inside", {
        "pkg/__init__.py": "",
        "pkg/logic.py": BRANCHY,
        "pkg/tests/__init__.py": "",
        "pkg/tests/helpers.py": "def never_called():\n    return 1\n",
        "pkg/tests/test_logic.py": "from pkg.logic import pick\n\n\ndef test_pick():\n    assert pick(0) == 'no'\n",
    })
    project, run, report = _measure(root)
    assert {"pkg/logic.py", "pkg/tests/test_logic.py"} <= set(report.files)
    _assert_rule(project, run, report)
    assert_same_as_printed(report.totals, plain_coverage_run(root, ["pkg"], tmp_path / "plain", pythonpath=[root]))
    gaps, functions = find_gaps(report, project)
    assert {gap.file for gap in gaps} == {"pkg/logic.py"}
    assert functions["total"] == 2


def test_the_config_source_is_used_instead_of_detection(tmp_path: Path) -> None:
    root = write_project(tmp_path / "configured", {
        "setup.cfg": "[coverage:run]\nsource = pkg\n",
        "pkg/__init__.py": BRANCHY,
        "extra.py": "import pkg\n",
        "tests/test_pkg.py": "import extra\nfrom pkg import pick\n\n\ndef test_pick():\n    assert pick(1) == 'yes'\n",
    })
    project, run, report = _measure(root)
    assert run.coverage_source == [] and run.coverage_config == str(root / "setup.cfg")
    assert set(report.files) == {"pkg/__init__.py"}
    _assert_rule(project, run, report)


def test_source_given_wins_over_the_config(tmp_path: Path) -> None:
    root = write_project(tmp_path / "given", {
        "tox.ini": "[coverage:run]\nsource = pkg\n",
        "pkg/__init__.py": BRANCHY,
        "tools/cli.py": "def main():\n    return 0\n",
        "tests/test_cli.py": "from cli import main\n\n\ndef test_main():\n"
        "    assert main() == 0\n",
    })
    project, run, report = _measure(root, source=["tools/cli.py"])
    assert project.sources == (root / "tools" / "cli.py",) and project.import_roots[0] == root / "tools"
    assert run.coverage_source == ["cli"]
    assert set(report.files) == {"tools/cli.py"}
    _assert_rule(project, run, report)


def test_source_names_an_installed_or_dotted_module(tmp_path: Path) -> None:
    root = write_project(tmp_path / "dotted", {
        "pkg/__init__.py": "", "pkg/logic.py": BRANCHY, "pkg/other.py": "X = 1\n",
        "tests/test_logic.py": "import pkg.other\nfrom pkg.logic import pick\n\n\ndef test_pick():\n"
        "    assert pick(1) == 'yes'\n",
    })
    project = inspect_project(root, source=["pkg.logic", "json"])
    assert project.sources == (root / "pkg" / "logic.py",) and project.source_names == ("json",)
    assert project.coverage_sources() == ("pkg.logic", "json")
    with pytest.raises(TargetProjectError, match=r"--source 'no/such/dir' is neither"):
        inspect_project(root, source=["no/such/dir"])


def test_report_omit_holds_whatever_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "omitting", {
        "pyproject.toml": '[project]\nname = "t"\nversion = "0"\n\n[tool.coverage.report]\nomit = ["pkg/skipped.py"]\n',
        "pkg/__init__.py": "", "pkg/logic.py": BRANCHY, "pkg/skipped.py": "def f():\n    return 1\n",
        "tests/test_logic.py": "from pkg.logic import pick\n\n\ndef test_pick():\n    assert pick(1) == 'yes'\n",
    })
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    project, run, report = _measure(root)
    assert set(report.files) == {"pkg/__init__.py", "pkg/logic.py"}
    _assert_rule(project, run, report)
    assert report.config.file == str(root / "pyproject.toml")


def test_coveragerc_comes_first_and_fail_under_is_read(tmp_path: Path) -> None:
    root = write_project(tmp_path / "rc", {
        ".coveragerc": "[run]\nsource = pkg\n\n[report]\nfail_under = 91.5\nprecision = 2\n",
        "setup.cfg": "[coverage:run]\nsource = elsewhere\n\n[coverage:report]\nfail_under = 10\n",
        "pkg/__init__.py": BRANCHY,
        "tests/test_pkg.py": "from pkg import pick\n\n\ndef test_pick():\n    assert pick(1) == 'yes'\n",
    })
    _, run, report = _measure(root)
    assert report.config.fail_under == 91.5 and report.config.file == str(root / ".coveragerc")
    printed = coverage_report(root, run.data_file)
    assert "." in printed.cover
    assert_same_as_printed(report.totals, printed)


def test_coverage_rcfile_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "rcfile", {
        "ci/coverage.ini": "[run]\nsource = pkg\nomit = pkg/skipped.py\n",
        "pkg/__init__.py": BRANCHY, "pkg/skipped.py": "X = 1\n", "other.py": "Y = 2\n",
        "tests/test_pkg.py": "import other\nfrom pkg import pick\n\n\ndef test_pick():\n    assert pick(1) == 'yes'\n",
    })
    monkeypatch.setenv("COVERAGE_RCFILE", str(root / "ci" / "coverage.ini"))
    project, run, report = _measure(root)
    assert run.coverage_source == [] and set(report.files) == {"pkg/__init__.py"}
    _assert_rule(project, run, report)


def test_a_broken_coverage_configuration_says_so(tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", {
        "pyproject.toml": '[project]\nname = "t"\nversion = "0"\n\n[tool.coverage.run]\nbranch = "maybe"\n',
        "pkg/__init__.py": "", "tests/test_a.py": "def test_a():\n    pass\n",
    })
    with pytest.raises(TargetProjectError, match=r"cannot use the project's coverage configuration.*fix it"):
        run_test_suite(inspect_project(root), root / ".aqe" / "run", RunSettings(python=Path(sys.executable)))


def test_nothing_to_measure_is_an_error_that_says_what_to_set(tmp_path: Path) -> None:
    root = write_project(tmp_path / "nothing", {
        "scripts/job.py": "X = 1\n", "tests/test_a.py": "def test_a():\n    pass\n",
    })
    with pytest.raises(TargetProjectError, match=r"found nothing to measure.*--source PKG_OR_PATH.*\[coverage:run\]"):
        run_test_suite(inspect_project(root), root / ".aqe" / "run", RunSettings(python=Path(sys.executable)))


def test_a_source_never_imported_measures_zero_statements(tmp_path: Path) -> None:
    root = write_project(tmp_path / "unimported", {
        "tool.py": BRANCHY, "tests/test_a.py": "def test_a():\n    pass\n",
    })
    _, run, report = _measure(root)
    assert report.totals.statements == 0 and report.files == {}
    assert any("tool was never imported" in line for line in Path(run.log_file).read_text().splitlines())
