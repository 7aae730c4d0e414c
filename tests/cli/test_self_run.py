"""`aqe run .` on this repository itself: its src layout, conftest, async tests and config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.fleet import REPO
from lionagi_qe.cli.main import app


@pytest.mark.slow
def test_aqe_runs_on_this_repository(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A narrowed test selection keeps this under a minute; the whole suite (`aqe run .`) takes minutes."""
    clean_env.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)  # this repository's tests need pytest-asyncio
    for name in ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL"):
        clean_env.delenv(name, raising=False)
    selection = "tests/config/test_storage_config.py tests/analysis/test_engines_units.py -m 'not slow'"
    result = CliRunner().invoke(
        app,
        ["run", str(REPO), "--json", "--coverage-threshold", "0", "--max-gaps", "2",
         "--output", str(tmp_path / "generated"), "--pytest-args", selection],
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert report["project"] == str(REPO) and report["status"] == "passed"
    assert report["tests"]["total"] > 20 and report["tests"]["counts"]["failed"] == 0
    assert report["coverage"]["statements"] > 1000
    assert report["gaps"] and report["gaps"][0]["file"].startswith("src/lionagi_qe/")
    assert report["generation"]["status"] == "ok"
    assert all(Path(k["file"]).parent == tmp_path / "generated" for k in report["generation"]["kept"])
