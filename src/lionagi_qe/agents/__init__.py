"""The fleet's agents, one module each: thin, they decide, call the engines in `analysis/`, store results.

    from lionagi_qe.agents import TestExecutorAgent, CoverageAnalyzerAgent, TestGeneratorAgent, QualityGateAgent
    from lionagi_qe.agents import FlakyTestHunterAgent, SecurityScannerAgent, ComplexityAnalyzerAgent
    from lionagi_qe.agents import PerformanceTesterAgent, DeploymentReadinessAgent
    from lionagi_qe.agents import MutationTesterAgent, RegressionRiskAnalyzerAgent, ApiContractValidatorAgent
"""

from lionagi_qe.agents.api_contract_validator import ApiContractValidatorAgent
from lionagi_qe.agents.complexity_analyzer import ComplexityAnalyzerAgent
from lionagi_qe.agents.coverage_analyzer import CoverageAnalyzerAgent
from lionagi_qe.agents.deployment_readiness import DeploymentReadinessAgent
from lionagi_qe.agents.flaky_hunter import FlakyTestHunterAgent
from lionagi_qe.agents.mutation_tester import MutationTesterAgent
from lionagi_qe.agents.performance_tester import PerformanceTesterAgent
from lionagi_qe.agents.quality_gate import QualityGateAgent
from lionagi_qe.agents.regression_risk_analyzer import RegressionRiskAnalyzerAgent
from lionagi_qe.agents.security_scanner import SecurityScannerAgent
from lionagi_qe.agents.test_executor import TestExecutorAgent
from lionagi_qe.agents.test_generator import TestGeneratorAgent

__all__ = [
    "ApiContractValidatorAgent",
    "ComplexityAnalyzerAgent",
    "CoverageAnalyzerAgent",
    "DeploymentReadinessAgent",
    "FlakyTestHunterAgent",
    "MutationTesterAgent",
    "PerformanceTesterAgent",
    "QualityGateAgent",
    "RegressionRiskAnalyzerAgent",
    "SecurityScannerAgent",
    "TestExecutorAgent",
    "TestGeneratorAgent",
]
