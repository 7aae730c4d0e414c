"""`aqe run` measures what the project says: 0 statements is an error, `fail_under` is the threshold, `--source`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.coverage_cli import assert_same_as_printed, coverage_report
from helpers.fleet import write_project
from lionagi_qe.analysis.coverage_report import Totals
from lionagi_qe.cli.main import app

PICK = """
    def pick(flag):
        if flag:
            return "yes"
        return "no"
"""


def aqe_json(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["run", *args, "--json", "--no-generate"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def _totals(coverage: dict[str, Any]) -> Totals:
    names = ("statements", "missing", "branches", "partial_branches", "covered_branches", "percent")
    return Totals(**{name: coverage[name] for name in names})


def test_measuring_nothing_is_an_error_that_says_what_to_set(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "untouched", {"tool.py": PICK, "tests/test_a.py": "def test_a():\n    pass\n"})
    code, report, err = aqe_json(str(root))
    assert code == 2 and report["status"] == "error" and report["gate"] is None
    assert report["error"]["kind"] == "target"
    message = report["error"]["message"]
    assert message.startswith(f"coverage.py measured 0 statements of {root} (--source=tool)")
    assert "Module tool was never imported" in message
    assert "aqe run --source PKG_OR_PATH" in message and "[coverage:run] in setup.cfg" in message
    assert "measured 0 statements" in err


def test_fail_under_is_the_default_threshold_and_an_explicit_one_wins(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = write_project(tmp_path / "strict", {
        "setup.cfg": "[coverage:report]\nfail_under = 95\n",
        "pkg/__init__.py": PICK,
        "tests/test_pkg.py": "from pkg import pick\n\n\ndef test_pick():\n    assert pick(True) == 'yes'\n",
    })
    code, report, _ = aqe_json(str(root))
    assert code == 1 and report["thresholds"]["coverage"] == 95.0
    assert report["gate"]["reasons"][0] == "coverage 66.7% < 95% (the project's coverage fail_under)"
    assert report["coverage"]["measured"]["fail_under"] == 95.0
    assert report["coverage"]["measured"]["config_file"] == str(root / "setup.cfg")

    code, report, _ = aqe_json(str(root), "--coverage-threshold", "50")
    assert code == 0 and report["thresholds"]["coverage"] == 50.0
    assert report["gate"]["reasons"][0] == "coverage 66.7% >= 50%"


def test_source_option_measures_what_it_names(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "chosen", {
        "setup.cfg": "[coverage:run]\nsource = pkg\n",
        "pkg/__init__.py": "VALUE = 1\n",
        "tools/cli.py": PICK,
        "tools/extra.py": "def helper():\n    return 1\n",
        "tests/test_cli.py": "import extra\nfrom cli import pick\n\n\ndef test_pick():\n    assert pick(0) == 'no'\n",
    })
    code, report, _ = aqe_json(str(root), "--source", "tools/cli.py", "--source", "tools/extra.py")
    assert code == 1, report["error"]
    measured = report["coverage"]["measured"]
    assert measured["source"] == ["cli", "extra"]
    assert [gap["id"] for gap in report["gaps"]] == ["cli:pick", "extra:helper"]
    assert_same_as_printed(_totals(report["coverage"]), coverage_report(root, measured["data_file"]))
