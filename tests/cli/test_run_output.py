"""How `aqe run` speaks: --format text/json/markdown/github, the GitHub step summary, -q/-v, errors, no terminal."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.fleet import copy_sample, write_project
from lionagi_qe.cli.main import app
from lionagi_qe.cli.render_github import command, escape_property, repository_root, workflow_commands
from lionagi_qe.cli.render_markdown import markdown_report

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")
CI_VARIABLES = ("GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE")
LONG = "a-folder-name-long-enough-that-any-path-inside-it-is-wider-than-eighty-columns-on-its-own"
AGENTS = ("test-executor", "coverage-analyzer", "test-generator", "quality-gate")


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _quiet_environment(patch: pytest.MonkeyPatch) -> None:
    for name in (*LLM_VARIABLES, *CI_VARIABLES, "AQE_STORAGE_MODE", "ENVIRONMENT", "NODE_ENV"):
        patch.delenv(name, raising=False)
    patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    _quiet_environment(clean_env)
    return clean_env


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """One text run of the sample inside a git repository (under a long folder): (root, report, stdout)."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / ".git").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        _quiet_environment(patch)
        root = copy_sample(repo / LONG)
        code, out, err = aqe("run", str(root), "--max-gaps", "2")
        assert code == 0, err
        runs = sorted((root / ".aqe" / "runs").iterdir())
        report = json.loads((runs[-1] / "report.json").read_text(encoding="utf-8"))
        yield root, report, out


def test_text_output_off_a_terminal_is_unwrapped_with_one_progress_line_per_agent(
    sample_run: tuple[Path, dict[str, Any], str],
) -> None:
    _, report, out = sample_run
    progress = [line.split(":")[0] for line in out.splitlines() if line.startswith(tuple(f"{a}: " for a in AGENTS))]
    assert progress == list(AGENTS)
    assert "test-executor: ok, 14 tests: 14 passed" in out
    kept = report["generation"]["kept"][0]["file"]
    assert len(kept) > 80 and any(line.startswith(f"kept {kept}  (") for line in out.splitlines())
    assert "quality gate PASSED" in out and "\x1b[" not in out


def test_saved_report_json_and_format_json_are_the_run_report(sample_run: tuple[Path, dict[str, Any], str]) -> None:
    root, report, _ = sample_run
    assert report["schema"] == "aqe.run/1" and report["status"] == "passed" and report["project"] == str(root)
    for flags in (["--format", "json"], ["--format=json"]):
        code, out, _ = aqe("report", report["run_id"], "--project", str(root), *flags)
        assert code == 0 and json.loads(out) == report


def test_markdown_summary(sample_run: tuple[Path, dict[str, Any], str]) -> None:
    root, report, _ = sample_run
    code, out, _ = aqe("report", "--project", str(root), "--format", "markdown")
    assert code == 0 and out == markdown_report(report)
    assert out.startswith("## aqe: ✅ quality gate passed\n")
    assert "| total (Cover) | 81.2% | " in out
    assert "### Quality gate: passed\n\n- coverage 81.2% >= 80%\n" in out
    assert "| `bulk_price` | `src/shopkit/pricing.py:30` | 33, 36 | 32->33, 35->36 | 10 |" in out
    kept = report["generation"]["kept"]
    assert all(f"| `.aqe/generated/{Path(k['file']).name}` | `{k['gap']}` | characterization |" in out for k in kept)


def test_github_annotations_are_relative_to_the_repository(
    offline: pytest.MonkeyPatch, sample_run: tuple[Path, dict[str, Any], str]
) -> None:
    root, report, _ = sample_run
    code, out, _ = aqe("report", "--project", str(root), "--format", "github")
    warnings = [line for line in out.splitlines() if line.startswith("::warning ")]
    assert code == 0 and len(warnings) == len(report["gaps"])
    assert warnings[0] == (
        f"::warning file={LONG}/sample_project/src/shopkit/pricing.py,line=33,endLine=36,"
        "title=aqe%3A uncovered code in bulk_price::bulk_price: lines 33, 36 not covered; "
        "branches not taken: 32->33, 35->36 (risk 10)"
    )
    assert "quality gate PASSED" in out  # the text summary comes first

    offline.setenv("GITHUB_WORKSPACE", str(root.parent))
    assert workflow_commands(report)[0].startswith("::warning file=sample_project/src/shopkit/pricing.py,line=33,")


