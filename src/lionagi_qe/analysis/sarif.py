"""SARIF 2.1.0 from Bandit's JSON report, for code-scanning UIs (GitHub code scanning, IDE viewers).

    sarif = bandit_sarif(json.loads(bandit_stdout), project_root, "1.9.4")
    Path("bandit.sarif").write_text(json.dumps(sarif))

One run, tool driver "Bandit" with one rule per Bandit test id; each result
has its level (HIGH error, MEDIUM warning, LOW note), message, file relative to
the project root (uriBaseId %SRCROOT%), line and column, and Bandit's
severity and confidence as properties.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVELS = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}


def bandit_sarif(report: dict[str, Any], root: Path, version: str) -> dict[str, Any]:
    """The SARIF log of one Bandit report; see the module docstring."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for found in report.get("results", []):
        rule_id = found["test_id"]
        if rule_id not in rules:
            rules[rule_id] = _rule(found)
        results.append(_result(found, root, list(rules).index(rule_id)))
    driver = {
        "name": "Bandit",
        "version": version,
        "informationUri": "https://bandit.readthedocs.io/",
        "rules": list(rules.values()),
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
            "results": results,
        }],
    }


def _rule(found: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": found["test_id"],
        "name": found["test_name"],
        "shortDescription": {"text": found["issue_text"]},
        "properties": {"tags": ["security"]},
    }
    if found.get("more_info"):
        rule["helpUri"] = found["more_info"]
    cwe = (found.get("issue_cwe") or {}).get("id")
    if cwe:
        rule["properties"]["tags"].append(f"external/cwe/cwe-{cwe}")
    return rule


def _result(found: dict[str, Any], root: Path, rule_index: int) -> dict[str, Any]:
    path = Path(found["filename"])
    absolute = path if path.is_absolute() else root / path
    try:
        uri = absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        uri = absolute.as_posix()
    region: dict[str, Any] = {"startLine": found["line_number"], "startColumn": found.get("col_offset", 0) + 1}
    return {
        "ruleId": found["test_id"],
        "ruleIndex": rule_index,
        "level": LEVELS.get(found["issue_severity"], "warning"),
        "message": {"text": found["issue_text"]},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region},
        }],
        "properties": {"issue_severity": found["issue_severity"], "issue_confidence": found["issue_confidence"]},
    }
