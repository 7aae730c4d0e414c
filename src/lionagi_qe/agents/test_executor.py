"""test-executor: runs the target's pytest suite under coverage.py and records every test's outcome.

    agent = orchestrator.create_and_register_agent(TestExecutorAgent, agent_id="test-executor")
    result = await orchestrator.execute_agent("test-executor", {"code_path": "examples/sample_project"})
    result.data["counts"]        # {'passed': 14, 'failed': 0, ...}

Context: code_path (default '.'), run_id, python or venv (the target's
interpreter; default the one running aqe), test_timeout (seconds per test,
default 60), pytest_args (list), work_dir (default <root>/.aqe/runs/<run>).
Writes aqe/test-plan/<run>/execution. A project that cannot be analysed
(missing, no tests, syntax error) is a failed result whose data holds
{'error': {'kind': 'target', 'message': ...}}; failing tests are not.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lionagi_qe.agents.memory_keys import execution_key, make_run_id
from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import DEFAULT_TEST_TIMEOUT, RunSettings, TestRunResult, run_test_suite
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import TargetProjectError


def _summary(run: TestRunResult) -> str:
    counts = {k: v for k, v in run.counts.items() if v}
    parts = ", ".join(f"{v} {k}" for k, v in counts.items()) or "none ran"
    errors = f", {len(run.collection_errors)} collection error(s)" if run.collection_errors else ""
    return f"{len(run.tests)} tests: {parts}{errors} in {run.duration_s:.1f}s"


class TestExecutorAgent(BaseQEAgent):
    """Runs the suite; see the module docstring."""

    __test__ = False
    agent_type = "test-executor"

    async def execute(self, task: QETask) -> AgentResult:
        """Run the tests of `code_path` and store the outcome under aqe/test-plan/<run>/execution."""
        ctx = task.context
        run_id = str(ctx.get("run_id") or make_run_id())
        try:
            project = await asyncio.to_thread(inspect_project, ctx.get("code_path", "."))
            python = resolve_interpreter(ctx.get("python"), ctx.get("venv"))
            interpreter = await asyncio.to_thread(check_interpreter, python)
            work_dir = Path(ctx.get("work_dir") or project.root / ".aqe" / "runs" / run_id)
            settings = RunSettings(
                python=python,
                test_timeout=float(ctx.get("test_timeout", DEFAULT_TEST_TIMEOUT)),
                pytest_args=tuple(ctx.get("pytest_args", ())),
            )
            run = await asyncio.to_thread(run_test_suite, project, work_dir, settings)
        except TargetProjectError as exc:
            return AgentResult(
                agent_id=self.agent_id, status="failed", summary=str(exc), error=str(exc),
                data={"run_id": run_id, "error": {"kind": "target", "message": str(exc)}},
            )  # fmt: skip
        record: dict[str, Any] = {
            "run_id": run_id,
            "code_path": str(Path(ctx.get("code_path", ".")).resolve()),
            "project": str(project.root),
            "sources": [project.relative(p) for p in project.sources],
            "python": str(python),
            "interpreter": interpreter,
            "work_dir": str(work_dir),
            "test_timeout": settings.test_timeout,
            "pytest_args": list(settings.pytest_args),
            **run.to_dict(),
            "collection_errors": [
                {"nodeid": e.nodeid, "message": e.message} for e in run.collection_errors
            ],
        }
        await self.store_memory(execution_key(run_id), record)
        failing = [t.__dict__ for t in run.tests if t.outcome in ("failed", "error", "timeout", "flaky")]
        return self.result(
            _summary(run),
            run_id=run_id,
            project=str(project.root),
            counts=run.counts,
            total=len(run.tests),
            failing=failing,
            collection_errors=record["collection_errors"],
            duration_s=run.duration_s,
            notes=run.notes,
        )
