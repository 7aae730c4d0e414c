"""`aqe run --distributed`: the standard pipeline with its heavy work run as jobs on workers.

    report = await run_distributed(orchestrator, RunOptions(code_path=".", distributed=True, shards=4),
                                   on_job=lambda key, phase, info: print(key, phase))
    report["distributed"]["shards"]      # which worker ran which test files
    report["distributed"]["jobs"]        # which worker ran the other agents' jobs (verify-candidates, ...)

`DISTRIBUTED_AGENTS` names the agents that send work to the queue (the
suite as test-file shards, the generated tests' verification and
confirmation, the mutants as batches, the flaky hunt's runs); the others
run here as in a local run.

In production mode the shards go to the `aqe worker` processes through the
PostgreSQL job queue beside the memory. In development and testing modes
they go through procrastinate's in-memory queue to a worker inside this
process (the same code path, no other machine involved); the report's
`distributed.note` says what production needs.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.orchestrator import ProgressCallback, QEOrchestrator
from lionagi_qe.fleet.pipeline import RunOptions, model_for, run_fleet
from lionagi_qe.workers.dispatch import JobProgress
from lionagi_qe.workers.distributed_executor import DistributedTestExecutorAgent
from lionagi_qe.workers.distributed_flaky import DistributedFlakyHunterAgent
from lionagi_qe.workers.distributed_generator import DistributedTestGeneratorAgent
from lionagi_qe.workers.distributed_mutation import DistributedMutationTesterAgent
from lionagi_qe.workers.in_process import default_concurrency, in_process_worker
from lionagi_qe.workers.job_client import JobClient
from lionagi_qe.workers.queue import JobQueue

DISTRIBUTED_AGENTS: dict[str, type[BaseQEAgent]] = {
    "test-executor": DistributedTestExecutorAgent,
    "mutation-tester": DistributedMutationTesterAgent,
    "test-generator": DistributedTestGeneratorAgent,
    "flaky-test-hunter": DistributedFlakyHunterAgent,
}
"""The agents of `--distributed` runs that send their work to the workers, by agent id."""

IN_PROCESS_NOTE = (
    "{mode} mode: the jobs ran inside this process on procrastinate's in-memory queue; "
    "to spread them over machines set AQE_STORAGE_MODE=production and DATABASE_URL, "
    "start `aqe worker` where the project is visible, then run with --distributed"
)


async def run_distributed(
    orchestrator: QEOrchestrator,
    options: RunOptions,
    *,
    model: Any = None,
    on_progress: ProgressCallback | None = None,
    on_job: JobProgress | None = None,
) -> dict[str, Any]:
    """Run the pipeline with the distributed agents; returns the `aqe run --json` report."""
    queue = JobQueue(orchestrator.memory, config=orchestrator.storage_config)
    jobs = JobClient(queue, on_job=on_job, slots=0 if queue.production else default_concurrency())
    for agent_id, agent_class in DISTRIBUTED_AGENTS.items():
        picked = model_for(orchestrator, agent_class, model)
        orchestrator.create_and_register_agent(agent_class, agent_id=agent_id, model=picked, jobs=jobs)
    async with queue:
        if queue.production:
            report = await run_fleet(orchestrator, options, model=model, on_progress=on_progress)
        else:
            async with in_process_worker(queue, concurrency=jobs.slots):
                report = await run_fleet(orchestrator, options, model=model, on_progress=on_progress)
    if report.get("distributed") and not queue.production:
        report["distributed"]["note"] = IN_PROCESS_NOTE.format(mode=report["mode"])
    return report
