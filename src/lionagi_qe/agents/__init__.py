"""The fleet's agents, one module each: thin, they decide, call the engines in `analysis/`, store results.

    from lionagi_qe.agents import TestExecutorAgent, CoverageAnalyzerAgent, TestGeneratorAgent, QualityGateAgent
"""

from lionagi_qe.agents.coverage_analyzer import CoverageAnalyzerAgent
from lionagi_qe.agents.quality_gate import QualityGateAgent
from lionagi_qe.agents.test_executor import TestExecutorAgent
from lionagi_qe.agents.test_generator import TestGeneratorAgent

__all__ = ["CoverageAnalyzerAgent", "QualityGateAgent", "TestExecutorAgent", "TestGeneratorAgent"]