def test_failing_tests_are_errors_at_their_def_line(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "pkg/__init__.py": "def one():\n    return 1\n",
        "tests/test_a.py": (
            "import pytest\nfrom pkg import one\n\n\nclass TestOne:\n    @pytest.mark.parametrize('n', [1, 2])\n"
            "    def test_is(self, n):\n        assert one() == n, 'one is not %d, or: 50%%' % n\n"
        ),
    })
    code, out, err = aqe("run", str(root), "--no-generate", "--format", "github")
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert code == 1, err
    assert errors[0].startswith("::error file=tests/test_a.py,line=7,title=aqe%3A test failed::")
    assert "tests/test_a.py::TestOne::test_is[2] failed: AssertionError: one is not 2, or: 50%25" in errors[0]
    assert errors[-1].startswith("::error title=aqe quality gate failed::") and "1 failing test(s)" in errors[-1]


def test_step_summary_is_appended_under_github_actions(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    offline.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = aqe("run", str(root), "--json", "--no-generate", "--coverage-threshold", "90")
    report = json.loads(out)
    text = summary.read_text(encoding="utf-8")
    assert code == 1 and text == "earlier step\n" + markdown_report(report) + "\n"
    assert "## aqe: ❌ quality gate failed" in text and "- coverage 81.2% < 90%" in text


def test_json_and_another_format_on_the_command_line_contradict(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = aqe("run", str(tmp_path), "--json", "--format", "markdown")
    assert code == 2 and "--json means --format json, but --format is markdown" in err
    assert json.loads(out)["error"]["kind"] == "usage"


def test_quiet_prints_the_verdict_line_only(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    code, out, err = aqe("run", str(root), "-q", "--no-generate")
    assert code == 0 and err == ""
    reasons = "coverage 81.2% >= 80%; no failing tests (0 allowed); no flaky tests (0 allowed)"
    assert out == f"quality gate PASSED: {reasons}\n"
    code, _, err = aqe("run", str(root), "-q", "-v")
    assert code == 2 and "-q/--quiet and -v/--verbose contradict each other" in err


def test_verbose_shows_the_settings_and_where_the_files_are(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    code, out, _ = aqe("run", str(root), "-v", "--no-generate", "--max-gaps", "3")
    rows = [[cell.strip() for cell in line.split("│")[1:4]] for line in out.splitlines()]
    assert code == 0 and ["max-gaps", "3", "command line"] in rows and ["max-flaky", "0", "default"] in rows
    assert re.search(rf"files of this run: {re.escape(str(root))}/\.aqe/runs/\S+ \(report\.json", out)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/nowhere"], "'{tmp}/nowhere' does not exist; pass the folder of a Python project"),
        (["{tmp}", "--venv", "{tmp}"], "'{tmp}' is not a virtualenv (no bin/python inside)"),
        (["{tmp}", "--python", "{tmp}/python9"], "'{tmp}/python9' is not an executable Python interpreter"),
        (["{tmp}", "--pytest-args", "-k 'unclosed"], "--pytest-args cannot be split like a shell line"),
        (["{tmp}", "--model", "gpt-4o-mini"], "--model gpt-4o-mini needs a model endpoint"),
    ],
    ids=["missing path", "bad venv", "bad python", "bad pytest-args", "model without endpoint"],
)
def test_usage_errors_are_one_line_before_anything_runs(
    offline: pytest.MonkeyPatch, tmp_path: Path, args: list[str], message: str, as_json: bool
) -> None:
    given = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    code, out, err = aqe("run", *given, *(["--json"] if as_json else []))
    expected = message.replace("{tmp}", str(tmp_path))
    assert code == 2 and err.startswith(f"error: {expected}") and err.count("\n") == 1
    assert not (tmp_path / ".aqe").exists()
    if as_json:
        report = json.loads(out)
        assert report["schema"] == "aqe.run/1" and report["status"] == "error" and report["exit_code"] == 2
        assert report["error"]["kind"] == "usage" and report["error"]["message"].startswith(expected)
    else:
        assert out == ""


def test_a_configuration_error_during_the_run_gives_json(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    offline.setenv("AQE_STORAGE_MODE", "production")
    code, out, err = aqe("run", str(root), "--json", "-v")
    report = json.loads(out)
    assert code == 2 and err.startswith("error: production mode needs a PostgreSQL URL")
    assert report["error"]["kind"] == "configuration" and report["run_id"]
    assert report["error"]["message"].startswith("production mode needs a PostgreSQL URL: set DATABASE_URL")


def test_an_option_value_refused_by_the_parser_still_gives_json(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = aqe("run", str(tmp_path), "--coverage-threshold", "200", "--json")
    assert code == 2 and "--coverage-threshold" in err
    assert "--coverage-threshold" in json.loads(out)["error"]["message"]


def test_version_and_flags_shown_as_flags() -> None:
    from importlib.metadata import version

    code, out, _ = aqe("--version")
    assert code == 0 and out == f"aqe (lionagi-qe-fleet) {version('lionagi-qe-fleet')}\n"
    code, out, _ = aqe("run", "--help")
    assert code == 0 and "<bool>" not in out
    for flag in ("--json ", "--no-generate ", "-q, --quiet ", "-v, --verbose "):
        assert flag in out
    assert "--format <text|json|markdown|github>" in out and "--keep-runs <int range>" in out


def test_workflow_command_escaping_and_repository_root(tmp_path: Path) -> None:
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "50% done\nnext", file="x,y.py", line=None) == "::error file=x%2Cy.py::50%25 done%0Anext"
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    project = tmp_path / "repo" / "apps" / "one"
    project.mkdir(parents=True)
    assert repository_root(project, env={}) == tmp_path / "repo"
    assert repository_root(project, env={"GITHUB_WORKSPACE": str(tmp_path / "repo" / "apps")}) == project.parent
    assert repository_root(tmp_path / "alone", env={"GITHUB_WORKSPACE": str(project)}) == tmp_path / "alone"


def test_markdown_of_an_error_report_says_why() -> None:
    from lionagi_qe.fleet.report import error_report

    text = markdown_report(error_report("'x' does not exist; pass a folder", project="/p"))
    assert text.startswith("## aqe: ⚠️ aqe could not judge\n\nproject `/p`\n\n**Error** (usage): 'x' does not exist")



def test_flaky_tests_are_warnings_and_modules_that_cannot_be_collected_errors(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("import x\n\n\ndef test_sometimes():\n    pass\n", encoding="utf-8")
    report = {
        "project": str(tmp_path), "error": None, "gaps": [], "gate": {"passed": True, "reasons": []},
        "tests": {
            "failing": [{"nodeid": "tests/test_a.py::test_sometimes", "outcome": "flaky", "message": "failed, then"}],
            "collection_errors": [{"nodeid": "tests/test_b.py", "message": "E   ModuleNotFoundError: y"}],
        },
    }
    assert workflow_commands(report, env={}) == [
        "::warning file=tests/test_a.py,line=4,title=aqe%3A test flaky::tests/test_a.py::test_sometimes flaky: "
        "failed, then",
        "::error file=tests/test_b.py,title=aqe%3A test collection error::tests/test_b.py collection error: "
        "E   ModuleNotFoundError: y",
    ]
