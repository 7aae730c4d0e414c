"""Deterministic engines the agents call: no memory, no agents, no model.

    project = inspect_project("examples/sample_project")
    run = run_test_suite(project, work_dir, RunSettings(python=resolve_interpreter()))
    report = load_coverage(run.data_file, project)
    gaps, functions = find_gaps(report, project)
    verdict = evaluate_gate(GateInputs(coverage=report.totals.percent, tests=len(run.tests)), Thresholds())

One module per engine: project (what to analyse), interpreter (which
Python), coverage_config (the project's coverage settings, as coverage.py
reads them), test_runner (pytest under coverage.py), input_recording (arguments
seen during the suite), coverage_report, gaps, call_synthesis +
offline_generator + guided_search + call_rendering (tests without a model,
in a warm_worker), llm_prompt (prompt and reply parser), verification,
confirmation (kept tests in clean processes), test_writer, generation (the
sequence that closes gaps: verify, fall back, write, measure), quality_gate.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lionagi_qe.analysis.candidate import Candidate
    from lionagi_qe.analysis.coverage_report import CoverageReport, Totals, load_coverage
    from lionagi_qe.analysis.gaps import Gap, find_gaps
    from lionagi_qe.analysis.generation import GenerationJob, GenerationOutcome, close_gaps
    from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
    from lionagi_qe.analysis.llm_prompt import MalformedReply, build_prompt, parse_reply
    from lionagi_qe.analysis.offline_generator import offline_candidates
    from lionagi_qe.analysis.project import TargetProject, inspect_project
    from lionagi_qe.analysis.quality_gate import GateInputs, GateVerdict, Thresholds, evaluate_gate
    from lionagi_qe.analysis.test_runner import RunSettings, TestRunResult, run_test_suite
    from lionagi_qe.analysis.test_writer import write_tests
    from lionagi_qe.analysis.verification import Verification, coverage_after, verify_candidates

_MODULES = {
    "Candidate": "candidate", "CoverageReport": "coverage_report", "Totals": "coverage_report",
    "load_coverage": "coverage_report", "Gap": "gaps", "find_gaps": "gaps", "GenerationJob": "generation",
    "GenerationOutcome": "generation", "close_gaps": "generation", "check_interpreter": "interpreter",
    "resolve_interpreter": "interpreter", "MalformedReply": "llm_prompt", "build_prompt": "llm_prompt",
    "parse_reply": "llm_prompt", "offline_candidates": "offline_generator", "TargetProject": "project",
    "inspect_project": "project", "GateInputs": "quality_gate", "GateVerdict": "quality_gate",
    "Thresholds": "quality_gate", "evaluate_gate": "quality_gate", "RunSettings": "test_runner",
    "TestRunResult": "test_runner", "run_test_suite": "test_runner", "write_tests": "test_writer",
    "Verification": "verification", "coverage_after": "verification", "verify_candidates": "verification",
}
"""The engine module each name comes from, imported on first use (a job process loads only what it needs)."""


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'lionagi_qe.analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lionagi_qe.analysis.{_MODULES[name]}"), name)


__all__ = [
    "Candidate",
    "CoverageReport",
    "Gap",
    "GateInputs",
    "GateVerdict",
    "GenerationJob",
    "GenerationOutcome",
    "MalformedReply",
    "RunSettings",
    "TargetProject",
    "TestRunResult",
    "Thresholds",
    "Totals",
    "Verification",
    "build_prompt",
    "check_interpreter",
    "close_gaps",
    "coverage_after",
    "evaluate_gate",
    "find_gaps",
    "inspect_project",
    "load_coverage",
    "offline_candidates",
    "parse_reply",
    "resolve_interpreter",
    "run_test_suite",
    "verify_candidates",
    "write_tests",
]
