"""coverage-analyzer agent (work in progress: memory helpers only)."""

from lionagi_qe.core.base_agent import BaseQEAgent


class CoverageAnalyzerAgent(BaseQEAgent):
    agent_type = "coverage-analyzer"
