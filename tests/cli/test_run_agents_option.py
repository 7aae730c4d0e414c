"""`aqe run --agents`: more agents with the standard four, their `--json` sections, and unknown ids refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.planted import COMPLEX_FUNCTION, SHELL_FILE, write_planted_project
from lionagi_qe.cli.main import app

SECTIONS = ("flaky", "security", "complexity", "performance", "readiness")


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_unknown_agent_is_a_usage_error(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_planted_project(tmp_path / "p")
    code, out, err = aqe("run", str(root), "--agents", "security-scanner,bandit")
    assert code == 2 and out == ""
    assert "unknown agent(s) 'bandit' in --agents; pass 'all' or a comma list of: test-executor," in err
    assert not (root / ".aqe").exists()


def test_json_gains_a_section_per_chosen_agent(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_planted_project(tmp_path / "p")
    code, out, _ = aqe(
        "run", str(root), "--no-generate", "--json",
        "--agents", "security-scanner,complexity-analyzer,deployment-readiness",
    )
    report = json.loads(out)
    assert code == 1 and report["status"] == "failed" and report["schema"] == "aqe.run/1"
    assert report["flaky"] is None and report["performance"] is None
    assert all(name in report for name in SECTIONS)
    assert report["security"]["findings"][0]["file"] == SHELL_FILE and report["security"]["high"] == 1
    assert report["complexity"]["functions"][0]["qualname"] == COMPLEX_FUNCTION
    assert report["readiness"]["go"] is False
    assert list(report["agents"])[-3:] == ["security-scanner", "complexity-analyzer", "deployment-readiness"]
    assert report["agents"]["complexity-analyzer"]["stored_keys"] == [f"aqe/quality/{report['run_id']}/complexity"]


def test_human_output_shows_the_readiness_reasons(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_planted_project(tmp_path / "p")
    code, out, _ = aqe("run", str(root), "--no-generate", "--coverage-threshold", "10",
                       "--agents", "security-scanner,deployment-readiness")
    assert code == 1
    assert "quality gate PASSED" in out and "deployment readiness NO-GO" in out
    assert "security: 1 high-severity finding(s) (0 allowed)" in out
