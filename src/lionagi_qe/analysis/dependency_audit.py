"""Audit the target interpreter's installed packages for known vulnerabilities with pip-audit, when possible.

    audit = audit_dependencies(python)
    audit["status"]          # 'ok' or 'skipped'
    audit["note"]            # why it was skipped, e.g. the vulnerability database is not reachable
    audit["vulnerable"]      # [{'name': 'pkg', 'version': '1.0', 'id': 'PYSEC-...', 'fix_versions': [...]}]

pip-audit asks a vulnerability database on the network: here OSV (its
`--vulnerability-service osv`), at `url` (an OSV-compatible query endpoint).
Before running it, one query with a short timeout checks that the database
answers; where it does not (offline machines, closed networks), the audit is
skipped at once with a note saying so. `AQE_DEPENDENCY_AUDIT=off` skips it
without asking the network (closed networks, test suites).
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

VULNERABILITY_DATABASE = "https://api.osv.dev/v1/query"
"""OSV's query endpoint, the database pip-audit is asked to use."""
_PROBE_QUERY = json.dumps({"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "0"}).encode()
REACH_TIMEOUT = 3.0
AUDIT_TIMEOUT = 300.0


def database_unreachable(url: str = VULNERABILITY_DATABASE, timeout: float = REACH_TIMEOUT) -> str | None:
    """None when the vulnerability database answers as pip-audit needs; else why not."""
    try:
        request = urllib.request.Request(url, data=_PROBE_QUERY, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} from {url}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url} not reachable ({reason})"
    return None if isinstance(body, dict) else f"{url} did not answer like an OSV query endpoint"


def audit_dependencies(
    python: Path, *, url: str = VULNERABILITY_DATABASE, timeout: float = REACH_TIMEOUT
) -> dict[str, Any]:
    """Run pip-audit on `python`'s environment, or say why not; see the module docstring."""
    if os.environ.get("AQE_DEPENDENCY_AUDIT", "").strip().lower() in ("off", "0", "false", "no"):
        return _skipped("dependency audit skipped: turned off by AQE_DEPENDENCY_AUDIT")
    why_not = database_unreachable(url, timeout)
    if why_not is not None:
        return _skipped(f"dependency audit skipped: the vulnerability database is not reachable: {why_not}")
    try:
        done = subprocess.run(
            [
                str(python), "-m", "pip_audit", "-f", "json", "--progress-spinner", "off",
                "--vulnerability-service", "osv",
            ],
            capture_output=True, text=True, timeout=AUDIT_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _skipped(f"dependency audit skipped: pip-audit did not finish ({exc})")
    if "No module named pip_audit" in done.stderr:
        return _skipped(f"dependency audit skipped: pip-audit is not installed in {python} (pip install pip-audit)")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return _skipped(f"dependency audit skipped: pip-audit gave no JSON report: {done.stderr.strip()[-300:]}")
    vulnerable = [
        {"name": dep["name"], "version": dep.get("version"), "id": vuln["id"], "fix_versions": vuln["fix_versions"]}
        for dep in report.get("dependencies", [])
        for vuln in dep.get("vulns", [])
    ]
    return {"status": "ok", "note": "", "packages": len(report.get("dependencies", [])), "vulnerable": vulnerable}


def _skipped(note: str) -> dict[str, Any]:
    return {"status": "skipped", "note": note, "packages": 0, "vulnerable": []}
