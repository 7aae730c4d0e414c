"""`[tool.aqe]`: defaults for `aqe run` from the project's pyproject.toml; the command line wins; `aqe config` tells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from helpers.fleet import copy_sample, write_project
from lionagi_qe.cli.main import app
from lionagi_qe.cli.project_settings import ProjectConfig, read_project_config, settle
from lionagi_qe.errors import ConfigurationError

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in LLM_VARIABLES:
        clean_env.delenv(name, raising=False)
    clean_env.delenv("GITHUB_STEP_SUMMARY", raising=False)
    clean_env.chdir(tmp_path)
    return clean_env


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def with_tool_aqe(root: Path, table: str) -> Path:
    """Append a [tool.aqe] table to the project's pyproject.toml."""
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n[tool.aqe]\n" + table, encoding="utf-8")
    return pyproject


def test_tool_aqe_sets_the_gate_and_the_command_line_wins(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    with_tool_aqe(root, 'coverage-threshold = 95\nno-generate = true\npytest-args = ["-p", "no:cacheprovider"]\n')
    code, out, _ = aqe("run", str(root), "--json")
    report = json.loads(out)
    assert code == 1 and report["thresholds"]["coverage"] == 95.0
    assert "coverage 81.2% < 95%" in report["gate"]["reasons"]
    assert report["generation"]["status"] == "skipped"

    code, out, _ = aqe("run", str(root), "--json", "--coverage-threshold", "80")
    assert code == 0 and json.loads(out)["thresholds"]["coverage"] == 80.0


def test_paths_in_tool_aqe_are_relative_to_the_pyproject(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    with_tool_aqe(root, 'output = "tests/generated"\nmax_gaps = 1\n')  # `_` reads as `-`
    code, out, _ = aqe("run", str(root / "src"), "--json")  # a folder inside the project, from elsewhere
    kept = json.loads(out)["generation"]["kept"]
    assert code == 0 and len(kept) == 1
    assert Path(kept[0]["file"]).parent == root / "tests" / "generated"


def test_unknown_key_is_one_line_naming_it_and_the_known_keys(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    pyproject = with_tool_aqe(root, "coverage-treshold = 90\n")
    code, out, err = aqe("run", str(root))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"unknown key 'coverage-treshold' in [tool.aqe] in {pyproject}" in err
    assert "known keys:" in err and "coverage-threshold" in err and "max-gaps" in err and "storage" in err

    code, out, err = aqe("run", str(root), "--json")
    assert code == 2 and "unknown key 'coverage-treshold'" in json.loads(out)["error"]["message"]


def test_a_value_the_option_refuses_names_key_and_file(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    pyproject = with_tool_aqe(root, "coverage-threshold = 200\n")
    code, _, err = aqe("run", str(root))
    assert code == 2 and f"coverage-threshold = 200 in [tool.aqe] in {pyproject} is not accepted" in err


def test_bad_toml_is_an_error_that_names_the_file(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"pyproject.toml": "[tool.aqe\n", "tests/test_a.py": "def test_a(): pass\n"})
    code, _, err = aqe("run", str(root))
    assert code == 2 and f"cannot read {root / 'pyproject.toml'}" in err and "TOML" in err


def test_storage_key_applies_only_when_the_environment_sets_none(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    with_tool_aqe(root, 'storage = "testing"\nno-generate = true\n')
    _, out, _ = aqe("run", str(root), "--json")
    assert json.loads(out)["mode"] == "testing"
    offline.setenv("AQE_STORAGE_MODE", "development")
    _, out, _ = aqe("run", str(root), "--json")
    assert json.loads(out)["mode"] == "development"


def test_a_storage_mode_that_does_not_exist_is_refused(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    with_tool_aqe(root, 'storage = "cloud"\n')
    code, out, err = aqe("run", str(root))
    assert code == 2 and out == "" and "'cloud' is not a storage mode" in err


def test_aqe_config_shows_each_setting_and_where_it_came_from(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    pyproject = with_tool_aqe(root, 'max-gaps = 2\nstorage = "testing"\n')
    code, out, err = aqe("config", "--project", str(root), "--json", "--test-timeout", "7")
    assert code == 0, err
    report = json.loads(out)
    fleet = report["fleet"]
    assert fleet["project"] == str(root) and fleet["config_file"] == str(pyproject)
    origin = f"[tool.aqe] in {pyproject}"
    assert fleet["settings"]["max-gaps"] == {"value": 2, "origin": origin}
    assert fleet["settings"]["test-timeout"] == {"value": 7.0, "origin": "command line"}
    assert fleet["settings"]["coverage-threshold"] == {
        "value": 80.0, "origin": "default (the project's coverage config sets no fail_under)"
    }
    assert fleet["settings"]["storage"] == {"value": "testing", "origin": origin}
    assert (report["mode"], report["source"], report["source_value"]) == ("testing", "[tool.aqe]", "testing")

    code, out, _ = aqe("config", "--project", str(root))
    assert code == 0
    assert f"Storage mode: testing (from storage = testing in [tool.aqe] of {pyproject})" in out
    assert f"Fleet settings for {root} ([tool.aqe] in {pyproject}):" in out
    rows = [[cell.strip() for cell in line.split("│")[1:4]] for line in out.splitlines()]
    assert ["max-gaps", "2", origin] in rows
    assert ["coverage-threshold", "80.0", "default (the project's coverage config sets no fail_under)"] in rows

    offline.setenv("AQE_STORAGE_MODE", "dev")
    report = json.loads(aqe("config", "--project", str(root), "--json")[1])
    storage = report["fleet"]["settings"]["storage"]
    assert storage == {"value": "development", "origin": "environment (AQE_STORAGE_MODE)"}


def test_aqe_config_shows_the_threshold_the_gate_takes_from_fail_under(
    offline: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = copy_sample(tmp_path)
    (root / ".coveragerc").write_text("[report]\nfail_under = 91.5\n", encoding="utf-8")
    settings = json.loads(aqe("config", "--project", str(root), "--json")[1])["fleet"]["settings"]
    assert settings["coverage-threshold"] == {"value": 91.5, "origin": f"fail_under in {root / '.coveragerc'}"}
    settings = json.loads(aqe("config", "--project", str(root), "--json", "--coverage-threshold", "70")[1])
    assert settings["fleet"]["settings"]["coverage-threshold"] == {"value": 70.0, "origin": "command line"}


def test_aqe_config_refuses_an_option_aqe_run_does_not_have(offline: pytest.MonkeyPatch) -> None:
    code, out, err = aqe("config", "--max-gapz", "3")
    assert code == 2 and out == "" and "No such option: --max-gapz" in err and "aqe run's options" in err


def test_settle_reads_every_option_of_the_command_even_one_added_later(tmp_path: Path) -> None:
    """Keys come from the command, so an option another module adds is a [tool.aqe] key without more code."""
    later = typer.Typer(add_completion=False)

    @later.command()
    def run(
        path: str = typer.Argument("."),
        budget: int = typer.Option(10, "--budget", min=1),
        source: list[str] = typer.Option([], "--source"),
        strict: bool = typer.Option(False, "--strict"),
    ) -> None:
        """A stand-in for `aqe run` with options it does not have yet."""

    command = typer.main.get_command(later)
    config = ProjectConfig(tmp_path, tmp_path / "pyproject.toml", {"budget": 3, "source": "pkg", "strict": True})
    ctx = command.make_context("run", ["--strict"])
    settings = settle(ctx, config)
    assert ctx.params["budget"] == 3 and ctx.params["source"] in (["pkg"], ("pkg",)) and ctx.params["strict"] is True
    assert settings["budget"].origin == config.origin and settings["strict"].origin == "command line"

    ctx = command.make_context("run", [])
    with pytest.raises(ConfigurationError, match=r"budget = 0 in .* is not accepted"):
        settle(ctx, ProjectConfig(tmp_path, tmp_path / "pyproject.toml", {"budget": 0}))
    with pytest.raises(ConfigurationError, match="known keys: budget, source, storage, strict"):
        settle(ctx, ProjectConfig(tmp_path, tmp_path / "pyproject.toml", {"budgets": 1}))


def test_project_config_is_read_at_the_project_root(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"pkg/__init__.py": ""})
    with_tool_aqe(root, "max-gaps = 4\n")
    config = read_project_config(root / "pkg")
    assert config.root == root and config.values == {"max-gaps": 4}
    assert read_project_config(tmp_path / "elsewhere").values == {}


def test_the_readme_documents_real_keys(tmp_path: Path) -> None:
    """The README's [tool.aqe] table names only keys `aqe run` has, and its example is accepted as written."""
    from helpers.fleet import REPO
    from lionagi_qe.cli.project_settings import known_keys
    from lionagi_qe.cli.run_cmd import run_command

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In CI"):]
    documented = {key.strip("` ") for row in section.splitlines() if row.startswith("| `")
                  for key in row.split("|")[1].split(",")}
    known = set(known_keys(run_command()))
    assert documented and documented <= known
    example = section[section.index("```toml") + len("```toml"):section.index("```", section.index("```toml") + 7)]
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    ctx = run_command().make_context("run", [str(tmp_path)])
    settings = settle(ctx, read_project_config(tmp_path))
    assert settings["coverage_threshold"].value == 85.0 and settings["max_gaps"].value == 3
