"""test-generator: writes pytest tests for the riskiest gaps, keeps only those that pass twice and add coverage.

    agent = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=model)
    result = await orchestrator.execute_agent("test-generator", {"run_id": run_id})
    result.data["kept"]          # [{'gap': 'shopkit.pricing:bulk_price', 'origin': 'characterization', 'file': ...}]

With a model (`model=iModel(...)`), each gap's prompt carries the
function's source, signature, docstring, uncovered lines and an existing
test. A model that times out, refuses, returns unusable code or a test that
fails costs only that candidate: the gap goes to the offline engine, and
`fallbacks` says so. Without a model the offline engine does all the work.

Context: run_id, generate (default True), max_gaps (default 5), output_dir
(default <root>/.aqe/generated; files there are never overwritten),
llm_timeout (seconds per model call, default 60). Reads the run's
execution and gaps; writes aqe/test-plan/<run>/generated.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import execution_key, gaps_key, generated_key, resolve_run_id
from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.coverage_report import load_coverage
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.llm_prompt import MalformedReply, build_prompt, parse_reply
from lionagi_qe.analysis.offline_generator import offline_candidates
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.analysis.verification import Verification, coverage_after, verify_candidates
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask

DEFAULT_MAX_GAPS = 5
DEFAULT_LLM_TIMEOUT = 60.0


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
        ctx = task.context
        if not ctx.get("generate", True):
            return self.skipped("test generation turned off (--no-generate)")
        run_id = await resolve_run_id(self.memory, ctx)
        execution = await self.get_memory(execution_key(run_id)) if run_id else None
        stored_gaps = await self.get_memory(gaps_key(run_id)) if run_id else None
        if execution is None or stored_gaps is None:
            return self.skipped(f"no coverage gaps in memory for run {run_id or '(none)'}; run coverage-analyzer first")
        project = await asyncio.to_thread(inspect_project, execution["code_path"], check_syntax=False)
        gaps = [_gap(g) for g in stored_gaps["gaps"][: int(ctx.get("max_gaps", DEFAULT_MAX_GAPS))]]
        by_id = {g.id: g for g in gaps}
        settings = RunSettings(python=Path(execution["python"]), test_timeout=float(execution["test_timeout"]))
        work_dir = Path(execution["work_dir"]) / "generation"
        fallbacks: list[dict[str, str]] = []
        checks: list[Verification] = []
        open_gaps = gaps
        if self.model is not None and gaps:
            llm = await self._ask_model(gaps, project, float(ctx.get("llm_timeout", DEFAULT_LLM_TIMEOUT)), fallbacks)
            if llm:
                checks += await asyncio.to_thread(verify_candidates, project, settings, llm, by_id, work_dir / "llm")
            closed = {c.candidate.gap_id for c in checks if c.kept}
            for check in checks:
                if not check.kept and check.candidate.gap_id not in closed:
                    fallbacks.append({"gap": check.candidate.gap_id, "reason": f"model's test {check.reason}"})
            open_gaps = [g for g in gaps if g.id not in closed]
        notes: list[str] = []
        if open_gaps:
            offline, notes = await asyncio.to_thread(
                offline_candidates, project, settings.python, open_gaps, work_dir / "offline"
            )
            if offline:
                checks += await asyncio.to_thread(verify_candidates, project, settings, offline, by_id, work_dir / "offline")
        kept = [c for c in checks if c.kept]
        output_dir = Path(ctx.get("output_dir") or project.root / ".aqe" / "generated").resolve()
        files = write_tests(output_dir, [(c.candidate.stem, c.candidate.source) for c in kept]) if kept else []
        before = await asyncio.to_thread(load_coverage, execution["data_file"], project)
        after_file = await asyncio.to_thread(coverage_after, execution["data_file"], kept, work_dir / "after.coverage")
        after = await asyncio.to_thread(load_coverage, after_file, project)
        record: dict[str, Any] = {
            "run_id": run_id,
            "engine": "llm+offline" if self.model is not None else "offline",
            "output_dir": str(output_dir),
            "gaps_tried": [g.id for g in gaps],
            "kept": [{**c.to_dict(), "file": str(f)} for c, f in zip(kept, files, strict=True)],
            "rejected": [c.to_dict() for c in checks if not c.kept],
            "fallbacks": fallbacks,
            "notes": notes,
            "coverage_before": before.totals.to_dict(),
            "coverage_after": after.totals.to_dict(),
        }
        await self.store_memory(generated_key(run_id), record)
        fallback_note = f"; model fell back to offline for {len(fallbacks)} gap(s)" if fallbacks else ""
        return self.result(
            f"kept {len(kept)} of {len(checks)} generated tests for {len(gaps)} gaps; coverage "
            f"{before.totals.percent:.1f}% -> {after.totals.percent:.1f}%{fallback_note}",
            **record,
        )

    async def _ask_model(
        self, gaps: list[Gap], project: TargetProject, timeout: float, fallbacks: list[dict[str, str]]
    ) -> list[Candidate]:
        """One prompt per gap; a failure costs that gap's model candidate only."""
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


def _gap(stored: dict[str, Any]) -> Gap:
    fields = {k: v for k, v in stored.items() if k != "id"}
    fields["missing_branches"] = [tuple(a) for a in fields["missing_branches"]]
    return Gap(**fields)
