"""test-generator agent (work in progress: memory helpers only)."""

from lionagi_qe.core.base_agent import BaseQEAgent


class TestGeneratorAgent(BaseQEAgent):
    __test__ = False
    agent_type = "test-generator"
