"""test-executor: runs the target's pytest suite under coverage.py and records every test's outcome.

    agent = orchestrator.create_and_register_agent(TestExecutorAgent, agent_id="test-executor")
    result = await orchestrator.execute_agent("test-executor", {"code_path": "examples/sample_project"})
    result.data["counts"]        # {'passed': 14, 'failed': 0, ...}

Context (`RunContext`): code_path, run_id, python or venv (the target's
interpreter; default the one running aqe), test_timeout (seconds per test),
pytest_args, work_dir (default <root>/.aqe/runs/<run>), source (what to
measure, like coverage's --source; default the project's coverage
configuration, else what aqe finds); with diff and only_impacted, only the
tests exercising the functions changed since diff (`analysis.test_impact`,
from the latest earlier run's test map); keep_runs (run folders kept under
<root>/.aqe/runs, the newest; older ones are deleted after the run).
Writes aqe/test-plan/<run>/execution (`ExecutionRecord`) and, in the work
dir, this run's test map (functions to the tests that ran them). A project that
cannot be analysed (missing, no tests, syntax error) is a failed result
whose error has kind 'target'; failing tests are not.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path

from lionagi_qe.agents.memory_keys import execution_key, run_id_of
from lionagi_qe.agents.records import ExecutionRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.analysis.input_recording import RECORDED_FOLDER
from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_contexts import load_test_contexts
from lionagi_qe.analysis.test_impact import TEST_MAP, ImpactSelection, latest_test_map, select_impacted, update_test_map
from lionagi_qe.analysis.test_runner import RunSettings, TestRunResult, run_test_suite
from lionagi_qe.analysis.workspace import prune_runs, run_folder
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask, new_run_id
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
        ctx = RunContext.of(task.context)
        run_id = ctx.run_id or new_run_id()
        try:
            record, run = await self._run_suite(ctx, run_id)
        except TargetProjectError as exc:
            result = self.failed(str(exc), kind="target")
            result.data["run_id"] = run_id
            return result
        await self.store_memory(execution_key(run_id), record.to_json())
        return self.result(
            _summary(run),
            run_id=run_id,
            project=record.project,
            counts=record.counts,
            total=record.total,
            failing=[asdict(t) for t in run.failing],
            collection_errors=record.collection_errors,
            duration_s=run.duration_s,
            notes=run.notes,
            selection=record.selection,
        )

    async def _run_suite(self, ctx: RunContext, run_id: str) -> tuple[ExecutionRecord, TestRunResult]:
        project: TargetProject = await asyncio.to_thread(inspect_project, ctx.code_path, source=ctx.source)
        python = resolve_interpreter(ctx.python, ctx.venv)
        interpreter = await asyncio.to_thread(check_interpreter, python)
        work_dir = Path(ctx.work_dir or run_folder(project.root, run_id))
        selection = await self._impacted(ctx, project, run_id) if ctx.diff and ctx.only_impacted else None
        chosen = tuple(selection.selected) if selection and selection.selected is not None else None
        settings = RunSettings(
            python=python, test_timeout=ctx.test_timeout, pytest_args=ctx.pytest_args, select=chosen,
            record_inputs=work_dir / RECORDED_FOLDER if ctx.generate else None,
        )
        run = await self._execute_suite(ctx, run_id, project, work_dir, settings)
        previous = Path(selection.map_file) if chosen is not None and selection and selection.map_file else None
        test_map = await asyncio.to_thread(_write_test_map, project, run, work_dir / TEST_MAP, previous)
        await asyncio.to_thread(prune_runs, project.root, ctx.keep_runs)
        record = ExecutionRecord.from_json({
            "run_id": run_id,
            "code_path": str(Path(ctx.code_path).resolve()),
            "project": str(project.root),
            "sources": [project.relative(p) for p in project.sources],
            "python": str(python),
            "interpreter": interpreter,
            "work_dir": str(work_dir),
            "test_timeout": settings.test_timeout,
            "pytest_args": list(settings.pytest_args),
            "source": list(project.source_option),
            **run.to_dict(),
            "test_map": str(test_map),
            "selection": selection.to_dict() if selection else None,
        })
        if selection is not None:
            run.notes.append(selection.reason)
        return record, run

    async def _execute_suite(
        self, ctx: RunContext, run_id: str, project: TargetProject, work_dir: Path, settings: RunSettings
    ) -> TestRunResult:
        """Run the suite here, in one subprocess (the distributed executor sends it to workers instead)."""
        return await asyncio.to_thread(run_test_suite, project, work_dir, settings)

    async def _impacted(self, ctx: RunContext, project: TargetProject, run_id: str) -> ImpactSelection:
        """The tests to run for `--only-impacted`, from the latest earlier test map of this project."""
        earlier = [
            (run_id_of(key), value.get("test_map"))
            for key, value in (await self.search_memory("aqe/test-plan/*/execution")).items()
            if value.get("project") == str(project.root) and run_id_of(key) < run_id and value.get("test_map")
        ]
        known = [Path(path) for _, path in sorted(earlier) if Path(path).is_file()]
        previous = known[-1] if known else latest_test_map(project.root / ".aqe" / "runs")
        assert ctx.diff is not None
        return await asyncio.to_thread(select_impacted, project, ctx.diff, previous)


def _write_test_map(project: TargetProject, run: TestRunResult, path: Path, previous: Path | None) -> Path:
    """This run's test map (merged with `previous` after a run of only some tests)."""
    contexts = load_test_contexts(run.data_file, project)
    return update_test_map(path, contexts.by_function(project), [t.nodeid for t in run.tests], previous)
