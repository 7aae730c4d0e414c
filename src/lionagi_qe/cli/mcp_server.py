"""The fleet as a Model Context Protocol server (stdio), for coding agents: what `aqe mcp` serves.

    async with QEOrchestrator() as orchestrator:
        await build_server(orchestrator).run_stdio_async()

Tools (every result is a JSON object):

- `run_fleet(path, options)`: a whole `aqe run`, returning the aqe.run/1 report;
  `options` are `[tool.aqe]` keys (`{"coverage-threshold": 90}`), over the project's own `[tool.aqe]`
- `list_gaps(run_id, limit)`: the run's gaps, riskiest first
- `generate_tests(gap_id, run_id)`: the test generator on one gap; the kept tests with their source
- `gate(run_id, coverage_threshold, max_failures, max_flaky)`: the quality gate's verdict, thresholds if given
- `read_memory(key)`, `list_memory(prefix)`: the shared memory, as `aqe memory get/ls`
- `history(project, limit)`: runs in memory, as `aqe history --json`

`run_id` defaults to the latest run in memory. One orchestrator serves the
whole session, so in development mode the runs made through the server stay
in its memory; production mode also sees every other process's runs. A
failure the caller can fix (a missing path, an unknown gap) is a tool error
whose message says what to do. stdout carries the protocol only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from lionagi_qe.agents.run_inputs import RunInputs, load_run
from lionagi_qe.cli.memory_cmd import history_rows
from lionagi_qe.cli.project_settings import read_project_config, settle
from lionagi_qe.cli.run_cmd import check_usage, run_command, run_options
from lionagi_qe.cli.run_files import save_report
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.errors import QEError
from lionagi_qe.fleet import build_fleet, run_fleet

INSTRUCTIONS = (
    "lionagi-qe-fleet measures, closes and gates the test coverage of a Python project. Call run_fleet on the "
    "project folder first; then list_gaps, generate_tests for a gap, gate with other thresholds, and read_memory "
    "or history for earlier results. aqe runs the project's tests and calls its functions with generated "
    "arguments: use it on code you trust."
)


def build_server(orchestrator: QEOrchestrator) -> MCPServer:
    """An MCP server whose tools (see the module docstring) work on `orchestrator`'s fleet and memory."""
    build_fleet(orchestrator)
    memory = orchestrator.memory
    server: MCPServer = MCPServer("aqe", instructions=INSTRUCTIONS, log_level="WARNING")

    async def latest(run_id: str | None) -> RunInputs:
        inputs = await load_run(memory, {"run_id": run_id} if run_id else {})
        if inputs is None:
            which = f"run {run_id}" if run_id else "run"
            raise ToolError(f"no {which} in memory; call run_fleet on the project first")
        return inputs

    @server.tool(name="run_fleet")
    async def run_project(path: str = ".", options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run the fleet on the project at `path`; `options` use aqe run's long option names, e.g. {"max-gaps": 3}."""
        try:
            ctx = run_command().make_context("run", [path])
            settle(ctx, read_project_config(path), options or {}, "run_fleet options")
            chosen = run_options(ctx.params)
            check_usage(chosen)
        except QEError as exc:
            raise ToolError(str(exc)) from None
        report = await run_fleet(orchestrator, chosen)
        save_report(report)
        return report

    @server.tool()
    async def list_gaps(run_id: str | None = None, limit: int = 10) -> dict[str, Any]:
        """The run's coverage gaps, riskiest first (ids for generate_tests)."""
        inputs = await latest(run_id)
        gaps = await inputs.gaps()
        if gaps is None:
            raise ToolError(f"run {inputs.run_id} has no gaps in memory: its coverage analysis did not finish")
        return {"run_id": inputs.run_id, "count": len(gaps.gaps), "gaps": gaps.gaps[: max(limit, 0)]}

    @server.tool()
    async def generate_tests(gap_id: str, run_id: str | None = None) -> dict[str, Any]:
        """Write and verify tests for one gap of a run; returns the kept tests (file and source)."""
        inputs = await latest(run_id)
        gaps = await inputs.gaps()
        known = [gap["id"] for gap in gaps.gaps] if gaps else []
        if gap_id not in known:
            raise ToolError(f"no gap {gap_id!r} in run {inputs.run_id}; list_gaps gives the ids, e.g. {known[:3]}")
        result = await orchestrator.execute_agent("test-generator", {"run_id": inputs.run_id, "gap_ids": [gap_id]})
        if result.status != "ok":
            raise ToolError(f"test-generator {result.status}: {result.summary}")
        kept = [{**k, "source": Path(k["file"]).read_text(encoding="utf-8")} for k in result.data["kept"]]
        return {
            "run_id": inputs.run_id, "gap": gap_id, "summary": result.summary, "kept": kept,
            "rejected": result.data["rejected"], "coverage_before": result.data["coverage_before"],
            "coverage_after": result.data["coverage_after"],
        }

    @server.tool()
    async def gate(
        run_id: str | None = None,
        coverage_threshold: float | None = None,
        max_failures: int | None = None,
        max_flaky: int | None = None,
    ) -> dict[str, Any]:
        """The quality gate's verdict on a run (its own thresholds unless given)."""
        inputs = await latest(run_id)
        given = {"coverage_threshold": coverage_threshold, "max_failures": max_failures, "max_flaky": max_flaky}
        context = {"run_id": inputs.run_id, **{k: v for k, v in given.items() if v is not None}}
        result = await orchestrator.execute_agent("quality-gate", context)
        if result.status != "ok":
            raise ToolError(f"quality-gate {result.status}: {result.summary}")
        return result.data

    @server.tool()
    async def read_memory(key: str) -> dict[str, Any]:
        """The value stored under `key` in the fleet's shared memory (e.g. aqe/quality/<run>/verdict)."""
        missing = object()
        value = await memory.retrieve(key, missing)
        if value is missing:
            raise ToolError(f"no value under {key!r}; list_memory shows the keys")
        return {"key": key, "value": value}

    @server.tool()
    async def list_memory(prefix: str = "aqe/") -> dict[str, Any]:
        """The keys of the shared memory that start with `prefix`."""
        return {"prefix": prefix, "keys": await memory.list_keys(prefix)}

    @server.tool()
    async def history(project: str | None = None, limit: int = 20) -> dict[str, Any]:
        """Runs in memory, oldest first (coverage, change, gate), of one project if given."""
        return {"runs": await history_rows(memory, project, max(limit, 1))}

    return server
