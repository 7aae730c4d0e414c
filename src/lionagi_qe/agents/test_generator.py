"""test-generator: writes pytest tests for the riskiest gaps, keeps only those that pass twice and add coverage.

    agent = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=model)
    result = await orchestrator.execute_agent("test-generator", {"run_id": run_id})
    result.data["kept"]          # [{'gap': 'shopkit.pricing:bulk_price', 'origin': 'characterization', 'file': ...}]
    result.data["model_calls"]   # requests, answers, failures, LionAGI's retries, each gap's attempts

With a model (`model=iModel(...)`), gaps are worked `llm_concurrency` at a
time, each in its own conversation: the prompt carries the function's
source, signature, docstring, uncovered lines, the sources of the project
functions it calls and an existing test; each reply's module is run once
under coverage, and up to `llm_attempts` replies are asked for, each after
feedback on the one before (its failures, or the lines it still misses).
Modules that reach missed lines go on to verification. The model's part
stops when the `budget` (seconds) is spent; a dead endpoint is given up
after a couple of timeouts or connection errors (`core.model_calls`). A gap
the model did not close goes to the offline engine, and `fallbacks` says
why. Without a model the offline engine does all the work.

The agent makes the model calls and reads and writes memory; the loop's
judgement is `analysis.llm_loop`, the sequence after it (verify, fall back,
offline engines, write, coverage after) `analysis.generation.close_gaps`.
Where that sequence verifies and confirms candidates is the hook
`_generation_steps`: here, in this process; `workers.DistributedTestGeneratorAgent`
sends them to workers.

Context (`RunContext`): run_id, generate, max_gaps, output_dir (default
<root>/.aqe/generated; files there are never overwritten), llm_timeout
(seconds per model reply), llm_attempts, llm_concurrency, budget. Reads the
run's execution and gaps, and the mutants the suite let survive when
mutation-tester ran before it (aqe/quality/<run>/mutation: a test that kills
one is kept even if it adds no coverage); writes aqe/test-plan/<run>/generated
(`GeneratedRecord`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import generated_key, mutation_key
from lionagi_qe.agents.records import ExecutionRecord, GeneratedRecord, MutationRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, missing_run, read_record
from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.generation import GenerationJob, GenerationOutcome, close_gaps
from lionagi_qe.analysis.input_recording import RECORDED_FOLDER
from lionagi_qe.analysis.llm_loop import GapLoop
from lionagi_qe.analysis.llm_prompt import MalformedReply, build_prompt, parse_reply
from lionagi_qe.analysis.llm_trial import try_tests
from lionagi_qe.analysis.mutation_testing import Mutant
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.model_calls import ModelCalls
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import ModelCallError


class TestGeneratorAgent(BaseQEAgent):
    """Closes coverage gaps with verified tests; see the module docstring."""

    __test__ = False
    agent_type = "test-generator"
    system_prompt = (
        "You write pytest tests for Python code. You reply with one complete, runnable pytest module "
        "in a single ```python code block, and nothing else."
    )

    async def execute(self, task: QETask) -> AgentResult:
        """Generate, verify and write tests for the run's top gaps."""
        ctx = RunContext.of(task.context)
        if not ctx.generate:
            return self.skipped("test generation turned off (--no-generate)")
        inputs = await load_run(self.memory, task.context)
        stored_gaps = await inputs.gaps() if inputs else None
        if inputs is None or stored_gaps is None:
            run = missing_run(task.context)
            return self.skipped(f"no coverage gaps in memory for run {run}; run coverage-analyzer first")
        project = await asyncio.to_thread(
            inspect_project, inputs.execution.code_path, check_syntax=False, source=inputs.execution.source
        )
        job = _job(
            inputs.execution, project, stored_gaps.chosen(ctx.gap_ids, ctx.max_gaps), ctx.output_dir, ctx.budget
        )
        asked: list[Candidate] = []
        mutation = await read_record(self.memory, mutation_key(inputs.run_id), MutationRecord)
        if mutation is not None:
            job = replace(job, mutants=[Mutant.from_survivor(s, project) for s in mutation.survived if "edit" in s])
        fallbacks: list[dict[str, str]] = []
        model_calls: dict[str, Any] | None = None
        if self.model is not None:
            asked, fallbacks, model_calls = await self._model_loop(self.model, job, ctx)
        job = await self._generation_steps(ctx, inputs.run_id, job)
        outcome = await asyncio.to_thread(close_gaps, job, asked, fallbacks)
        engine = "llm+offline" if self.model is not None else "offline"
        record = _record(inputs.run_id, job, outcome, engine, model_calls)
        await self.store_memory(generated_key(inputs.run_id), record.to_json())
        fallback_note = f"; model fell back to offline for {len(outcome.fallbacks)} gap(s)" if outcome.fallbacks else ""
        if model_calls and model_calls["stopped"]:
            fallback_note += "; the model endpoint stopped answering, so the run stopped asking it"
        return self.result(
            f"kept {len(outcome.kept)} of {len(outcome.checks)} generated tests for {len(job.gaps)} gaps; coverage "
            f"{outcome.coverage_before.percent:.1f}% -> {outcome.coverage_after.percent:.1f}%{fallback_note}",
            **record.to_json(),
        )

    async def _generation_steps(self, ctx: RunContext, run_id: str, job: GenerationJob) -> GenerationJob:
        """`job` with what verifies and confirms its candidates: as built, in this process.

        A subclass returns it with a `verifier` and a `confirmer` of its own
        (called from the generation thread), each giving what the local one would.
        """
        return job

    async def _model_loop(
        self, model: Any, job: GenerationJob, ctx: RunContext
    ) -> tuple[list[Candidate], list[dict[str, str]], dict[str, Any]]:
        """Work every gap with the model; returns (candidates, fallbacks, the `model_calls` summary)."""
        gate = asyncio.Semaphore(max(1, ctx.llm_concurrency))
        async with ModelCalls(model, system=self.system_prompt, timeout=ctx.llm_timeout, budget=ctx.budget) as calls:
            loops = await asyncio.gather(
                *(self._work_gap(calls, gate, job, gap, index, ctx.llm_attempts) for index, gap in enumerate(job.gaps))
            )
        summary = calls.summary()
        retry_note = calls.retry_note()
        summary["notes"] = [retry_note] if retry_note else []
        summary["attempts"] = [attempt for loop in loops for attempt in loop.attempts]
        candidates = [candidate for loop in loops for candidate in loop.candidates]
        fallbacks = [{"gap": loop.gap.id, "reason": loop.fallback_reason} for loop in loops if loop.fallback_reason]
        return candidates, fallbacks, summary

    async def _work_gap(
        self, calls: ModelCalls, gate: asyncio.Semaphore, job: GenerationJob, gap: Gap, index: int, attempts: int
    ) -> GapLoop:
        """Up to `attempts` replies for one gap, each tried once and answered with feedback.

        The prompt is built in the event loop, not in a thread: gaps are worked concurrently, and
        `ast.parse` in parallel threads can fail on CPython 3.11 ("AST constructor recursion depth
        mismatch", python/cpython#106905).
        """
        loop = GapLoop(gap, max(1, attempts))
        async with gate:
            try:
                message = build_prompt(gap, job.project)
            except (OSError, SyntaxError, ValueError) as exc:
                loop.stop(f"no prompt: the source of {gap.id} cannot be read ({exc})")
                return loop
            chat = calls.conversation()
            while loop.wants_more():
                try:
                    reply = await chat.ask(message)
                except ModelCallError as exc:
                    loop.stop(str(exc))
                    break
                try:
                    source = parse_reply(reply)
                except MalformedReply as exc:
                    message = loop.unusable(str(exc))
                    continue
                folder = job.work_dir / "llm" / f"{index:02d}-{len(loop.attempts) + 1}"
                stem = generated_stem(gap.module, gap.qualname) + "_try"
                trial = await asyncio.to_thread(try_tests, job.project, job.settings, source, stem, gap.path, folder)
                message = loop.judge(source, trial)
        return loop


