"""Storage mode and settings: the environment becomes one validated, immutable value.

    config = StorageConfig.from_environment()      # AQE_STORAGE_MODE > ENVIRONMENT > NODE_ENV
    config = StorageConfig.for_testing()
    config = StorageConfig.for_production("postgresql://qe@db:5432/qe", max_connections=50)
    print(config.get_description())                # never shows the password

Bad input raises `ConfigurationError` naming the variable or argument and the
values it accepts.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

from lionagi_qe.errors import ConfigurationError

MODE_VARIABLES = ("AQE_STORAGE_MODE", "ENVIRONMENT", "NODE_ENV")
STORAGE_VARIABLES = (
    *MODE_VARIABLES,
    "DATABASE_URL",
    "DB_POOL_SIZE",
    "DB_POOL_MAX_OVERFLOW",
    "DB_CONNECTION_TIMEOUT",
    "DB_POOL_RECYCLE",
    "AQE_DB_SCHEMA",
)
"""Every variable `StorageConfig.from_environment` reads."""
DEFAULT_MIN_CONNECTIONS = 5
DEFAULT_MAX_OVERFLOW = 20
DEFAULT_CONNECTION_TIMEOUT = 30.0
DEFAULT_POOL_RECYCLE = 3600.0
DEFAULT_DB_SCHEMA = "aqe"
_URL_SCHEMES = ("postgresql", "postgres")
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class StorageMode(str, Enum):
    """Where shared memory lives: in process (DEV, TEST) or in PostgreSQL (PROD)."""

    DEV = "development"
    TEST = "testing"
    PROD = "production"

    @classmethod
    def parse(cls, value: str | StorageMode, source: str = "mode") -> StorageMode:
        """Parse a mode name case-insensitively: dev/development/local, test/testing/ci, prod/production/live."""
        if isinstance(value, StorageMode):
            return value
        if isinstance(value, str):
            found = _MODE_ALIASES.get(value.strip().lower())
            if found is not None:
                return found
        raise ConfigurationError(
            f"{source}={value!r} is not a storage mode; use one of "
            f"{', '.join(sorted(_MODE_ALIASES))} (case-insensitive)"
        )


_MODE_ALIASES = {
    **dict.fromkeys(("dev", "development", "develop", "local"), StorageMode.DEV),
    **dict.fromkeys(("test", "testing", "ci"), StorageMode.TEST),
    **dict.fromkeys(("prod", "production", "live"), StorageMode.PROD),
}


def redact_url(url: str) -> str:
    """Return `url` with its password (in the user part or the query) replaced by '***'."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if "@" in parts.netloc:
        userinfo, _, hostinfo = parts.netloc.rpartition("@")
        if ":" in userinfo:
            parts = parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{hostinfo}")
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return parts._replace(query=query).geturl()


