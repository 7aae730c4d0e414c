"""The report of one fleet run: the stable JSON schema `aqe run --json` prints (schema "aqe.run/1").

    report = fleet_report(pipeline_result, results, mode="development", model=None, options=context)
    report["status"], report["exit_code"], report["coverage"]["percent"], report["gate"]["reasons"]

Exit codes: 0 the gate passed; 1 the gate failed; 2 the project could not be
analysed (missing path, no tests, syntax error, test modules that cannot be
imported) or an agent failed. docs/fleet.md documents every field.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.core.task import AgentResult

SCHEMA = "aqe.run/1"
EXIT_PASSED, EXIT_GATE_FAILED, EXIT_ERROR = 0, 1, 2
GAP_FIELDS = ("id", "file", "qualname", "lineno", "end_lineno", "complexity", "missing_lines", "missing_branches", "risk")
COVERAGE_FIELDS = (
    "percent", "line_percent", "branch_percent", "function_percent",
    "statements", "missing", "branches", "partial_branches", "covered_branches",
)  # fmt: skip


def _error(results: dict[str, AgentResult]) -> dict[str, str] | None:
    executor = results.get("test-executor")
    if executor is not None and executor.status == "failed":
        found = executor.data.get("error")
        return found or {"kind": "agent", "message": f"test-executor failed: {executor.summary}"}
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
            return {"kind": "agent", "message": f"{agent_id} failed: {result.summary}"}
    return None


def fleet_report(
    pipeline_result: dict[str, Any],
    results: dict[str, AgentResult],
    *,
    mode: str,
    model: str | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Assemble the report from the agents' results; see the module docstring."""
    executor, analyzer = results.get("test-executor"), results.get("coverage-analyzer")
    generator, gate = results.get("test-generator"), results.get("quality-gate")
    error = _error(results)
    gate_data = gate.data if gate is not None and gate.status == "ok" else None
    if error is not None:
        status, code = "error", EXIT_ERROR
    elif gate_data is None:
        status, code = "error", EXIT_ERROR
        error = {"kind": "agent", "message": f"quality-gate gave no verdict: {gate.summary if gate else 'not run'}"}
    elif gate_data["passed"]:
        status, code = "passed", EXIT_PASSED
    else:
        status, code = "failed", EXIT_GATE_FAILED
    tests = None
    if executor is not None and executor.status == "ok":
        data = executor.data
        tests = {
            "total": data["total"], "counts": data["counts"], "duration_s": data["duration_s"],
            "failing": data["failing"], "collection_errors": data["collection_errors"], "notes": data["notes"],
        }  # fmt: skip
    coverage = None
    if analyzer is not None and analyzer.status == "ok":
        totals = analyzer.data["coverage"]
        coverage = {name: totals[name] for name in COVERAGE_FIELDS}
        coverage["trend"] = analyzer.data["trend"]
    generation = None
    if generator is not None and generator.status in ("ok", "skipped"):
        data = generator.data
        generation = {
            "status": generator.status,
            "engine": data.get("engine"),
            "output_dir": data.get("output_dir"),
            "kept": [{k: v for k, v in kept.items() if k != "new_branches"} for kept in data.get("kept", [])],
            "rejected": len(data.get("rejected", [])),
            "fallbacks": data.get("fallbacks", []),
            "coverage_before": data.get("coverage_before"),
            "coverage_after": data.get("coverage_after"),
        }
    return {
        "schema": SCHEMA,
        "run_id": pipeline_result["run_id"],
        "started_at": pipeline_result["started_at"],
        "mode": mode,
        "model": model,
        "project": executor.data.get("project") if executor is not None else None,
        "status": status,
        "exit_code": code,
        "error": error,
        "thresholds": {
            "coverage": options.get("coverage_threshold"),
            "max_failures": options.get("max_failures"),
            "max_flaky": options.get("max_flaky"),
        },
        "tests": tests,
        "coverage": coverage,
        "gaps": [{k: g[k] for k in GAP_FIELDS} for g in analyzer.data["top_gaps"]] if coverage else [],
        "generation": generation,
        "gate": (
            {k: gate_data[k] for k in ("passed", "reasons", "checks", "thresholds")} if gate_data is not None else None
        ),
        "agents": {
            agent_id: {
                "status": r.status, "summary": r.summary, "duration_s": r.duration_s, "stored_keys": r.stored_keys,
            }  # fmt: skip
            for agent_id, r in results.items()
        },
    }
