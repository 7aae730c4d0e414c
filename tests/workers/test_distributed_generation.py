"""The test generator's clean-process runs as jobs (`verify-candidates`, `confirm-kept`): verdicts, kept tests,
coverage and gate as a local run gives them, on the in-process queue and on two real `aqe worker` processes."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import OpenAIStub, copy_sample
from helpers.workers import (
    WorkerProcesses,
    aqe_in_process,
    committed_sample,
    comparable,
    production_env,
    run_aqe,
    start_two_workers,
)
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis import RunSettings, find_gaps, inspect_project, load_coverage, run_test_suite
from lionagi_qe.analysis.candidate import Candidate
from lionagi_qe.analysis.verification import Verification, missing_points, verify_candidates
from lionagi_qe.storage import SessionMemory
from lionagi_qe.workers.distributed_generator import RemoteSteps
from lionagi_qe.workers.in_process import in_process_worker
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.project_source import job_source
from lionagi_qe.workers.queue import JobQueue
from lionagi_qe.workers.settings import WorkerSettings

pytestmark = pytest.mark.slow

ASKED = re.compile(r"Write pytest tests for `([^`]+)`")


def _model_replies(marker: Path) -> Any:
    """The stub model's answer for the two riskiest gaps: a test that passes only its first time (verification
    rejects it), and one that passes alone but not once the suite's modules are imported (confirmation rejects it)."""
    once = (
        "from pathlib import Path\nfrom shopkit.pricing import bulk_price\n\n\n"
        "def test_bulk_price_hundred():\n"
        f"    marker = Path({str(marker)!r})\n    first = not marker.exists()\n    marker.touch()\n"
        "    assert bulk_price(10.0, 100) == 900.0\n    assert first, 'ran before'\n"
    )
    alone = (
        "import sys\nfrom shopkit.pricing import loyalty_tier\n\n\n"
        "def test_loyalty_tiers():\n    assert loyalty_tier(600) == 'silver'\n"
        "    assert 'test_pricing' not in sys.modules\n"
    )
    def respond(body: dict[str, Any]) -> str:
        asked = ASKED.search(str(body["messages"][-1]["content"]))
        assert asked is not None, "the prompt names its gap"
        source = {"shopkit.pricing:bulk_price": once, "shopkit.pricing:loyalty_tier": alone}[asked.group(1)]
        return f"```python\n{source}```"

    return respond


def _aqe(*args: str) -> dict[str, Any]:
    code, report, err = aqe_in_process(*args)
    assert code == 0 and report is not None, err
    return report


def _rejections(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["gap"], r["origin"], r["reason"]) for r in report["generation"]["rejections"]]


