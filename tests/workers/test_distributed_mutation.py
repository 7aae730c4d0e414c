"""mutation-tester in `aqe run --distributed`: the mutants run as `mutant-batch` jobs (in-process worker, a
`--from-git` checkout, two real `aqe worker` processes on PostgreSQL) and the mutation section equals a local
run's; a batch the project makes fail is not retried and fails the agent with the project's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers.fleet import copy_sample
from helpers.workers import (
    WorkerProcesses,
    aqe_in_process,
    committed_sample,
    production_env,
    run_aqe,
    start_two_workers,
)
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.fleet import build_fleet
from lionagi_qe.workers.distributed_mutation import MIN_BATCH, DistributedMutationTesterAgent, plan_batches
from lionagi_qe.workers.in_process import in_process_worker
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.job_results import job_states
from lionagi_qe.workers.queue import JobQueue
from lionagi_qe.workers.settings import WorkerSettings

MUTATION_RUN = ("--agents", "mutation-tester", "--no-generate", "--max-mutants", "20", "--json")


def mutation(report: dict[str, Any]) -> dict[str, Any]:
    """The report's mutation section without its rate (wall time differs between runs)."""
    return {k: v for k, v in report["mutation"].items() if k != "mutants_per_second"}


def batch_jobs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [job for job in report["distributed"]["jobs"] if job["kind"] == "mutant-batch"]


def mutants_in(jobs: list[dict[str, Any]]) -> int:
    """Mutants the batches ran, from their summaries ('5 mutants: 3 killed, 2 survived')."""
    return sum(int(job["summary"].split()[0]) for job in jobs)


def test_batches_are_consecutive_two_per_slot_and_never_tiny() -> None:
    assert plan_batches(40, slots=2) == [range(0, 10), range(10, 20), range(20, 30), range(30, 40)]
    assert plan_batches(23, slots=8) == [range(0, 5), range(5, 11), range(11, 17), range(17, 23)]
    assert plan_batches(MIN_BATCH + 1, slots=4) == [range(0, MIN_BATCH + 1)]
    assert plan_batches(2, slots=0) == [range(0, 2)]


@pytest.mark.slow
def test_in_process_mutant_batches_give_the_local_mutation_section(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path)
    code, local, err = aqe_in_process("run", str(project), *MUTATION_RUN)
    assert code == 0 and local is not None, err
    code, distributed, err = aqe_in_process("run", str(project), "--distributed", *MUTATION_RUN)
    assert code == 0 and distributed is not None, err
    assert local["mutation"]["total"] == 20 and local["mutation"]["survived"]      # something to get wrong
    assert mutation(distributed) == mutation(local)
    jobs = batch_jobs(distributed)
    assert len(jobs) > 1 and all(job["status"] == "ok" and job["worker"] == "in-process" for job in jobs)
    assert mutants_in(jobs) == 20
    batches = project / ".aqe" / "runs" / distributed["run_id"] / "mutation"
    assert len(list(batches.glob("mutants-*"))) == len(jobs)                          # each ran as a job


@pytest.mark.slow
def test_from_git_mutant_batches_run_in_the_workers_checkout(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project, commit = committed_sample(tmp_path)
    cache = tmp_path / "cache"
    clean_env.setenv("AQE_WORKER_CACHE", str(cache))
    code, local, err = aqe_in_process("run", str(project), *MUTATION_RUN)
    assert code == 0 and local is not None, err
    code, distributed, err = aqe_in_process(
        "run", str(project), "--distributed", "--from-git", f"{project}@{commit}", *MUTATION_RUN)
    assert code == 0 and distributed is not None, err
    assert mutation(distributed) == mutation(local)
    [tree] = cache.glob("*/trees/*")
    ran = list(tree.glob(f".aqe/runs/{distributed['run_id']}/mutation/mutants-*"))
    assert len(ran) == len(batch_jobs(distributed)) > 1
    assert not (project / ".aqe" / "runs" / distributed["run_id"] / "mutation" / "mutants-1").exists()


@pytest.mark.slow
async def test_a_batch_failing_for_the_project_fails_the_agent_once_with_its_message(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path)
    missing = tmp_path / "no-venv"
    async with QEOrchestrator(mode="test") as orchestrator:
        queue = JobQueue(orchestrator.memory, config=None, settings=WorkerSettings(heartbeat=0.5, max_attempts=3))
        orchestrator.create_and_register_agent(
            DistributedMutationTesterAgent, agent_id="mutation-tester", jobs=JobClient(queue, slots=1))
        build_fleet(orchestrator, agents=["test-executor", "coverage-analyzer", "mutation-tester"])
        executed = await orchestrator.execute_agent("test-executor", {"code_path": str(project)})
        run_id = executed.data["run_id"]
        async with queue, in_process_worker(queue, concurrency=1):
            result = await orchestrator.execute_agent(
                "mutation-tester", {"run_id": run_id, "max_mutants": 6, "venv": str(missing)})
        states = await job_states(orchestrator.memory, run_id)
    assert result.status == "failed" and result.error is not None
    assert f"{missing}" in result.error.message and "TargetProjectError" in result.error.message
    [outcome] = [state["result"] for key, state in states.items() if key.startswith("mutants-")]
    assert outcome["fault"] == "project" and outcome["worker"]["attempt"] == 1        # not retried
    assert "distributed" not in result.data


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_share_the_mutant_batches_and_score_as_locally(
    postgres_url: str, queue_schema: str, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path)
    env = production_env(postgres_url, queue_schema)
    code, local, err = run_aqe(env, "run", str(project), *MUTATION_RUN)
    assert code == 0 and local is not None, err
    with WorkerProcesses(env, tmp_path) as workers:
        start_two_workers(workers, postgres_url, queue_schema, "--queues", "tests", "--queues", "mutants")
        code, distributed, err = run_aqe(env, "run", str(project), "--distributed", *MUTATION_RUN)
    assert code == 0 and distributed is not None, err
    assert mutation(distributed) == mutation(local)
    assert distributed["mutation"]["score"] == local["mutation"]["score"] is not None
    jobs = batch_jobs(distributed)
    assert len(jobs) == len(plan_batches(20, slots=2))
    assert {job["worker"] for job in jobs} == {"w1", "w2"}                             # spread over both
    assert all(job["status"] == "ok" and job["attempts"] == 1 for job in jobs)
    assert mutants_in(jobs) == 20
