"""lionagi-qe-fleet: an agentic quality-engineering fleet for Python projects, built on LionAGI.

    from lionagi_qe import QEOrchestrator
    async with QEOrchestrator() as orchestrator:          # development mode, in-process memory
        await orchestrator.memory.store("aqe/test-plan/example", {"priority": "high"})
"""

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from lionagi_qe.agents import CoverageAnalyzerAgent, TestGeneratorAgent
    from lionagi_qe.config import StorageConfig, StorageMode
    from lionagi_qe.core import AgentResult, BaseQEAgent, ModelRouter, QEMemory, QEOrchestrator, QETask
    from lionagi_qe.storage import MemoryBackend, SessionMemory, create_memory

_HOMES = {
    "CoverageAnalyzerAgent": "lionagi_qe.agents", "TestGeneratorAgent": "lionagi_qe.agents",
    "StorageConfig": "lionagi_qe.config", "StorageMode": "lionagi_qe.config",
    **dict.fromkeys(("AgentResult", "BaseQEAgent", "ModelRouter", "QEMemory", "QEOrchestrator", "QETask"),
                    "lionagi_qe.core"),
    **dict.fromkeys(("MemoryBackend", "SessionMemory", "create_memory"), "lionagi_qe.storage"),
}
"""Where each name lives; imported on first use, so `import lionagi_qe.errors` (a worker's job process) stays light."""


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lionagi_qe' has no attribute {name!r}")


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
