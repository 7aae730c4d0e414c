"""test-generator: writes pytest tests for the riskiest gaps, keeps only those that pass twice and add coverage.

    agent = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=model)
    result = await orchestrator.execute_agent("test-generator", {"run_id": run_id})
    result.data["kept"]          # [{'gap': 'shopkit.pricing:bulk_price', 'origin': 'characterization', 'file': ...}]

With a model (`model=iModel(...)`), each gap's prompt carries the
function's source, signature, docstring, uncovered lines and an existing
test. A model that times out, refuses, returns unusable code or a test that
fails costs only that candidate: the gap goes to the offline engine, and
`fallbacks` says so. Without a model the offline engine does all the work.

The agent makes the model calls and reads and writes memory; the sequence
(verify, fall back, offline engines, write, coverage after) is
`analysis.generation.close_gaps`.

Context (`RunContext`): run_id, generate, max_gaps, output_dir (default
<root>/.aqe/generated; files there are never overwritten), llm_timeout
(seconds per model call). Reads the run's execution and gaps; writes
aqe/test-plan/<run>/generated (`GeneratedRecord`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from lionagi_qe.agents.memory_keys import generated_key
from lionagi_qe.agents.records import ExecutionRecord, GeneratedRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, missing_run
from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.generation import GenerationJob, GenerationOutcome, close_gaps
from lionagi_qe.analysis.input_recording import RECORDED_FOLDER
from lionagi_qe.analysis.llm_prompt import MalformedReply, build_prompt, parse_reply
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask


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
        project = await asyncio.to_thread(inspect_project, inputs.execution.code_path, check_syntax=False)
        job = _job(inputs.execution, project, stored_gaps.top(ctx.max_gaps), ctx.output_dir, ctx.budget)
        fallbacks: list[dict[str, str]] = []
        asked = await self._ask_model(job.gaps, project, ctx.llm_timeout, fallbacks) if self.model is not None else []
        outcome = await asyncio.to_thread(close_gaps, job, asked, fallbacks)
        record = _record(inputs.run_id, job, outcome, "llm+offline" if self.model is not None else "offline")
        await self.store_memory(generated_key(inputs.run_id), record.to_json())
        fallback_note = f"; model fell back to offline for {len(outcome.fallbacks)} gap(s)" if outcome.fallbacks else ""
        return self.result(
            f"kept {len(outcome.kept)} of {len(outcome.checks)} generated tests for {len(job.gaps)} gaps; coverage "
            f"{outcome.coverage_before.percent:.1f}% -> {outcome.coverage_after.percent:.1f}%{fallback_note}",
            **record.to_json(),
        )

    async def _ask_model(
        self, gaps: Sequence[Gap], project: TargetProject, timeout: float, fallbacks: list[dict[str, str]]
    ) -> list[Candidate]:
        """One prompt per gap; a failure costs that gap's model candidate only (noted in `fallbacks`)."""
        candidates = []
        for gap in gaps:
            prompt = await asyncio.to_thread(build_prompt, gap, project)
            try:
                reply = await asyncio.wait_for(self.ask(prompt), timeout)
                source = parse_reply(reply)
            except asyncio.TimeoutError:
                fallbacks.append({"gap": gap.id, "reason": f"model did not answer within {timeout:g}s"})
                continue
            except MalformedReply as exc:
                fallbacks.append({"gap": gap.id, "reason": f"model's reply was unusable: {exc}"})
                continue
            except Exception as exc:  # any failure of the model call falls back to the offline engine
                fallbacks.append({"gap": gap.id, "reason": f"model call failed: {type(exc).__name__}: {exc}"[:300]})
                continue
            candidates.append(Candidate(gap.id, "llm", source, generated_stem(gap.module, gap.qualname) + "_llm"))
        return candidates


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


def _record(run_id: str, job: GenerationJob, outcome: GenerationOutcome, engine: str) -> GeneratedRecord:
    return GeneratedRecord(
        run_id=run_id,
        engine=engine,
        output_dir=str(job.output_dir),
        gaps_tried=[gap.id for gap in job.gaps],
        kept=[{**check.to_dict(), "file": str(path)} for check, path in outcome.kept],
        rejected=[check.to_dict() for check in outcome.rejected],
        fallbacks=outcome.fallbacks,
        notes=outcome.notes,
        coverage_before=outcome.coverage_before.to_dict(),
        coverage_after=outcome.coverage_after.to_dict(),
        possible_bugs=outcome.possible_bugs,
        search=outcome.search,
    )
