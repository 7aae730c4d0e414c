"""`aqe report --html`: coverage.py's pages for the run (suite plus kept tests) and a front page with the trend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import coverage
import pytest
from typer.testing import CliRunner

from helpers.fleet import copy_sample
from lionagi_qe.cli.main import app
from lionagi_qe.cli.trend_chart import TrendPoint, trend_svg

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")
CIRCLE = re.compile(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="4" fill="(#\w+)"><title>([^<]*)</title>')


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*LLM_VARIABLES, "GITHUB_STEP_SUMMARY"):
        clean_env.delenv(name, raising=False)
    return clean_env


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(root: Path, *args: str) -> dict[str, Any]:
    code, out, err = aqe("run", str(root), "--json", *args)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return report


def test_html_report_of_a_run(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    failed = run_json(root, "--no-generate", "--coverage-threshold", "90")
    report = run_json(root, "--max-gaps", "2")
    site = tmp_path / "site"
    code, out, err = aqe("report", "--html", str(site), "--project", str(root))
    assert code == 0, err
    assert out.strip() == f"wrote {site / 'index.html'}"

    page = (site / "index.html").read_text(encoding="utf-8")
    assert f"<h1>aqe run {report['run_id']}</h1>" in page
    verdict = '<div class="verdict passed"><strong>Quality gate passed</strong><ul><li>coverage 81.2% &gt;= 80%</li>'
    assert verdict in page
    assert page.index("<code>bulk_price</code>") < page.index("<code>Inventory.add</code>")  # ranked by risk
    for kept in report["generation"]["kept"]:
        assert f"<code>.aqe/generated/{Path(kept['file']).name}</code>" in page
    assert '<a href="coverage/index.html">Line by line (coverage.py, suite plus kept tests)</a>' in page

    circles = CIRCLE.findall(page)
    assert [title.split(":")[0] for *_, title in circles] == [failed["run_id"], report["run_id"]]
    assert [fill for _, _, fill, _ in circles] == ["#cf222e", "#1a7f37"]

    measured = root / ".aqe" / "runs" / report["run_id"] / "generation" / "after.coverage"
    expected = coverage.Coverage(data_file=str(measured), config_file=False)
    expected.load()
    total = expected.report(file=open(os.devnull, "w"))  # noqa: SIM115 - coverage writes and we discard
    assert round(total, 2) == report["generation"]["coverage_after"]["percent"]
    index = (site / "coverage" / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'class="pc_cov">{int(total)}%</span>', index)
    text = re.sub(r"<[^>]+>", "", index)
    assert "src/shopkit/pricing.py" in text and str(root) not in text  # names relative to the project root


def test_report_of_an_unknown_run(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    first = run_json(root, "--no-generate")
    code, out, err = aqe("report", "20200101T000000.000000Z-nope", "--project", str(root))
    assert code == 2 and out == ""
    assert "no report of run '20200101T000000.000000Z-nope'" in err and first["run_id"] in err


@pytest.mark.postgres
@pytest.mark.slow
def test_trend_across_runs_from_memory_in_production(postgres_url: str, pg_schema: str, tmp_path: Path) -> None:
    """Runs from separate processes; their folders pruned to one: the chart still shows all three, from memory."""
    root = copy_sample(tmp_path)
    env = {
        **os.environ, "AQE_STORAGE_MODE": "production", "DATABASE_URL": postgres_url, "AQE_DB_SCHEMA": pg_schema,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    for name in (*LLM_VARIABLES, "GITHUB_STEP_SUMMARY", "ENVIRONMENT", "NODE_ENV"):
        env.pop(name, None)
    aqe_bin = str(Path(sys.executable).parent / "aqe")
    runs = []
    for threshold in ("90", "80", "80"):
        done = subprocess.run(
            [aqe_bin, "run", str(root), "--no-generate", "--json", "--keep-runs", "1",
             "--coverage-threshold", threshold],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        runs.append(json.loads(done.stdout)["run_id"])
    site = tmp_path / "site"
    done = subprocess.run([aqe_bin, "report", "--html", str(site), "--project", str(root)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    circles = CIRCLE.findall((site / "index.html").read_text(encoding="utf-8"))
    assert [title.split(":")[0] for *_, title in circles] == runs
    assert [fill for _, _, fill, _ in circles] == ["#cf222e", "#1a7f37", "#1a7f37"]
    assert (site / "coverage" / "index.html").is_file()


def test_trend_chart_geometry_and_escaping() -> None:
    points = [TrendPoint("20260101T0-a", 0.0, "failed"), TrendPoint("20260102T0-<b>", 100.0, "passed")]
    svg = trend_svg(points)
    (x0, y0, *_), (x1, y1, _, title) = CIRCLE.findall(svg)
    assert float(x0) < float(x1) and float(y0) > float(y1)  # oldest left, 100% at the top
    assert title == "20260102T0-&lt;b&gt;: 100.0% (passed)"
    assert '<polyline points="' in svg and ">2026-01-01<" in svg and ">2026-01-02<" in svg
    assert "no runs yet" in trend_svg([]) and "<polyline" not in trend_svg(points[:1])
