"""How risky each changed function is, and which tests exercise it.

    assessment = assess_risk(changes, contexts, report, churn, past_failures)
    assessment.changed[0]     # {'key': 'ledger/accounts.py::transfer', 'risk': 9.6, 'level': 'high',
                              #  'complexity': 3, 'churn': 2, 'coverage': 75.0, 'past_failures': 0, 'tests': [...]}
    assessment.impacted_tests # every test that ran a line of a changed function
    assessment.uncovered      # changed functions no test ran: 'no tests cover ...' notes

risk = complexity x (1 + ln(1 + churn)) x (2 - covered fraction) + past failures,
where churn counts the commits that touched the function's file, the covered
fraction is the share of the function's own statements the suite ran, and
past failures count the failing outcomes (failed, error, timeout, flaky) in
earlier runs of the tests that exercise it. Levels: `high` from 8 or when
no test runs the function, `medium` from 4, else `low`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lionagi_qe.analysis.changed_code import ChangeSet
from lionagi_qe.analysis.coverage_report import CoverageReport
from lionagi_qe.analysis.test_contexts import TestContexts

HIGH = 8.0
MEDIUM = 4.0


@dataclass
class RiskAssessment:
    """Changed functions riskiest first, the tests to run for them, and the ones no test runs."""

    changed: list[dict[str, Any]]
    impacted_tests: list[str]
    uncovered: list[str] = field(default_factory=list)


def assess_risk(
    changes: ChangeSet,
    contexts: TestContexts,
    report: CoverageReport,
    churn: Mapping[str, int],
    past_failures: Mapping[str, int],
) -> RiskAssessment:
    """Score each changed function (see the module docstring); `churn` by file, `past_failures` by node id."""
    rows: list[dict[str, Any]] = []
    impacted: set[str] = set()
    uncovered = []
    for function in changes.functions:
        measured = report.files.get(function.file)
        executed = set(measured.executed_lines) if measured else set()
        statements = (executed | set(measured.missing_lines)) & set(function.own_lines) if measured else set()
        covered = len(statements & executed) / len(statements) if statements else 0.0
        tests = contexts.covering_lines(function.file, function.own_lines)
        impacted.update(tests)
        failures = sum(past_failures.get(test, 0) for test in tests)
        commits = churn.get(function.file, 0)
        risk = round(function.complexity * (1 + math.log1p(commits)) * (2 - covered) + failures, 2)
        if not tests:
            uncovered.append(function.key)
        rows.append({
            "key": function.key,
            "file": function.file,
            "qualname": function.qualname,
            "lineno": function.lineno,
            "status": function.status,
            "changed_lines": function.changed_lines,
            "complexity": function.complexity,
            "churn": commits,
            "coverage": round(100.0 * covered, 2),
            "past_failures": failures,
            "risk": risk,
            "level": "high" if risk >= HIGH or not tests else "medium" if risk >= MEDIUM else "low",
            "tests": tests,
        })
    rows.sort(key=lambda row: (-row["risk"], row["key"]))
    return RiskAssessment(rows, sorted(impacted), uncovered)
