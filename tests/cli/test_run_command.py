"""`aqe run`: the report, the exit codes, and a clear message for each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.fleet import copy_sample, write_project
from lionagi_qe.cli.main import app

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in LLM_VARIABLES:
        clean_env.delenv(name, raising=False)
    return clean_env


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_sample_project_json_report(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    code, out, _ = aqe("run", str(root), "--json")
    report = json.loads(out)
    assert code == 0 and report["exit_code"] == 0 and report["status"] == "passed"
    assert report["schema"] == "aqe.run/1" and report["mode"] == "development" and report["model"] is None
    assert report["tests"]["counts"]["passed"] == 14
    coverage = report["coverage"]
    counted = (coverage["statements"], coverage["missing"], coverage["branches"], coverage["partial_branches"])
    assert counted == (73, 10, 28, 9)
    generation = report["generation"]
    assert generation["engine"] == "offline" and len(generation["kept"]) >= 1
    assert all(Path(k["file"]).parent == root / ".aqe" / "generated" for k in generation["kept"])
    assert generation["coverage_after"]["percent"] > generation["coverage_before"]["percent"]
    assert report["gate"]["passed"] and report["gate"]["reasons"][0] == "coverage 81.2% >= 80%"
    assert report["gaps"][0]["id"] == "shopkit.pricing:bulk_price"
    assert set(report["agents"]) == {"test-executor", "coverage-analyzer", "test-generator", "quality-gate"}


def test_human_output_and_a_failed_gate(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    code, out, _ = aqe("run", str(root), "--no-generate", "--coverage-threshold", "95")
    assert code == 1
    assert "quality gate FAILED" in out and "coverage 81.2% < 95%" in out
    assert "test generation turned off" in out
    assert "development mode: memory lives in this process only" in out
    assert not (root / ".aqe" / "generated").exists()


def test_output_folder_keeps_user_files(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    out_dir = tmp_path / "mine"
    out_dir.mkdir()
    (out_dir / "test_aqe_pricing_bulk_price.py").write_text("# mine\n")
    code, out, _ = aqe("run", str(root), "--json", "--max-gaps", "1", "--output", str(out_dir))
    kept = json.loads(out)["generation"]["kept"]
    assert code == 0 and [Path(k["file"]).name for k in kept] == ["test_aqe_pricing_bulk_price_2.py"]
    assert (out_dir / "test_aqe_pricing_bulk_price.py").read_text() == "# mine\n"


def test_missing_path(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = aqe("run", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err


def test_project_without_tests(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "bare", {"pkg/__init__.py": "X = 1\n"})
    code, out, err = aqe("run", str(root), "--json")
    assert code == 2 and "no tests found" in err
    assert json.loads(out)["error"]["kind"] == "target"


def test_syntax_error(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", {
        "pkg/__init__.py": "", "pkg/core.py": "def f(:\n    pass\n", "tests/test_a.py": "def test_a():\n    pass\n",
    })
    code, _, err = aqe("run", str(root))
    assert code == 2 and "syntax error in pkg/core.py:1" in err


def test_imports_that_fail(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "deps", {
        "pkg/__init__.py": "import a_dependency_that_is_missing\n",
        "tests/test_a.py": "import pkg\n\n\ndef test_a():\n    pass\n",
    })
    code, out, err = aqe("run", str(root), "--json", "--no-generate")
    report = json.loads(out)
    assert code == 2 and report["error"]["kind"] == "collection"
    assert "tests/test_a.py" in err and "a_dependency_that_is_missing" in err and "--python/--venv" in err


def test_a_test_that_loops_forever(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "loops", {
        "pkg/__init__.py": "def one():\n    return 1\n",
        "tests/test_a.py": "from pkg import one\n\n\ndef test_one():\n    assert one() == 1\n\n\n"
        "def test_forever():\n    while True:\n        pass\n",
    })
    code, out, _ = aqe("run", str(root), "--json", "--no-generate", "--test-timeout", "1")
    report = json.loads(out)
    assert code == 1 and report["status"] == "failed"
    failing = [(f["nodeid"], f["outcome"]) for f in report["tests"]["failing"]]
    assert failing == [("tests/test_a.py::test_forever", "timeout")]
    assert "1 failing test(s) (0 allowed)" in report["gate"]["reasons"]


def test_model_without_endpoint_is_a_usage_error(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = aqe("run", str(tmp_path), "--model", "gpt-4o-mini")
    assert code == 2 and "AQE_LLM_API_KEY" in err


def test_history_and_memory_in_development_mode_say_why_they_are_empty(offline: pytest.MonkeyPatch) -> None:
    code, out, err = aqe("history")
    assert code == 0 and "no runs in memory yet" in out and "AQE_STORAGE_MODE=production" in err
    code, _, err = aqe("memory", "get", "aqe/quality/x/verdict")
    assert code == 1 and "no value under" in err
