"""The report of one fleet run: the stable JSON schema `aqe run --json` prints (schema "aqe.run/1").

    report = fleet_report(pipeline_result, results, mode="development", model=None, options=context)
    report["status"], report["exit_code"], report["coverage"]["percent"], report["gate"]["reasons"]

Exit codes (`ExitCode`, the one definition the `aqe` commands use): 0 the
gate passed; 1 the gate failed (or deployment-readiness, when it ran, said
no-go); 2 usage or configuration error, or the
project could not be analysed (missing path, no tests, syntax error, test
modules that cannot be imported) or an agent failed. docs/fleet.md
documents every field; fields are only ever added.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from lionagi_qe.agents.run_context import RunContext
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
    sections: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Assemble the report from the agents' results, one section each; see the module docstring.

    `sections` maps more agents to their top-level field ({'security-scanner': 'security', ...}):
    the field holds the agent's result data when it ran ok, else null.
    """
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
        "thresholds": _thresholds(results, options),
        "tests": {**{k: executor.data[k] for k in TEST_FIELDS}, "selection": executor.data.get("selection")}
        if executor else None,
        "coverage": coverage,
        "gaps": gaps_section(results) if coverage else [],
        "generation": generation_section(results),
        "gate": _gate_data(results),
        "agents": agents_section(results),
        **agent_sections(results, sections or {}),
        "diff_coverage": diff_coverage_section(results, options),
        "mutation": mutation_section(results),
        "regression_risk": regression_risk_section(results),
        "api_contract": api_contract_section(results),
        "distributed": distributed_section(results),
    }


def agent_sections(results: Results, sections: Mapping[str, str]) -> dict[str, Any]:
    """{section: the agent's data (run_id left out) when it ran ok, else None} for each agent of `sections`.

    An agent's `distributed` data (its jobs) goes to the report's `distributed` section instead, so a
    distributed run's agent sections equal a local run's.
    """
    found = {}
    for agent_id, name in sections.items():
        result = _ok(results, agent_id)
        found[name] = {k: v for k, v in result.data.items() if k not in ("run_id", "distributed")} if result else None
    return found


OPTIONAL_SECTIONS = (
    "flaky", "security", "complexity", "performance", "readiness", "diff_coverage", "mutation", "regression_risk",
    "api_contract", "distributed",
)
"""Report fields that are null unless their agent (or `--diff`, `--distributed`) ran; every `AgentSpec.section`
is one of them."""

_THRESHOLD_OPTIONS = {"coverage": "coverage_threshold", "max_failures": "max_failures", "max_flaky": "max_flaky"}


def _ok(results: Results, agent_id: str) -> AgentResult | None:
    result = results.get(agent_id)
    return result if result is not None and result.status == "ok" else None


def _gate_data(results: Results) -> dict[str, Any] | None:
    gate = _ok(results, "quality-gate")
    return {k: gate.data[k] for k in GATE_FIELDS} if gate else None


def outcome_section(results: Results) -> tuple[str, ExitCode, dict[str, str] | None]:
    """(status, exit code, error): an error first, else the gate's verdict (and readiness's, if it ran), else an
    error that the gate gave none."""
    error = error_section(results)
    if error is not None:
        return "error", ExitCode.ERROR, error
    verdict = _gate_data(results)
    if verdict is None:
        gate = results.get("quality-gate")
        message = f"quality-gate gave no verdict: {gate.summary if gate else 'not run'}"
        return "error", ExitCode.ERROR, {"kind": "agent", "message": message}
    readiness = _ok(results, "deployment-readiness")
    if verdict["passed"] and (readiness is None or readiness.data["go"]):
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
    section = {**{name: totals[name] for name in COVERAGE_FIELDS}, "trend": analyzer.data["trend"]}
    return {**section, "measured": analyzer.data.get("measured")}


