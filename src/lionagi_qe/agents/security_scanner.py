"""security-scanner: Bandit over the project's sources, gated on high severity; SARIF for code-scanning UIs.

    agent = orchestrator.create_and_register_agent(SecurityScannerAgent, agent_id="security-scanner")
    result = await orchestrator.execute_agent("security-scanner", {"run_id": run_id})
    result.data["findings"][0]   # {'id': 'B602', 'severity': 'HIGH', 'confidence': 'HIGH', 'file': ..., 'line': 4}
    result.data["passed"]        # high-severity findings <= max_high_severity

Context (`RunContext`): run_id, max_high_severity. Reads the run's execution
(project and interpreter); Bandit runs in the target's interpreter if it has
it, else in aqe's. Without Bandit the agent is skipped and says how to
install it. A dependency audit (pip-audit) runs where its vulnerability
database answers, else it is skipped with a note. Writes
aqe/security/<run>/findings (`SecurityRecord`) and <work_dir>/security/bandit.sarif.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lionagi_qe.agents.memory_keys import security_key
from lionagi_qe.agents.records import SecurityRecord
from lionagi_qe.agents.run_context import RunContext
from lionagi_qe.agents.run_inputs import load_run, no_execution
from lionagi_qe.analysis.dependency_audit import audit_dependencies
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.security_scan import scan_sources
from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.task import AgentResult, QETask
from lionagi_qe.errors import ToolMissingError

TOP_FINDINGS = 20


class SecurityScannerAgent(BaseQEAgent):
    """Scans the project with Bandit; see the module docstring."""

    agent_type = "security-scanner"

    async def execute(self, task: QETask) -> AgentResult:
        """Scan the run's project, audit its dependencies if possible, store the findings."""
        ctx = RunContext.of(task.context)
        inputs = await load_run(self.memory, task.context)
        if inputs is None:
            return self.skipped(no_execution(task.context))
        execution = inputs.execution
        project = await asyncio.to_thread(inspect_project, execution.code_path, check_syntax=False)
        python = Path(execution.python)
        try:
            scan = await asyncio.to_thread(scan_sources, project, python, Path(execution.work_dir) / "security")
        except ToolMissingError as exc:
            return self.skipped(str(exc))
        audit = await asyncio.to_thread(audit_dependencies, python)
        record = SecurityRecord(
            run_id=inputs.run_id, project=execution.project, findings=scan.findings, high=scan.high,
            counts=scan.counts(), sarif=scan.sarif_file, scanned=scan.scanned, bandit=scan.bandit,
            errors=scan.errors, audit=audit,
        )
        await self.store_memory(security_key(inputs.run_id), record.to_json())
        passed = scan.high <= ctx.max_high_severity
        counts = ", ".join(f"{n} {s}" for s, n in record.counts.items())
        word = "passed" if passed else "FAILED"
        summary = (
            f"Bandit: {len(scan.findings)} finding(s) ({counts}); high severity {word} "
            f"({scan.high}, {ctx.max_high_severity} allowed); SARIF {scan.sarif_file}"
        )
        if audit["status"] == "skipped":
            summary += f"; {audit['note']}"
        else:
            summary += f"; dependency audit: {len(audit['vulnerable'])} known vulnerability(ies)"
        return self.result(
            summary,
            run_id=inputs.run_id,
            passed=passed,
            high=scan.high,
            counts=record.counts,
            findings=scan.findings[:TOP_FINDINGS],
            total=len(scan.findings),
            sarif=scan.sarif_file,
            errors=scan.errors,
            audit=audit,
        )