def _job(
    execution: ExecutionRecord, project: TargetProject, gaps: list[Gap], output_dir: str | None, budget: float
) -> GenerationJob:
    settings = RunSettings(
        python=Path(execution.python), test_timeout=execution.test_timeout, pytest_args=tuple(execution.pytest_args)
    )
    return GenerationJob(
        project=project,
        settings=settings,
        gaps=gaps,
        work_dir=Path(execution.work_dir) / "generation",
        output_dir=Path(output_dir or project.root / ".aqe" / "generated").resolve(),
        baseline_data_file=execution.data_file,
        budget=budget,
        recorded_inputs=Path(execution.work_dir) / RECORDED_FOLDER,
    )


def _record(
    run_id: str, job: GenerationJob, outcome: GenerationOutcome, engine: str, model_calls: dict[str, Any] | None
) -> GeneratedRecord:
    return GeneratedRecord(
        run_id=run_id,
        engine=engine,
        output_dir=str(job.output_dir),
        gaps_tried=[gap.id for gap in job.gaps],
        kept=[{**check.to_dict(), "file": str(path)} for check, path in outcome.kept],
        rejected=[check.to_dict() for check in outcome.rejected],
        fallbacks=outcome.fallbacks,
        notes=[*(model_calls or {}).get("notes", []), *outcome.notes],
        coverage_before=outcome.coverage_before.to_dict(),
        coverage_after=outcome.coverage_after.to_dict(),
        model_calls=model_calls,
        possible_bugs=outcome.possible_bugs,
        search=outcome.search,
    )