def _thresholds(results: Results, options: Mapping[str, Any]) -> dict[str, Any]:
    """The thresholds asked for; the coverage one as the gate applied it (the project's fail_under if not given)."""
    thresholds = {name: options.get(key) for name, key in _THRESHOLD_OPTIONS.items()}
    gate = _gate_data(results)
    if gate is not None:
        thresholds["coverage"] = gate["thresholds"]["min_coverage"]
    elif thresholds["coverage"] is None:
        thresholds["coverage"] = RunContext().thresholds().min_coverage
    return thresholds


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
        "model_calls": data.get("model_calls"),
        "tried": len(data.get("kept", [])) + len(data.get("rejected", [])),
        "rejections": [
            {"gap": r["gap"], "origin": r["origin"], "reason": r["reason"]} for r in data.get("rejected", [])
        ],
        "notes": data.get("notes", []),
        "possible_bugs": data.get("possible_bugs", []),
        "search": data.get("search", {}),
    }


def distributed_section(results: Results) -> dict[str, Any] | None:
    """Which worker ran what (`aqe run --distributed`): the suite's shards and the other agents' jobs; None if local."""
    executor = results.get("test-executor")
    section = dict(executor.data.get("distributed") or {}) if executor is not None else {}
    jobs = [
        row for r in results.values() if r is not executor for row in (r.data.get("distributed") or {}).get("jobs", [])
    ]
    if not section and not jobs:
        return None
    return {**section, "jobs": jobs}


def agents_section(results: Results) -> dict[str, dict[str, Any]]:
    """Each agent's status, summary, time and the memory keys it wrote."""
    return {
        agent_id: {
            "status": r.status, "summary": r.summary, "duration_s": r.duration_s, "stored_keys": r.stored_keys,
        }
        for agent_id, r in results.items()
    }


MUTATION_FIELDS = (
    "score", "killed", "timeout", "errors", "total", "sampled_from", "mutants_per_second", "by_module", "notes",
)
SURVIVOR_FIELDS = ("id", "file", "line", "qualname", "operator", "description", "diff", "tests")
REGRESSION_FIELDS = ("base", "commit", "changed", "impacted_tests", "uncovered")
API_FIELDS = ("base", "commit", "breaking", "semver", "added", "packages", "notes")
DIFF_FIELDS = ("base", "commit", "statements", "covered", "percent", "files")


def diff_coverage_section(results: Results, options: Mapping[str, Any]) -> dict[str, Any] | None:
    """Coverage of the lines changed since `--diff BASE` (as diff-cover counts it) and its threshold."""
    analyzer = _ok(results, "coverage-analyzer")
    measured = analyzer.data.get("diff_coverage") if analyzer else None
    if not measured:
        return None
    threshold = options.get("diff_threshold")
    if threshold is None:
        threshold = _thresholds(results, options)["coverage"]
    return {**{k: measured[k] for k in DIFF_FIELDS}, "threshold": threshold}


def mutation_section(results: Results) -> dict[str, Any] | None:
    """The mutation-tester's score (overall and per module) and surviving mutants."""
    tester = _ok(results, "mutation-tester")
    if tester is None:
        return None
    survived = [{k: mutant.get(k) for k in SURVIVOR_FIELDS} for mutant in tester.data["survived"]]
    return {**{k: tester.data[k] for k in MUTATION_FIELDS}, "survived": survived}


def regression_risk_section(results: Results) -> dict[str, Any] | None:
    """The changed functions by risk and the tests that exercise them."""
    analyzer = _ok(results, "regression-risk-analyzer")
    return {k: analyzer.data[k] for k in REGRESSION_FIELDS} if analyzer else None


def api_contract_section(results: Results) -> dict[str, Any] | None:
    """Breaking changes to the public API and the semver advice."""
    validator = _ok(results, "api-contract-validator")
    return {k: validator.data[k] for k in API_FIELDS} if validator else None


def error_report(
    message: str,
    *,
    kind: str = "usage",
    code: ExitCode | int = ExitCode.ERROR,
    run_id: str | None = None,
    mode: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """An `aqe.run/1` report for a run that never produced results (a usage error, Ctrl-C): every field present."""
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "started_at": None,
        "mode": mode,
        "model": None,
        "project": project,
        "status": "error",
        "exit_code": int(code),
        "error": {"kind": kind, "message": message},
        "thresholds": None,
        "tests": None,
        "coverage": None,
        "gaps": [],
        "generation": None,
        "gate": None,
        "agents": {},
        **dict.fromkeys(OPTIONAL_SECTIONS),
    }
