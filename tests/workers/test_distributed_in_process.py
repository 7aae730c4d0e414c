"""`aqe run --distributed` outside production mode: the same code path through procrastinate's in-memory
queue and a worker inside the process, the same report as a local run; `--from-git` checkouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.fleet import copy_sample
from helpers.workers import aqe_in_process as aqe
from helpers.workers import committed_sample, comparable, git

pytestmark = pytest.mark.slow


def test_in_process_distributed_run_equals_the_local_run(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    code, local, _ = aqe("run", str(project), "--json")
    assert code == 0 and local is not None
    code, distributed, err = aqe("run", str(project), "--distributed", "--json")
    assert code == 0, err
    assert distributed is not None and comparable(distributed) == comparable(local)
    section = distributed["distributed"]
    assert section["queue"] == "in-process" and section["code"] == "shared path"
    assert {s["worker"] for s in section["shards"]} == {"in-process"}
    assert "development mode: the jobs ran inside this process" in section["note"]
    assert "AQE_STORAGE_MODE=production" in section["note"]


def test_from_git_workers_run_their_checkout_with_the_same_figures(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project, commit = committed_sample(tmp_path)
    cache = tmp_path / "cache"
    clean_env.setenv("AQE_WORKER_CACHE", str(cache))
    code, local, _ = aqe("run", str(project), "--no-generate", "--json")
    assert code == 0 and local is not None
    code, distributed, err = aqe(
        "run", str(project), "--no-generate", "--distributed", "--from-git", f"{project}@{commit[:10]}", "--json")
    assert code == 0, err
    assert distributed is not None and comparable(distributed) == comparable(local)
    assert distributed["distributed"]["code"] == f"git {project}@{commit}"
    trees = list(cache.glob("*/trees/*"))
    assert [tree.name for tree in trees] == [commit]
    assert list(trees[0].glob(".aqe/runs/*/shards/shard-*")), "the shards ran in the checkout"


def test_from_git_refuses_a_checkout_at_another_commit_or_with_changes(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project, commit = committed_sample(tmp_path)
    (project / "tests" / "test_pricing.py").write_text("def test_changed(): pass\n", encoding="utf-8")
    code, report, _ = aqe("run", str(project), "--distributed", "--from-git", f"{project}@{commit}", "--json")
    assert code == 2 and report is not None
    assert "has uncommitted changes" in report["error"]["message"]
    git(project, "commit", "-qam", "changed")
    code, report, _ = aqe("run", str(project), "--distributed", "--from-git", f"{project}@{commit}", "--json")
    assert code == 2 and report is not None
    assert f"--from-git asks workers for {commit[:12]}" in report["error"]["message"]


def test_distributed_options_need_distributed(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = aqe("run", str(tmp_path), "--shards", "3")
    assert code == 2 and "--from-git and --shards go with --distributed" in err
