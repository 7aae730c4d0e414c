"""`aqe mcp` spawned as a subprocess and driven by the MCP SDK's own client over stdio."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from helpers.fleet import copy_sample

AQE = str(Path(sys.executable).parent / "aqe")
TOOLS = {"run_fleet", "list_gaps", "generate_tests", "gate", "read_memory", "list_memory", "history"}


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a successful call."""
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    first = result.content[0]
    assert isinstance(first, TextContent) and json.loads(first.text) == result.structured_content
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    first = result.content[0]
    assert isinstance(first, TextContent)
    return first.text


@pytest.mark.slow
async def test_the_fleet_over_mcp(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    server = StdioServerParameters(
        command=AQE, args=["mcp"], cwd=str(tmp_path), env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        assert {tool.name for tool in (await session.list_tools()).tools} == TOOLS

        report = ok(await session.call_tool("run_fleet", {"path": "sample_project", "options": {"no-generate": True}}))
        assert report["schema"] == "aqe.run/1" and report["status"] == "passed" and report["mode"] == "development"
        assert report["project"] == str(root) and report["generation"]["status"] == "skipped"
        run_id = report["run_id"]
        assert (root / ".aqe" / "runs" / run_id / "report.json").is_file()

        gaps = ok(await session.call_tool("list_gaps", {"limit": 2}))
        assert gaps["run_id"] == run_id and gaps["count"] == 8
        assert [gap["id"] for gap in gaps["gaps"]] == [gap["id"] for gap in report["gaps"][:2]]

        made = ok(await session.call_tool("generate_tests", {"gap_id": "shopkit.pricing:bulk_price"}))
        [kept] = made["kept"]
        assert kept["gap"] == "shopkit.pricing:bulk_price" and "def test_" in kept["source"]
        assert Path(kept["file"]).read_text(encoding="utf-8") == kept["source"]
        assert made["coverage_after"]["percent"] > made["coverage_before"]["percent"]

        verdict = ok(await session.call_tool("gate", {"run_id": run_id, "coverage_threshold": 99}))
        assert verdict["passed"] is False and "coverage 81.2% < 99%" in verdict["reasons"]
        stored = ok(await session.call_tool("read_memory", {"key": f"aqe/quality/{run_id}/verdict"}))
        assert stored["value"]["thresholds"]["min_coverage"] == 99.0
        keys = ok(await session.call_tool("list_memory", {"prefix": f"aqe/coverage/{run_id}/"}))["keys"]
        assert keys == [f"aqe/coverage/{run_id}/gaps", f"aqe/coverage/{run_id}/report"]
        runs = ok(await session.call_tool("history", {"project": str(root / "src")}))["runs"]
        assert [(row["run_id"], row["coverage"], row["gate"]) for row in runs] == [(run_id, 81.19, "failed")]

        missing = await session.call_tool("run_fleet", {"path": "nowhere"})
        assert "'nowhere' does not exist; pass the folder of a Python project" in error_text(missing)
        typo = await session.call_tool("run_fleet", {"path": "sample_project", "options": {"max-gapz": 1}})
        assert "unknown key 'max-gapz' in run_fleet options; known keys:" in error_text(typo)
        unknown = await session.call_tool("generate_tests", {"gap_id": "shopkit:nothing"})
        assert f"no gap 'shopkit:nothing' in run {run_id}; list_gaps gives the ids" in error_text(unknown)
        absent = await session.call_tool("read_memory", {"key": "aqe/none"})
        assert "no value under 'aqe/none'" in error_text(absent)
