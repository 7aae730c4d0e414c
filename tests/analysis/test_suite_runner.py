"""run_test_suite: per-test outcomes and durations; failing, erroring, hanging and flaky tests are reported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite
from lionagi_qe.errors import TargetProjectError

TROUBLED = {
    "calc/__init__.py": """
        def half(n):
            if n % 2:
                raise ValueError("odd")
            return n // 2
    """,
    "tests/test_calc.py": """
        import signal
        import time
        from pathlib import Path

        import pytest

        from calc import half


        def test_passes():
            assert half(4) == 2


        def test_fails():
            assert half(4) == 3


        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")


        def test_errors(broken):
            pass


        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass


        def test_loops_forever():
            while True:
                pass


        def test_ignores_the_alarm():
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            while True:
                time.sleep(0.01)


        def test_flaky():
            marker = Path(__file__).parent / "flaky-marker"
            if not marker.exists():
                marker.write_text("seen")
                assert False, "first run fails"
    """,
    "tests/test_broken_import.py": """
        import a_module_that_is_not_installed

        def test_never_runs():
            pass
    """,
}


@pytest.fixture(scope="module")
def troubled_run(tmp_path_factory: pytest.TempPathFactory):
    root = write_project(tmp_path_factory.mktemp("troubled"), TROUBLED)
    project = inspect_project(root)
    settings = RunSettings(python=Path(sys.executable), test_timeout=1.0)
    return project, run_test_suite(project, root / ".aqe" / "work", settings)


def test_every_outcome_is_reported(troubled_run) -> None:
    _, run = troubled_run
    outcomes = {t.nodeid.split("::")[-1]: t.outcome for t in run.tests}
    assert outcomes == {
        "test_passes": "passed",
        "test_fails": "failed",
        "test_errors": "error",
        "test_skipped": "skipped",
        "test_loops_forever": "timeout",
        "test_ignores_the_alarm": "timeout",
        "test_flaky": "flaky",
    }
    assert run.counts["timeout"] == 2
    assert all(t.duration >= 0 for t in run.tests)


def test_messages_say_what_happened(troubled_run) -> None:
    _, run = troubled_run
    by_name = {t.nodeid.split("::")[-1]: t for t in run.tests}
    assert "assert 2 == 3" in by_name["test_fails"].message
    assert "fixture broke" in by_name["test_errors"].message
    assert "per-test timeout" in by_name["test_loops_forever"].message
    assert "ignored the alarm" in by_name["test_ignores_the_alarm"].message
    assert "first run fails" in by_name["test_flaky"].message


def test_import_failure_is_a_collection_error(troubled_run) -> None:
    _, run = troubled_run
    assert [e.nodeid for e in run.collection_errors] == ["tests/test_broken_import.py"]
    assert "a_module_that_is_not_installed" in run.collection_errors[0].message


def test_coverage_survives_the_stopped_process(troubled_run) -> None:
    from lionagi_qe.analysis.coverage_report import load_coverage

    project, run = troubled_run
    report = load_coverage(run.data_file, project)
    assert report.files["calc/__init__.py"].executed_lines == [2, 3, 5]
    assert run.notes == ["stopped the test process once: tests/test_calc.py::test_ignores_the_alarm hung"]


def test_module_that_hangs_at_import_is_reported_and_skipped(tmp_path: Path) -> None:
    root = write_project(tmp_path / "hangs", {
        "m.py": "X = 1\n",
        "tests/test_ok.py": "def test_ok():\n    assert True\n",
        "tests/test_hang.py": "while True:\n    pass\n",
    })
    settings = RunSettings(python=Path(sys.executable), test_timeout=1.0)
    run = run_test_suite(inspect_project(root), root / "work", settings)
    assert [(t.nodeid, t.outcome) for t in run.tests] == [("tests/test_ok.py::test_ok", "passed")]
    assert run.collection_errors[0].nodeid == "tests/test_hang.py"
    assert "did not finish" in run.collection_errors[0].message


def test_pytest_usage_error_is_a_target_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "ok", {"m.py": "X = 1\n", "tests/test_ok.py": "def test_ok():\n    pass\n"})
    settings = RunSettings(python=Path(sys.executable), pytest_args=("--no-such-option",))
    with pytest.raises(TargetProjectError, match="exit code 4"):
        run_test_suite(inspect_project(root), root / "work", settings)
