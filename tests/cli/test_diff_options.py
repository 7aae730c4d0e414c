"""`aqe run --diff BASE`: diff coverage gated, `--only-impacted` runs exactly the impacted tests, clear usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.diff_project import IMPACTED, make_diff_project
from helpers.fleet import write_project
from lionagi_qe.cli.main import app


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> dict[str, Any]:
    code, out, err = aqe("run", *args, "--no-generate", "--json")
    report = json.loads(out)
    assert report["exit_code"] == code, err
    return report


def test_only_impacted_runs_exactly_the_tests_of_the_changed_functions(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_diff_project(tmp_path)
    first = run_json(str(root), "--diff", "HEAD~1", "--only-impacted")
    assert first["tests"]["total"] == 5 and first["tests"]["selection"]["selected"] is None
    assert "no test map from an earlier run: ran every test" in first["tests"]["notes"][-1]

    again = run_json(str(root), "--diff", "HEAD~1", "--only-impacted")
    assert [t for t in again["tests"]["selection"]["selected"] if "::" in t] == IMPACTED
    assert again["tests"]["total"] == 3 and again["tests"]["counts"]["passed"] == 3
    assert "coverage 63.0% not judged: only the impacted tests ran" in again["gate"]["reasons"]

    report = (root / "ledger" / "report.py").read_text(encoding="utf-8")
    write_project(root, {"ledger/report.py": report.replace("}: {", "} = {")})
    edited = run_json(str(root), "--diff", "HEAD", "--only-impacted")
    assert edited["tests"]["selection"]["selected"] == ["tests/test_report.py::test_summary"]
    assert edited["tests"]["total"] == 1 and edited["tests"]["counts"]["failed"] == 1
    both = run_json(str(root), "--diff", "HEAD~1", "--only-impacted")
    assert both["tests"]["total"] == 4
    assert [t for t in both["tests"]["selection"]["selected"] if "::" in t] == [
        *IMPACTED, "tests/test_report.py::test_summary",
    ]


def test_diff_threshold_gates_the_changed_lines(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    failed = run_json(str(root), "--diff", "HEAD~1")
    assert failed["status"] == "failed" and failed["diff_coverage"]["threshold"] == 80.0
    assert failed["diff_coverage"]["files"]["ledger/accounts.py"]["missing_lines"] == [9, 16, 17]
    passed = run_json(str(root), "--diff", "HEAD~1", "--diff-threshold", "50")
    assert passed["status"] == "passed"
    assert "diff coverage 57.1% >= 50% (7 changed statements)" in passed["gate"]["reasons"]
    check = next(c for c in passed["gate"]["checks"] if c["name"] == "diff_coverage")
    assert check == {"name": "diff_coverage", "passed": True, "value": 57.14, "threshold": 50.0}
    plain = run_json(str(root))
    assert plain["diff_coverage"] is None and [c["name"] for c in plain["gate"]["checks"]] == [
        "coverage", "failures", "flaky",
    ]
    code, out, _ = aqe("run", str(root), "--no-generate", "--diff", "HEAD~1")
    assert code == 1 and "changed lines since HEAD~1: 57.1% covered (4 of 7 statements; threshold 80%)" in out


def test_diff_usage_errors(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    plain = write_project(tmp_path / "plain", {"tests/test_a.py": "def test_a():\n    pass\n"})
    cases = [
        ((str(root), "--diff", "nope"), "--diff 'nope' names no commit in the git repository"),
        ((str(plain), "--diff", "HEAD"), "is not inside a git repository"),
        ((str(root), "--only-impacted"), "--only-impacted needs --diff BASE"),
    ]
    for args, message in cases:
        code, out, err = aqe("run", *args)
        assert code == 2 and message in err and out == ""