def _validate_url(url: object, source: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(
            "production mode needs a PostgreSQL URL: set DATABASE_URL or pass database_url=, "
            "for example postgresql://user:password@localhost:5432/dbname"
        )
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigurationError(
            f"{source} is not a valid URL (check the host and port); "
            "use postgresql://user:password@host:5432/dbname"
        ) from None
    if parts.scheme not in _URL_SCHEMES:
        hint = " (drop the '+driver' part)" if parts.scheme.startswith("postgresql+") else ""
        raise ConfigurationError(
            f"{source} must be a PostgreSQL URL starting with postgresql:// or postgres://, "
            f"got scheme {parts.scheme or 'none'!r}{hint}"
        )
    return url


def _whole_number(value: object, source: str, minimum: int) -> int:
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{source} must be a whole number >= {minimum}, got {value!r}")
    return value


def _seconds(value: object, source: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{source} must be a positive number of seconds, got {value!r}")
    return float(value)


class StorageConfig(BaseModel):
    """Validated storage settings; build it with a `for_*` or `from_environment` constructor."""

    model_config = ConfigDict(frozen=True)

    mode: StorageMode = StorageMode.DEV
    database_url: str | None = None
    min_connections: int = DEFAULT_MIN_CONNECTIONS
    max_connections: int = DEFAULT_MIN_CONNECTIONS + DEFAULT_MAX_OVERFLOW
    connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT
    pool_recycle: float = DEFAULT_POOL_RECYCLE
    db_schema: str = DEFAULT_DB_SCHEMA

    def __init__(
        self,
        mode: StorageMode | str = StorageMode.DEV,
        database_url: str | None = None,
        min_connections: int = DEFAULT_MIN_CONNECTIONS,
        max_connections: int = DEFAULT_MIN_CONNECTIONS + DEFAULT_MAX_OVERFLOW,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        pool_recycle: float = DEFAULT_POOL_RECYCLE,
        db_schema: str = DEFAULT_DB_SCHEMA,
        *,
        _sources: Mapping[str, str] | None = None,
    ) -> None:
        src = {
            "mode": "mode",
            "database_url": "database_url",
            "min_connections": "min_connections",
            "max_connections": "max_connections",
            "connection_timeout": "connection_timeout",
            "pool_recycle": "pool_recycle",
            "db_schema": "db_schema",
            **(_sources or {}),
        }
        mode = StorageMode.parse(mode, src["mode"])
        if mode is StorageMode.PROD:
            database_url = _validate_url(database_url, src["database_url"])
        elif database_url is not None:
            database_url = _validate_url(database_url, src["database_url"])
        min_connections = _whole_number(min_connections, src["min_connections"], 0)
        max_connections = _whole_number(max_connections, src["max_connections"], 1)
        if min_connections > max_connections:
            raise ConfigurationError(
                f"{src['min_connections']}={min_connections} is more than "
                f"{src['max_connections']}={max_connections}; the minimum pool size "
                "cannot exceed the maximum"
            )
        if not isinstance(db_schema, str) or not _SCHEMA_NAME.fullmatch(db_schema):
            raise ConfigurationError(
                f"{src['db_schema']}={db_schema!r} is not a schema name; use letters, digits "
                "and underscores, starting with a letter or underscore (at most 63)"
            )
        super().__init__(
            mode=mode,
            database_url=database_url,
            min_connections=min_connections,
            max_connections=max_connections,
            connection_timeout=_seconds(connection_timeout, src["connection_timeout"]),
            pool_recycle=_seconds(pool_recycle, src["pool_recycle"]),
            db_schema=db_schema,
        )

    # -- constructors ------------------------------------------------------

    @classmethod
    def for_development(cls) -> StorageConfig:
        """In-process memory bound to the orchestrator's Session; no setup."""
        return cls(mode=StorageMode.DEV)

    @classmethod
    def for_testing(cls) -> StorageConfig:
        """In-process memory, isolated per orchestrator; for unit tests and CI."""
        return cls(mode=StorageMode.TEST)

    @classmethod
    def for_production(
        cls,
        database_url: str,
        min_connections: int = DEFAULT_MIN_CONNECTIONS,
        max_connections: int = DEFAULT_MIN_CONNECTIONS + DEFAULT_MAX_OVERFLOW,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        pool_recycle: float = DEFAULT_POOL_RECYCLE,
        db_schema: str = DEFAULT_DB_SCHEMA,
    ) -> StorageConfig:
        """PostgreSQL at `database_url` with the given pool settings."""
        return cls(
            mode=StorageMode.PROD,
            database_url=database_url,
            min_connections=min_connections,
            max_connections=max_connections,
            connection_timeout=connection_timeout,
            pool_recycle=pool_recycle,
            db_schema=db_schema,
        )

    @classmethod
    def detect_mode(cls, env: Mapping[str, str] | None = None) -> tuple[StorageMode, str | None]:
        """Return the mode and the variable it came from (None: the default)."""
        env = os.environ if env is None else env
        for name in MODE_VARIABLES:
            raw = env.get(name, "").strip()
            if raw:
                return StorageMode.parse(raw, name), name
        return StorageMode.DEV, None

    @classmethod
    def from_environment(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        mode: StorageMode | str | None = None,
        database_url: str | None = None,
    ) -> StorageConfig:
        """Read the mode and, in production, DATABASE_URL and the DB_POOL_* variables.

        `mode` and `database_url`, when given, take precedence over the environment.
        """
        env = os.environ if env is None else env
        sources: dict[str, str] = {}
        if mode is None:
            mode, variable = cls.detect_mode(env)
            sources["mode"] = variable or "mode"
        mode = StorageMode.parse(mode)
        if mode is not StorageMode.PROD:
            return cls(mode=mode, _sources=sources)
        if database_url is None:
            database_url = env.get("DATABASE_URL")
            sources["database_url"] = "DATABASE_URL"
        size = _whole_number(env.get("DB_POOL_SIZE", DEFAULT_MIN_CONNECTIONS), "DB_POOL_SIZE", 0)
        overflow = _whole_number(env.get("DB_POOL_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW), "DB_POOL_MAX_OVERFLOW", 0)
        if size + overflow < 1:
            raise ConfigurationError(
                "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW must allow at least one connection; raise DB_POOL_MAX_OVERFLOW"
            )
        sources.update(
            connection_timeout="DB_CONNECTION_TIMEOUT",
            pool_recycle="DB_POOL_RECYCLE",
            db_schema="AQE_DB_SCHEMA",
        )
        return cls(
            mode=mode,
            database_url=database_url,
            min_connections=size,
            max_connections=size + overflow,
            connection_timeout=env.get("DB_CONNECTION_TIMEOUT", DEFAULT_CONNECTION_TIMEOUT),
            pool_recycle=env.get("DB_POOL_RECYCLE", DEFAULT_POOL_RECYCLE),
            db_schema=env.get("AQE_DB_SCHEMA", DEFAULT_DB_SCHEMA),
            _sources=sources,
        )

    # -- reading -----------------------------------------------------------

    @property
    def safe_database_url(self) -> str | None:
        """The database URL with its password masked, for display."""
        return None if self.database_url is None else redact_url(self.database_url)

    def get_description(self) -> str:
        """One human sentence describing the mode and backend (no password)."""
        if self.mode is StorageMode.DEV:
            return "Development mode: in-process memory bound to the orchestrator's LionAGI Session (zero setup, not persistent)"
        if self.mode is StorageMode.TEST:
            return "Testing mode: in-process memory isolated per orchestrator (fast, independent tests, not persistent)"
        return (
            f"Production mode: PostgreSQL at {self.location} (schema {self.db_schema}), "
            f"pool {self.min_connections}-{self.max_connections} connections, "
            f"timeout {self.connection_timeout:g}s, recycle {self.pool_recycle:g}s (durable, shared)"
        )

    @property
    def location(self) -> str:
        """`host:port/database` of the database URL, with libpq's defaults; never the password."""
        parts = urlsplit(self.database_url or "")
        query = parse_qs(parts.query)
        host = parts.hostname or query.get("host", ["localhost"])[0]
        port = parts.port or query.get("port", ["5432"])[0]
        database = parts.path.lstrip("/") or query.get("dbname", [parts.username or "postgres"])[0]
        return f"{host}:{port}/{database}"

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, (self.safe_database_url if name == "database_url" else value)

    def __str__(self) -> str:
        return self.get_description()
