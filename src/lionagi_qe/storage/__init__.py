"""The memory contract and its backends.

    from lionagi_qe.storage import SessionMemory, create_memory
    memory = SessionMemory()
    await memory.store("aqe/coverage/run-1", {"line": 85.5})

`PostgresMemory` (production) is imported on first use, so the in-process
modes need no database driver.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.storage.base import DEFAULT_PARTITION, MemoryBackend, Versioned, Watch
from lionagi_qe.storage.factory import create_memory
from lionagi_qe.storage.session_memory import SessionMemory

__all__ = [
    "DEFAULT_PARTITION",
    "MemoryBackend",
    "PostgresMemory",
    "SessionMemory",
    "Versioned",
    "Watch",
    "create_memory",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresMemory":
        from lionagi_qe.storage.postgres import PostgresMemory

        return PostgresMemory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