def test_in_process_jobs_verify_and_confirm_as_a_local_run(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    marker = tmp_path / "ran-once"
    with OpenAIStub(_model_replies(marker)) as server:
        clean_env.setenv("AQE_LLM_BASE_URL", server.base_url)
        clean_env.setenv("AQE_LLM_API_KEY", "test")
        clean_env.setenv("AQE_LLM_MODEL", "stub-model")
        local = _aqe("run", str(project), "--max-gaps", "2", "--llm-attempts", "1", "--json")
        marker.unlink()
        distributed = _aqe("run", str(project), "--max-gaps", "2", "--llm-attempts", "1", "--distributed", "--json")
    assert comparable(distributed) == comparable(local)
    assert _rejections(distributed) == _rejections(local)
    reasons = dict(((gap, origin), reason) for gap, origin, reason in _rejections(local))
    assert reasons[("shopkit.pricing:bulk_price", "llm")].startswith(
        "rejected: failed 2 of 2 runs (failed: AssertionError: ran before")
    assert reasons[("shopkit.pricing:loyalty_tier", "llm")].startswith(
        "rejected: failed together with the project's suite (failed: AssertionError")
    assert distributed["generation"]["kept"] and distributed["generation"]["coverage_after"]["percent"] > (
        distributed["generation"]["coverage_before"]["percent"])
    jobs = distributed["distributed"]["jobs"]
    assert [(j["job"], j["kind"]) for j in jobs] == [
        ("verify-llm-1", "verify-candidates"), ("verify-offline-1", "verify-candidates"),
        ("confirm-kept", "confirm-kept"),
    ]
    assert all(j["status"] == "ok" and j["worker"] == "in-process" and j["attempts"] == 1 for j in jobs)
    assert jobs[2]["summary"].endswith("1 failed")
    assert local["distributed"] is None


CANDIDATES = [
    ("shopkit.pricing:bulk_price", "from shopkit.pricing import bulk_price\n\n\ndef test_hundred():\n"
     "    assert bulk_price(10.0, 100) == 900.0\n"),
    ("shopkit.pricing:bulk_price", "from shopkit.pricing import bulk_price\n\n\ndef test_wrong():\n"
     "    assert bulk_price(10.0, 100) == 1000.0\n"),
    ("shopkit.pricing:loyalty_tier", "from shopkit.pricing import loyalty_tier\n\n\ndef test_bronze():\n"
     "    assert loyalty_tier(5) == 'bronze'\n"),
    ("shopkit.pricing:apply_discount", "import pytest\nfrom shopkit.pricing import apply_discount\n\n\n"
     "def test_percent_over_100():\n    with pytest.raises(ValueError):\n        apply_discount(10.0, 150)\n"),
    ("shopkit.text:slugify", "from shopkit.text import slugify\n\n\ndef test_plain():\n"
     "    assert slugify('Blue Mug') == 'blue-mug'\n"),
    ("shopkit.pricing:bulk_price", "from shopkit.pricing import bulk_price\n\n\ndef test_hundred_again():\n"
     "    assert bulk_price(1.0, 200) == 180.0\n"),
    ("shopkit.pricing:loyalty_tier", "from shopkit.pricing import loyalty_tier\n\n\ndef test_silver():\n"
     "    assert loyalty_tier(600) == 'silver'\n"),
    ("shopkit.pricing:bulk_price", "import pytest\nfrom shopkit.pricing import bulk_price\n\n\n"
     "def test_zero():\n    with pytest.raises(ValueError):\n        bulk_price(1.0, 0)\n"),
    ("shopkit.text:slugify", "from shopkit.text import slugify\n\n\ndef test_cut():\n"
     "    assert slugify('Blue Mug', max_length=3) == 'blu'\n"),
    ("shopkit.text:slugify", "from shopkit.text import slugify\n\n\ndef test_cut_wrong():\n"
     "    assert slugify('Blue Mug', max_length=3) == 'blue'\n"),
]


def _verdicts(checks: list[Verification]) -> list[tuple[Any, ...]]:
    return [(c.candidate.stem, c.kept, c.reason, c.new_lines, c.new_branches, c.new_points) for c in checks]


async def test_batches_on_workers_give_the_verdicts_of_one_local_verification(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    project = inspect_project(root)
    settings = RunSettings(python=Path(sys.executable))
    run = await asyncio.to_thread(run_test_suite, project, tmp_path / "suite", settings)
    report = load_coverage(run.data_file, project)
    gaps = {gap.id: gap for gap in find_gaps(report, project)[0]}
    candidates = [Candidate(gap, "characterization", source, f"test_aqe_{i:02d}")
                  for i, (gap, source) in enumerate(CANDIDATES)]
    local = await asyncio.to_thread(
        verify_candidates, project, settings, candidates, gaps, tmp_path / "local", missing=missing_points(report))
    async with JobQueue(SessionMemory(), config=None, settings=WorkerSettings(heartbeat=0.5)) as queue, \
            in_process_worker(queue, concurrency=2):
        ctx = RunContext.of({"code_path": str(root)})
        steps = RemoteSteps(JobClient(queue, slots=2), asyncio.get_running_loop(), "run-x", ctx,
                            job_source(project, root, None), capacity=2, rows=[])
        remote = await asyncio.to_thread(steps.verify, project, settings, candidates, gaps,
                                         tmp_path / "work" / "offline", missing=missing_points(report))
    assert _verdicts(remote) == _verdicts(local)
    assert [(row["job"], row["summary"]) for row in steps.rows] == [
        ("verify-offline-1", "5 candidate(s) run 2 time(s) each, 4 passed every run"),
        ("verify-offline-2", "5 candidate(s) run 2 time(s) each, 4 passed every run"),
    ]
    reasons = [check.reason for check in remote]
    assert reasons[1].startswith("rejected: failed 2 of 2 runs") and reasons[9].startswith("rejected: failed 2")
    # the second batch's bulk_price(1.0, 200) reaches what the first batch's kept test already reached
    assert reasons[5] == "rejected: passes but reaches no line or branch that is still missing"
    assert sum(check.kept for check in remote) == 6
    assert all(Path(str(check.data_file)).is_file() for check in remote if check.kept)


def test_from_git_checkouts_verify_and_confirm_in_their_own_tree(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project, commit = committed_sample(tmp_path)
    clean_env.setenv("AQE_WORKER_CACHE", str(tmp_path / "cache"))
    local = _aqe("run", str(project), "--json")
    distributed = _aqe("run", str(project), "--distributed", "--from-git", f"{project}@{commit}", "--json")
    assert comparable(distributed) == comparable(local)
    assert local["generation"]["kept"], "the offline engine keeps tests for the sample"
    tree = tmp_path / "cache"
    jobs = {row["job"] for row in distributed["distributed"]["jobs"]}
    assert jobs == {"verify-offline-1", "confirm-kept"}
    ran = {path.name.rsplit("-", 1)[0] for path in tree.glob("*/trees/*/.aqe/runs/*/generation-jobs/*")}
    assert ran == jobs, "the jobs ran in the checkout, not in the caller's tree"


@pytest.mark.postgres
def test_two_workers_verify_and_confirm_as_a_local_run(postgres_url: str, queue_schema: str, tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    env = production_env(postgres_url, queue_schema)
    code, local, err = run_aqe(env, "run", str(project), "--json")
    assert code == 0, err
    with WorkerProcesses(env, tmp_path) as workers:
        start_two_workers(workers, postgres_url, queue_schema)
        code, distributed, err = run_aqe(env, "run", str(project), "--distributed", "--json")
    assert code == 0, err
    assert local is not None and distributed is not None
    assert comparable(distributed) == comparable(local)
    assert distributed["generation"]["kept"] == local["generation"]["kept"] != []
    jobs = distributed["distributed"]["jobs"]
    assert [(j["job"], j["kind"], j["status"]) for j in jobs] == [
        ("verify-offline-1", "verify-candidates", "ok"), ("confirm-kept", "confirm-kept", "ok"),
    ]
    assert {j["worker"] for j in jobs} <= {"w1", "w2"}
    assert distributed["distributed"]["queue"] == "postgresql"
