"""A clean tree (.aqe/.gitignore, pruned runs), kept tests never written twice, and `aqe adopt`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.fleet import copy_sample
from lionagi_qe.analysis.adoption import adopt_tests, suite_folder
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.analysis.workspace import GITIGNORE, prune_runs, run_ids
from lionagi_qe.cli.main import app

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*LLM_VARIABLES, "GITHUB_STEP_SUMMARY"):
        clean_env.delenv(name, raising=False)
    return clean_env


def aqe_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def aqe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_aqe_leaves_git_status_clean(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git, "git is needed to check that .aqe/ stays out of `git status`"
    root = copy_sample(tmp_path)

    def status() -> str:
        done = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                              text=True, check=True)
        return done.stdout

    subprocess.run([git, "init", "-q"], cwd=root, check=True)
    before = status()
    code, report = aqe_json("run", str(root), "--max-gaps", "1")
    assert code == 0 and report["generation"]["kept"]
    assert (root / ".aqe" / ".gitignore").read_text(encoding="utf-8") == GITIGNORE
    assert "*" in GITIGNORE.splitlines()
    assert status() == before


def test_keep_runs_prunes_the_oldest_run_folders(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    ids = [aqe_json("run", str(root), "--no-generate", "--keep-runs", "2")[1]["run_id"] for _ in range(3)]
    assert run_ids(root) == ids[1:]
    assert (root / ".aqe" / "runs" / ids[-1] / "report.json").is_file()
    aqe_json("run", str(root), "--no-generate", "--keep-runs", "0")
    assert len(run_ids(root)) == 3


def test_prune_runs_keeps_the_newest(tmp_path: Path) -> None:
    for name in ("20260101T000000.000001Z-a", "20260102T000000.000001Z-b", "20260103T000000.000001Z-c"):
        (tmp_path / ".aqe" / "runs" / name).mkdir(parents=True)
    assert prune_runs(tmp_path, keep=1) == ["20260101T000000.000001Z-a", "20260102T000000.000001Z-b"]
    assert run_ids(tmp_path) == ["20260103T000000.000001Z-c"]
    assert prune_runs(tmp_path, keep=0) == [] and prune_runs(tmp_path / "none", keep=1) == []


def test_a_rerun_does_not_write_a_second_copy_of_a_kept_test(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    first = aqe_json("run", str(root), "--max-gaps", "2")[1]["generation"]["kept"]
    second = aqe_json("run", str(root), "--max-gaps", "2")[1]["generation"]["kept"]
    assert [k["file"] for k in first] == [k["file"] for k in second] and len(first) == 2
    assert sorted(p.name for p in (root / ".aqe" / "generated").iterdir()) == sorted(
        Path(k["file"]).name for k in first
    )


def test_write_tests_reuses_a_file_with_the_same_source_and_never_replaces_another(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("# mine\n", encoding="utf-8")
    first = write_tests(tmp_path, [("test_x", "def test_a(): pass\n")])
    again = write_tests(tmp_path, [("test_x", "def test_a(): pass\n"), ("test_x", "def test_b(): pass\n")])
    assert first == [tmp_path / "test_x_2.py"] and again == [tmp_path / "test_x_2.py", tmp_path / "test_x_3.py"]
    assert (tmp_path / "test_x.py").read_text(encoding="utf-8") == "# mine\n"


def test_adopt_moves_kept_tests_into_the_suite_which_then_counts_them(
    offline: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = copy_sample(tmp_path)
    code, report = aqe_json("run", str(root), "--max-gaps", "2")
    kept = report["generation"]["kept"]
    assert code == 0 and len(kept) == 2
    taken = root / "tests" / Path(kept[0]["file"]).name
    taken.write_text("# a test of the project's own under that name\n", encoding="utf-8")

    code, out, err = aqe("adopt", "--project", str(root))
    assert code == 0, err
    first, second = Path(kept[0]["file"]).name, Path(kept[1]["file"]).name
    assert f"moved .aqe/generated/{first} -> tests/{first.removesuffix('.py')}_2.py" in out
    assert f"moved .aqe/generated/{second} -> tests/{second}" in out
    assert taken.read_text(encoding="utf-8") == "# a test of the project's own under that name\n"
    assert not any((root / ".aqe" / "generated").iterdir())

    code, out, _ = aqe("adopt", report["run_id"], "--project", str(root))
    assert code == 0 and out.count("missing ") == 2

    code, again = aqe_json("run", str(root), "--no-generate")
    assert code == 0
    assert again["tests"]["total"] > report["tests"]["total"]
    assert again["coverage"]["percent"] == report["generation"]["coverage_after"]["percent"]


def test_adopt_without_a_run_says_what_to_do(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = aqe("adopt", "--project", str(tmp_path))
    assert code == 2 and out == "" and f"no run of {tmp_path} on disk" in err


def test_adoption_engine(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "pkg" / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    (root / "pkg" / "tests" / "test_a.py").write_text("def test_a(): pass\n", encoding="utf-8")
    assert suite_folder(root) == root / "pkg" / "tests"
    (root / "test").mkdir()
    assert suite_folder(root) == root / "test"

    kept = tmp_path / "gen" / "test_aqe_x.py"
    kept.parent.mkdir()
    kept.write_text("def test_x(): pass\n", encoding="utf-8")
    (root / "test" / "test_aqe_x.py").write_text("def test_x(): pass\n", encoding="utf-8")
    [same] = adopt_tests([kept], root / "test")
    assert (same.outcome, same.destination) == ("already there", root / "test" / "test_aqe_x.py")
    assert not kept.exists() and sorted(p.name for p in (root / "test").iterdir()) == ["test_aqe_x.py"]
    [gone] = adopt_tests([kept], root / "test")
    assert (gone.outcome, gone.destination) == ("missing", None)
