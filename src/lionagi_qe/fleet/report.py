"""The report of one fleet run: the stable JSON schema `aqe run --json` prints (schema "aqe.run/1").

    report = fleet_report(pipeline_result, results, mode="development", model=None, options=context)
    report["status"], report["exit_code"], report["coverage"]["percent"], report["gate"]["reasons"]

Exit codes (`ExitCode`, the one definition the `aqe` commands use): 0 the
gate passed; 1 the gate failed; 2 usage or configuration error, or the
project could not be analysed (missing path, no tests, syntax error, test
modules that cannot be imported) or an agent failed. docs/fleet.md
documents every field; fields are only ever added.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from lionagi_qe.core.task import AgentResult

SCHEMA = "aqe.run/1"
GAP_FIELDS = (
    "id", "file", "qualname", "lineno", "end_lineno", "complexity", "missing_lines", "missing_branches", "risk",
)
COVERAGE_FIELDS = (
    "percent", "line_percent", "branch_percent", "function_percent",
    "statements", "missing", "branches", "partial_branches", "covered_branches",
)
TEST_FIELDS = ("total", "counts", "duration_s", "failing", "collection_errors", "notes")
GATE_FIELDS = ("passed", "reasons", "checks", "thresholds")

Results = Mapping[str, AgentResult]


class ExitCode(IntEnum):
    """How `aqe` exits."""

    PASSED = 0
    GATE_FAILED = 1
    ERROR = 2


def fleet_report(
    pipeline_result: Mapping[str, Any],
    results: Results,
    *,
    mode: str,
    model: str | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """Assemble the report from the agents' results, one section each; see the module docstring."""
    executor = _ok(results, "test-executor")
    coverage = coverage_section(results)
    status, code, error = outcome_section(results)
    return {
        "schema": SCHEMA,
        "run_id": pipeline_result["run_id"],
        "started_at": pipeline_result["started_at"],
        "mode": mode,
        "model": model,
        "project": results["test-executor"].data.get("project") if "test-executor" in results else None,
        "status": status,
        "exit_code": int(code),
        "error": error,
        "thresholds": {name: options.get(key) for name, key in _THRESHOLD_OPTIONS.items()},
        "tests": {k: executor.data[k] for k in TEST_FIELDS} if executor else None,
        "coverage": coverage,
        "gaps": gaps_section(results) if coverage else [],
        "generation": generation_section(results),
        "gate": _gate_data(results),
        "agents": agents_section(results),
    }


_THRESHOLD_OPTIONS = {"coverage": "coverage_threshold", "max_failures": "max_failures", "max_flaky": "max_flaky"}


def _ok(results: Results, agent_id: str) -> AgentResult | None:
    result = results.get(agent_id)
    return result if result is not None and result.status == "ok" else None


def _gate_data(results: Results) -> dict[str, Any] | None:
    gate = _ok(results, "quality-gate")
    return {k: gate.data[k] for k in GATE_FIELDS} if gate else None


def outcome_section(results: Results) -> tuple[str, ExitCode, dict[str, str] | None]:
    """(status, exit code, error): an error first, else the gate's verdict, else an error that it gave none."""
    error = error_section(results)
    if error is not None:
        return "error", ExitCode.ERROR, error
    verdict = _gate_data(results)
    if verdict is None:
        gate = results.get("quality-gate")
        message = f"quality-gate gave no verdict: {gate.summary if gate else 'not run'}"
        return "error", ExitCode.ERROR, {"kind": "agent", "message": message}
    if verdict["passed"]:
        return "passed", ExitCode.PASSED, None
    return "failed", ExitCode.GATE_FAILED, None


def error_section(results: Results) -> dict[str, str] | None:
    """Why the project could not be judged: the executor's failure, collection errors, or any agent's failure."""
    executor = results.get("test-executor")
    if executor is not None and executor.status == "failed":
        return _error_of("test-executor", executor)
    if executor is not None and executor.data.get("collection_errors"):
        errors = executor.data["collection_errors"]
        first = errors[0]
        last_line = first["message"].strip().splitlines()[-1] if first["message"].strip() else ""
        return {
            "kind": "collection",
            "message": f"{len(errors)} test module(s) could not be collected, first {first['nodeid']}: {last_line}; "
            "install the project's dependencies in its interpreter (pick it with --python/--venv) or fix the import",
        }
    for agent_id, result in results.items():
        if result.status == "failed":
            return _error_of(agent_id, result)
    return None


def _error_of(agent_id: str, result: AgentResult) -> dict[str, str]:
    if result.error is not None:
        return result.error.model_dump()
    return {"kind": "agent", "message": f"{agent_id} failed: {result.summary}"}


def coverage_section(results: Results) -> dict[str, Any] | None:
    """The suite's coverage totals and trend."""
    analyzer = _ok(results, "coverage-analyzer")
    if analyzer is None:
        return None
    totals = analyzer.data["coverage"]
    return {**{name: totals[name] for name in COVERAGE_FIELDS}, "trend": analyzer.data["trend"]}


def gaps_section(results: Results) -> list[dict[str, Any]]:
    """The riskiest gaps, as the analyzer ranked them."""
    analyzer = results["coverage-analyzer"]
    return [{k: gap[k] for k in GAP_FIELDS} for gap in analyzer.data["top_gaps"]]


def generation_section(results: Results) -> dict[str, Any] | None:
    """What the test generator kept (sources left out), its fallbacks and coverage before and after."""
    generator = results.get("test-generator")
    if generator is None or generator.status not in ("ok", "skipped"):
        return None
    data = generator.data
    return {
        "status": generator.status,
        "engine": data.get("engine"),
        "output_dir": data.get("output_dir"),
        "kept": [{k: v for k, v in kept.items() if k != "new_branches"} for kept in data.get("kept", [])],
        "rejected": len(data.get("rejected", [])),
        "fallbacks": data.get("fallbacks", []),
        "coverage_before": data.get("coverage_before"),
        "coverage_after": data.get("coverage_after"),
        "tried": len(data.get("kept", [])) + len(data.get("rejected", [])),
        "rejections": [
            {"gap": r["gap"], "origin": r["origin"], "reason": r["reason"]} for r in data.get("rejected", [])
        ],
        "notes": data.get("notes", []),
        "possible_bugs": data.get("possible_bugs", []),
        "search": data.get("search", {}),
    }


def agents_section(results: Results) -> dict[str, dict[str, Any]]:
    """Each agent's status, summary, time and the memory keys it wrote."""
    return {
        agent_id: {
            "status": r.status, "summary": r.summary, "duration_s": r.duration_s, "stored_keys": r.stored_keys,
        }
        for agent_id, r in results.items()
    }
