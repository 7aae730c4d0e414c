"""The fleet's agents, one module each: thin, they decide, call the engines in `analysis/`, store results.

    from lionagi_qe.agents import TestExecutorAgent, CoverageAnalyzerAgent, TestGeneratorAgent, QualityGateAgent
    from lionagi_qe.agents import FlakyTestHunterAgent, SecurityScannerAgent, ComplexityAnalyzerAgent
    from lionagi_qe.agents import PerformanceTesterAgent, DeploymentReadinessAgent
"""

from lionagi_qe.agents.complexity_analyzer import ComplexityAnalyzerAgent
from lionagi_qe.agents.coverage_analyzer import CoverageAnalyzerAgent
from lionagi_qe.agents.deployment_readiness import DeploymentReadinessAgent
from lionagi_qe.agents.flaky_hunter import FlakyTestHunterAgent
from lionagi_qe.agents.performance_tester import PerformanceTesterAgent
from lionagi_qe.agents.quality_gate import QualityGateAgent
from lionagi_qe.agents.security_scanner import SecurityScannerAgent
from lionagi_qe.agents.test_executor import TestExecutorAgent
from lionagi_qe.agents.test_generator import TestGeneratorAgent

__all__ = [
    "ComplexityAnalyzerAgent",
    "CoverageAnalyzerAgent",
    "DeploymentReadinessAgent",
    "FlakyTestHunterAgent",
    "PerformanceTesterAgent",
    "QualityGateAgent",
    "SecurityScannerAgent",
    "TestExecutorAgent",
    "TestGeneratorAgent",
]
