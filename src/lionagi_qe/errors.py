"""The project's exception types.

Every message says what to fix; none carries a password or a full
connection string.

    try:
        config = StorageConfig.from_environment()
    except ConfigurationError as exc:
        print(exc)  # e.g. "AQE_STORAGE_MODE='qa' is not a storage mode; ..."
"""

from __future__ import annotations


class QEError(Exception):
    """Base class of every error raised by lionagi-qe-fleet."""


class ConfigurationError(QEError, ValueError):
    """A setting (environment variable or argument) is missing or invalid."""


class StorageError(QEError):
    """A memory backend could not complete an operation."""


class StorageConnectionError(StorageError, ConnectionError):
    """The storage server cannot be reached, or the backend is not connected."""


class PoolExhaustedError(StorageConnectionError, TimeoutError):
    """Every pooled connection stayed busy past the connection timeout."""


class SerializationError(QEError, TypeError):
    """A value cannot be stored as JSON (or is too large to store)."""


class KeyValidationError(QEError, ValueError):
    """A memory key, pattern or partition name is not acceptable."""


class AgentError(QEError):
    """An agent is unknown, misconfigured or failed its task."""


class TargetProjectError(QEError):
    """The project given to `aqe run` cannot be analysed as it is."""


class ModelCallError(QEError):
    """A model was not asked, or did not answer usably (timeout, connection, budget spent, endpoint stopped)."""


class ToolError(QEError):
    """An external tool an engine runs (Bandit, pip-audit, ...) failed."""


class ToolMissingError(ToolError):
    """An external tool an engine needs is not installed where aqe looks for it."""


class GitRefError(TargetProjectError):
    """`--diff BASE` cannot be used: no git repository, or BASE names no commit."""


class EmbeddedServerError(StorageConnectionError):
    """The embedded PostgreSQL server of embedded mode cannot be started, shared or stopped."""


class WorkerError(QEError):
    """A worker could not run a job: it cannot see the project, a checkout failed, the job process died."""
