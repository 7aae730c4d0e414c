"""lionagi-qe-fleet: an agentic quality-engineering fleet for Python projects, built on LionAGI.

    from lionagi_qe import QEOrchestrator
    async with QEOrchestrator() as orchestrator:          # development mode, in-process memory
        await orchestrator.memory.store("aqe/test-plan/example", {"priority": "high"})
"""

from lionagi_qe.agents import CoverageAnalyzerAgent, TestGeneratorAgent
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.core import AgentResult, BaseQEAgent, ModelRouter, QEMemory, QEOrchestrator, QETask
from lionagi_qe.errors import (
    AgentError,
    ConfigurationError,
    KeyValidationError,
    PoolExhaustedError,
    QEError,
    SerializationError,
    StorageConnectionError,
    StorageError,
    TargetProjectError,
)
from lionagi_qe.storage import MemoryBackend, SessionMemory, create_memory

__version__ = "0.1.0"

__all__ = [
    "AgentError",
    "AgentResult",
    "BaseQEAgent",
    "ConfigurationError",
    "CoverageAnalyzerAgent",
    "KeyValidationError",
    "MemoryBackend",
    "ModelRouter",
    "PoolExhaustedError",
    "QEError",
    "QEMemory",
    "QEOrchestrator",
    "QETask",
    "SerializationError",
    "SessionMemory",
    "StorageConfig",
    "StorageConnectionError",
    "StorageError",
    "StorageMode",
    "TargetProjectError",
    "TestGeneratorAgent",
    "create_memory",
]
