"""`aqe mcp`: serve the fleet over the Model Context Protocol on stdin/stdout (cli/mcp_server.py lists the tools).

    aqe mcp          # for a coding agent's MCP configuration: {"command": "aqe", "args": ["mcp"]}

Needs the MCP SDK (`pip install 'lionagi-qe-fleet[mcp]'`). The storage mode
is the environment's, else `storage` in the working folder's `[tool.aqe]`.
"""

from __future__ import annotations

from lionagi_qe.cli.common import fail, run_async
from lionagi_qe.cli.project_settings import configured_storage, read_project_config
from lionagi_qe.core.orchestrator import QEOrchestrator


def mcp() -> None:
    """Serve the fleet over the Model Context Protocol (stdio) for coding agents."""
    try:
        from lionagi_qe.cli.mcp_server import build_server
    except ImportError as exc:
        if not (exc.name or "").startswith("mcp"):
            raise
        fail("aqe mcp needs the MCP SDK: pip install 'lionagi-qe-fleet[mcp]'")

    async def serve() -> None:
        orchestrator = QEOrchestrator(mode=configured_storage(read_project_config(".")))
        async with orchestrator:
            await build_server(orchestrator).run_stdio_async()

    run_async(serve())
