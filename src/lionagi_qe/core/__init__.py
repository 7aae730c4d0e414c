"""Orchestration: `QEOrchestrator`, `BaseQEAgent`, `QETask`, `ModelRouter`, `QEMemory`."""

from lionagi_qe.core.base_agent import BaseQEAgent
from lionagi_qe.core.memory import QEMemory
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.core.router import ModelRouter, TaskComplexity
from lionagi_qe.core.task import AgentResult, QETask

__all__ = ["AgentResult", "BaseQEAgent", "ModelRouter", "QEMemory", "QEOrchestrator", "QETask", "TaskComplexity"]
