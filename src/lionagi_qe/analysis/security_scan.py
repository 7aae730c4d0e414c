"""Scan the target's sources with Bandit: findings with id, severity, confidence, file and line.

    scan = scan_sources(project, python, work_dir)     # raises ToolMissingError without Bandit
    scan.findings[0]      # {'id': 'B602', 'severity': 'HIGH', 'confidence': 'HIGH', 'file': 'src/pkg/x.py',
                          #  'line': 4, ...}
    scan.high             # findings of high severity (what the gate counts)
    scan.sarif_file       # SARIF 2.1.0 for code-scanning UIs (work_dir/bandit.sarif)

Bandit runs in the target's interpreter when it has Bandit, else in the one
running aqe (Bandit reads the files; it does not import the project).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.sarif import bandit_sarif
from lionagi_qe.errors import ToolError, ToolMissingError

SCAN_TIMEOUT = 600.0
CHECK_TIMEOUT = 60.0
SEVERITIES = ("HIGH", "MEDIUM", "LOW")
AQE_PYTHON = Path(sys.executable)
"""aqe's own interpreter: Bandit is one of aqe's dependencies, so it is the fallback."""


@dataclass
class SecurityScan:
    """Bandit's findings on a project, most severe first, and where its SARIF file is."""

    findings: list[dict[str, Any]]
    errors: list[dict[str, str]]
    scanned: list[str]
    bandit: str
    sarif_file: str
    notes: list[str] = field(default_factory=list)

    @property
    def high(self) -> int:
        """Findings of high severity."""
        return sum(f["severity"] == "HIGH" for f in self.findings)

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present."""
        return {s.lower(): sum(f["severity"] == s for f in self.findings) for s in SEVERITIES}


def bandit_interpreter(target: Path, own: Path | None = None) -> Path:
    """The interpreter to run Bandit with: the target's if it has Bandit, else `own` (default `AQE_PYTHON`).

    Raises `ToolMissingError` when neither has it.
    """
    own = own or AQE_PYTHON
    for python in dict.fromkeys([target, own]):
        if _has_bandit(python):
            return python
    raise ToolMissingError(
        f"Bandit is not installed in the project's interpreter ({target}) nor in aqe's ({own}); "
        f"install it (`{target} -m pip install bandit`) to scan the project, or leave security-scanner out of --agents"
    )


def _has_bandit(python: Path) -> bool:
    try:
        done = subprocess.run(
            [str(python), "-c", "import bandit"], capture_output=True, timeout=CHECK_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def scan_sources(project: TargetProject, python: Path, work_dir: Path, own: Path | None = None) -> SecurityScan:
    """Run Bandit over the project's sources; see the module docstring."""
    bandit = bandit_interpreter(python, own)
    work_dir.mkdir(parents=True, exist_ok=True)
    targets = [str(p) for p in project.sources]
    command = [str(bandit), "-m", "bandit", "-r", *targets, "-f", "json", "-q", "-x", ".aqe,.venv,venv"]
    try:
        done = subprocess.run(
            command, cwd=project.root, capture_output=True, text=True, timeout=SCAN_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"Bandit did not finish within {SCAN_TIMEOUT:g}s on {project.root}") from None
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr or done.stdout).strip()[-600:]
        raise ToolError(f"Bandit (exit code {done.returncode}) gave no JSON report: {tail}") from None
    findings = sorted(
        (_finding(project, r) for r in report.get("results", [])),
        key=lambda f: (SEVERITIES.index(f["severity"]), f["file"], f["line"]),
    )
    sarif_file = work_dir / "bandit.sarif"
    sarif = bandit_sarif(report, project.root, _version(bandit))
    sarif_file.write_text(json.dumps(sarif, indent=2), encoding="utf-8")
    errors = [{"file": project.relative(e["filename"]), "reason": e["reason"]} for e in report.get("errors", [])]
    return SecurityScan(
        findings=findings,
        errors=errors,
        scanned=[project.relative(t) for t in targets],
        bandit=str(bandit),
        sarif_file=str(sarif_file),
    )


def _finding(project: TargetProject, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": result["test_id"],
        "name": result["test_name"],
        "severity": result["issue_severity"],
        "confidence": result["issue_confidence"],
        "file": project.relative(result["filename"]),
        "line": result["line_number"],
        "column": result.get("col_offset", 0) + 1,
        "text": result["issue_text"],
        "cwe": (result.get("issue_cwe") or {}).get("id"),
        "more_info": result.get("more_info", ""),
    }


def _version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import bandit; print(bandit.__version__)"],
        capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False,
    )
    return done.stdout.strip() or "unknown"
