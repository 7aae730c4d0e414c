"""The fleet's agents, one module each."""

from lionagi_qe.agents.coverage_analyzer import CoverageAnalyzerAgent
from lionagi_qe.agents.test_generator import TestGeneratorAgent

__all__ = ["CoverageAnalyzerAgent", "TestGeneratorAgent"]
