"""The memory contract and its backends.

    from lionagi_qe.storage import SessionMemory, create_memory
    memory = SessionMemory()
    await memory.store("aqe/coverage/run-1", {"line": 85.5})

`PostgresMemory` (production) and `EmbeddedMemory` (embedded) are imported on
first use, so the in-process modes need no database driver.
"""

from __future__ import annotations

from typing import Any

from lionagi_qe.storage.base import DEFAULT_PARTITION, Entry, MemoryBackend, Versioned, Watch
from lionagi_qe.storage.factory import create_memory
from lionagi_qe.storage.session_memory import SessionMemory

__all__ = [
    "DEFAULT_PARTITION",
    "EmbeddedMemory",
    "Entry",
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
    if name == "EmbeddedMemory":
        from lionagi_qe.storage.embedded import EmbeddedMemory

        return EmbeddedMemory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
