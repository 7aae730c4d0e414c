"""Pick the memory backend for a storage configuration.

    memory = create_memory(StorageConfig.from_environment(), session=Session())
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage.base import MemoryBackend
from lionagi_qe.storage.session_memory import SessionMemory

if TYPE_CHECKING:
    from lionagi import Session


def create_memory(config: StorageConfig, session: Session | Callable[[], Session] | None = None) -> MemoryBackend:
    """Return a new backend: `SessionMemory` (bound to `session`) in DEV/TEST, `PostgresMemory` in PROD,
    `EmbeddedMemory` (PostgresMemory on a server started on demand) in EMBEDDED."""
    if config.mode is StorageMode.EMBEDDED:
        return _embedded_memory(config)
    if config.mode is not StorageMode.PROD:
        return SessionMemory(session)
    try:
        from lionagi_qe.storage.postgres import PostgresMemory
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise ConfigurationError(
            f"production mode needs psycopg 3 ({exc.name} is missing); "
            "install it with: pip install 'lionagi-qe-fleet[postgres]'"
        ) from None
    return PostgresMemory(config)


def _embedded_memory(config: StorageConfig) -> MemoryBackend:
    """`EmbeddedMemory`, or a `ConfigurationError` naming the extra to install when its packages are missing."""
    missing = "pgserver" if importlib.util.find_spec("pgserver") is None else None
    try:
        from lionagi_qe.storage.embedded import EmbeddedMemory
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        missing = exc.name
    if missing:
        raise ConfigurationError(
            f"embedded mode needs psycopg 3 and pgserver ({missing} is missing); "
            "install them with: pip install 'lionagi-qe-fleet[embedded]'"
        )
    return EmbeddedMemory(config)
