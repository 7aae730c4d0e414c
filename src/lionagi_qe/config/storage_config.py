"""Storage mode and settings: the environment becomes one validated, immutable value.

    config = StorageConfig.from_environment()      # AQE_STORAGE_MODE > ENVIRONMENT > NODE_ENV
    config = StorageConfig.for_testing()
    config = StorageConfig.for_production("postgresql://qe@db:5432/qe", max_connections=50)
    config = StorageConfig.for_embedded()          # PostgreSQL started on demand, data in a per-user folder
    config = StorageConfig.for_production(pooled_url, pooler="transaction", direct_url=direct_url)  # PgBouncer
    print(config.get_description())                # never shows the password
    url = config.database_url.get_secret_value()   # the URL itself, for the driver only

Bad input raises `ConfigurationError` naming the variable or argument and the
fix, never pydantic's `ValidationError`. The URL is a `SecretStr`: `repr`,
`str`, `model_dump()` and `model_dump_json()` show it masked.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from lionagi_qe.config.database_url import check_database_url, redact_url, server_location
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
    "AQE_EMBEDDED_DATA",
    "AQE_DB_POOLER",
    "AQE_DB_DIRECT_URL",
)
"""Every variable `StorageConfig.from_environment` reads."""
DEFAULT_MIN_CONNECTIONS = 5
DEFAULT_MAX_OVERFLOW = 20
DEFAULT_CONNECTION_TIMEOUT = 30.0
DEFAULT_POOL_RECYCLE = 3600.0
DEFAULT_DB_SCHEMA = "aqe"
EMBEDDED_MIN_CONNECTIONS = 1
EMBEDDED_MAX_CONNECTIONS = 10
MAX_POOL_CONNECTIONS = 1000
"""Most connections one pool may open (DB_POOL_SIZE, DB_POOL_MAX_OVERFLOW and their sum)."""
CONNECTION_TIMEOUT_RANGE = (1.0, 3600.0)
"""DB_CONNECTION_TIMEOUT, seconds: below 1 s no connection across a network succeeds."""
POOL_RECYCLE_RANGE = (1.0, 365 * 86400.0)
"""DB_POOL_RECYCLE, seconds: up to a year."""
T = TypeVar("T")
_ENVIRONMENT_FIELDS = {
    "connection_timeout": "DB_CONNECTION_TIMEOUT",
    "pool_recycle": "DB_POOL_RECYCLE",
    "db_schema": "AQE_DB_SCHEMA",
    "pooler": "AQE_DB_POOLER",
    "direct_url": "AQE_DB_DIRECT_URL",
}
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class StorageMode(str, Enum):
    """Where shared memory lives: in process (DEV, TEST) or in PostgreSQL (PROD)."""

    DEV = "development"
    TEST = "testing"
    PROD = "production"
    EMBEDDED = "embedded"

    @classmethod
    def parse(cls, value: object, source: str = "mode") -> StorageMode:
        """Parse a mode name case-insensitively: dev/development/local, test/testing/ci, prod/production/live."""
        if isinstance(value, StorageMode):
            return value
        if isinstance(value, str):
            found = _MODE_ALIASES.get(value.strip().lower())
            if found is not None:
                return found
        raise ConfigurationError(
            f"{source}={_shown(value)} is not a storage mode; use one of "
            f"{', '.join(sorted(_MODE_ALIASES))} (case-insensitive)"
        )


_MODE_ALIASES = {
    **dict.fromkeys(("dev", "development", "develop", "local"), StorageMode.DEV),
    **dict.fromkeys(("test", "testing", "ci"), StorageMode.TEST),
    **dict.fromkeys(("prod", "production", "live"), StorageMode.PROD),
    "embedded": StorageMode.EMBEDDED,
}


class PoolerMode(str, Enum):
    """What stands between this process and PostgreSQL: nothing, or a pooler in session or transaction mode.

    Behind a transaction pooler (PgBouncer `pool_mode = transaction`, the pooled URL
    of managed services) consecutive transactions may run on different server
    connections, so no server-side prepared statements are used.
    """

    NONE = "none"
    SESSION = "session"
    TRANSACTION = "transaction"

    @classmethod
    def parse(cls, value: object, source: str = "pooler") -> PoolerMode:
        """Parse `none`, `session` or `transaction` case-insensitively."""
        if isinstance(value, PoolerMode):
            return value
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return cls(value.strip().lower() or "none")
        raise ConfigurationError(
            f"{source}={_shown(value)} is not a pooler mode; use none, session or transaction "
            "(transaction for PgBouncer pool_mode = transaction or a managed service's pooled URL)"
        )


def _shown(value: object) -> str:
    """`repr(value)` for a message, with the password masked if the value is a URL set in the wrong place."""
    return repr(redact_url(value)) if isinstance(value, str) and "://" in value else repr(value)


def _validate_url(url: object, source: str) -> str:
    if isinstance(url, SecretStr):
        url = url.get_secret_value()
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(
            "production mode needs a PostgreSQL URL: set DATABASE_URL or pass database_url=, "
            "for example postgresql://user:password@localhost:5432/dbname"
        )
    return check_database_url(url.strip(), source)


def default_embedded_data() -> Path:
    """The per-user folder of embedded mode: e.g. ~/.local/share/lionagi-qe/embedded on Linux."""
    return platformdirs.user_data_path("lionagi-qe", appauthor=False) / "embedded"


def embedded_data_folder(value: object, mode: object, source: str) -> Path | None:
    """The absolute data folder of embedded mode (`value`, or the default); None in the other modes."""
    if mode is not StorageMode.EMBEDDED:
        if value is None:
            return None
        raise ConfigurationError(f"{source} is a setting of embedded mode only; drop it or use mode='embedded'")
    if value is None:
        return default_embedded_data()
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ConfigurationError(f"{source}={_shown(value)} is not a folder; give a path such as ~/aqe-data")
    return Path(value.strip()).expanduser().absolute()


def _whole_number(value: object, source: str, minimum: int, maximum: int = MAX_POOL_CONNECTIONS) -> int:
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigurationError(
            f"{source} must be a whole number >= {minimum} and <= {maximum}, got {_shown(value)}"
        )
    return value


def _seconds(value: object, source: str, bounds: tuple[float, float]) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    low, high = bounds
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ConfigurationError(
            f"{source} must be a positive number of seconds, from {low:g} to {high:g}, got {_shown(value)}"
        )
    return float(value)


def _source(info: ValidationInfo) -> str:
    """What the user set for the field being validated: an environment variable, else the argument's name."""
    field = info.field_name or "value"
    variables: Mapping[str, str] = (info.context or {}).get("variables", {})
    return variables.get(field, field)


def _validated(build: Callable[[], T]) -> T:
    """`build()`, with pydantic's `ValidationError` turned into one `ConfigurationError`.

    The error is raised outside the `except` block, so neither its `__context__` nor its
    traceback carries pydantic's error, whose text holds the input (the URL and its password).
    """
    try:
        return build()
    except ValidationError as exc:
        message = _describe(exc)
    raise ConfigurationError(message) from None


def _describe(exc: ValidationError) -> str:
    """One message for every error of `exc`, built without the input values."""
    messages = []
    for error in exc.errors(include_url=False, include_input=False):
        cause = error.get("ctx", {}).get("error")
        where = ".".join(str(part) for part in error["loc"])
        if isinstance(cause, ConfigurationError):
            messages.append(str(cause))
        elif error["type"] == "extra_forbidden":
            messages.append(f"{where} is not a StorageConfig setting; use {', '.join(StorageConfig.model_fields)}")
        elif error["type"] == "frozen_instance":
            messages.append(f"StorageConfig is frozen: build a new one instead of setting {where}")
        else:
            messages.append(f"{where or 'StorageConfig'}: {error['msg']}")
    return "; ".join(messages)


class StorageConfig(BaseModel):
    """Validated storage settings; build it with a `for_*` or `from_environment` constructor.

    `StorageConfig(mode=StorageMode.PROD, database_url="postgresql://...", min_connections=10)`
    works too; `model_validate(data, context={"variables": {"min_connections": "DB_POOL_SIZE"}})`
    names the environment variable a field came from in its error messages.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: StorageMode = StorageMode.DEV
    database_url: SecretStr | None = Field(default=None, validate_default=True)
    min_connections: int = DEFAULT_MIN_CONNECTIONS
    max_connections: int = DEFAULT_MIN_CONNECTIONS + DEFAULT_MAX_OVERFLOW
    connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT
    pool_recycle: float = DEFAULT_POOL_RECYCLE
    db_schema: str = DEFAULT_DB_SCHEMA
    embedded_data: Path | None = Field(default=None, validate_default=True)
    pooler: PoolerMode = PoolerMode.NONE
    direct_url: SecretStr | None = None

    def __init__(self, **settings: Any) -> None:
        _validated(lambda: BaseModel.__init__(self, **settings))

    # Only wraps pydantic's own __init__: marked as such, `model_validate` keeps validating
    # directly (with its context) instead of calling this method.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        """Pydantic's `model_validate`, raising `ConfigurationError` instead of `ValidationError`."""
        validate = super().model_validate
        return _validated(lambda: validate(obj, **options))

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        """Pydantic's `model_validate_json`, raising `ConfigurationError` instead of `ValidationError`."""
        validate = super().model_validate_json
        return _validated(lambda: validate(json_data, **options))

    def __setattr__(self, name: str, value: Any) -> None:
        _validated(lambda: BaseModel.__setattr__(self, name, value))

    # -- validation --------------------------------------------------------

    @field_validator("mode", mode="before")
    @classmethod
    def _parse_mode(cls, value: object, info: ValidationInfo) -> StorageMode:
        return StorageMode.parse(value, _source(info))

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_url(cls, value: object, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("mode") is not StorageMode.PROD:
            return None
        return _validate_url(value, _source(info))

    @field_validator("pooler", mode="before")
    @classmethod
    def _parse_pooler(cls, value: object, info: ValidationInfo) -> PoolerMode:
        return PoolerMode.parse(value, _source(info))

    @field_validator("direct_url", mode="before")
    @classmethod
    def _check_direct_url(cls, value: object, info: ValidationInfo) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _validate_url(value, _source(info))

    @field_validator("min_connections", mode="before")
    @classmethod
    def _check_min(cls, value: object, info: ValidationInfo) -> int:
        return _whole_number(value, _source(info), 0)

    @field_validator("max_connections", mode="before")
    @classmethod
    def _check_max(cls, value: object, info: ValidationInfo) -> int:
        return _whole_number(value, _source(info), 1)

    @field_validator("connection_timeout", mode="before")
    @classmethod
    def _check_timeout(cls, value: object, info: ValidationInfo) -> float:
        return _seconds(value, _source(info), CONNECTION_TIMEOUT_RANGE)

    @field_validator("pool_recycle", mode="before")
    @classmethod
    def _check_recycle(cls, value: object, info: ValidationInfo) -> float:
        return _seconds(value, _source(info), POOL_RECYCLE_RANGE)

    @field_validator("db_schema", mode="before")
    @classmethod
    def _check_schema(cls, value: object, info: ValidationInfo) -> str:
        if not isinstance(value, str) or not _SCHEMA_NAME.fullmatch(value):
            raise ConfigurationError(
                f"{_source(info)}={_shown(value)} is not a schema name; use letters, digits "
                "and underscores, starting with a letter or underscore (at most 63)"
            )
        return value

    @field_validator("embedded_data", mode="before")
    @classmethod
    def _check_embedded_data(cls, value: object, info: ValidationInfo) -> Path | None:
        return embedded_data_folder(value, info.data.get("mode"), _source(info))

    @model_validator(mode="after")
    def _check_embedded_url(self) -> Self:
        if self.mode is StorageMode.EMBEDDED and self.database_url is not None:
            raise ConfigurationError(
                "embedded mode runs its own PostgreSQL server: drop database_url (DATABASE_URL), "
                "or use production mode to connect to a server of yours"
            )
        return self

    @model_validator(mode="after")
    def _check_pool_bounds(self, info: ValidationInfo) -> Self:
        if self.min_connections > self.max_connections:
            variables: Mapping[str, str] = (info.context or {}).get("variables", {})
            low = variables.get("min_connections", "min_connections")
            high = variables.get("max_connections", "max_connections")
            raise ConfigurationError(
                f"{low}={self.min_connections} is more than {high}={self.max_connections}; "
                f"the minimum pool size cannot exceed the maximum: lower {low} or raise {high}"
            )
        return self

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
        pooler: PoolerMode | str = PoolerMode.NONE,
        direct_url: str | None = None,
    ) -> StorageConfig:
        """PostgreSQL at `database_url` with the given pool settings.

        `pooler` names what `database_url` goes through; `direct_url` (default:
        `database_url`) reaches the server itself, for migrations and watches.
        """
        return cls(
            mode=StorageMode.PROD,
            database_url=database_url,
            min_connections=min_connections,
            max_connections=max_connections,
            connection_timeout=connection_timeout,
            pool_recycle=pool_recycle,
            db_schema=db_schema,
            pooler=pooler,
            direct_url=direct_url,
        )

    @classmethod
    def for_embedded(
        cls,
        data_dir: str | Path | None = None,
        min_connections: int = EMBEDDED_MIN_CONNECTIONS,
        max_connections: int = EMBEDDED_MAX_CONNECTIONS,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        db_schema: str = DEFAULT_DB_SCHEMA,
    ) -> StorageConfig:
        """PostgreSQL started on demand on this machine, its data in `data_dir` (default: a per-user folder)."""
        return cls(
            mode=StorageMode.EMBEDDED,
            embedded_data=data_dir,
            min_connections=min_connections,
            max_connections=max_connections,
            connection_timeout=connection_timeout,
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
        if mode is None:
            mode, _ = cls.detect_mode(env)
        mode = StorageMode.parse(mode)
        if mode is StorageMode.EMBEDDED:
            return cls._embedded_from(env, database_url)
        if mode is not StorageMode.PROD:
            return cls(mode=mode)
        data: dict[str, object] = {"mode": mode, "database_url": database_url}
        variables = {
            **_ENVIRONMENT_FIELDS,
            "min_connections": "DB_POOL_SIZE",
            "max_connections": "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW",
        }
        if database_url is None:
            data["database_url"] = env.get("DATABASE_URL")
            variables["database_url"] = "DATABASE_URL"
        size = _whole_number(env.get("DB_POOL_SIZE", DEFAULT_MIN_CONNECTIONS), "DB_POOL_SIZE", 0)
        overflow = _whole_number(env.get("DB_POOL_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW), "DB_POOL_MAX_OVERFLOW", 0)
        if size + overflow < 1:
            raise ConfigurationError(
                "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW must allow at least one connection; raise DB_POOL_MAX_OVERFLOW"
            )
        data.update(min_connections=size, max_connections=size + overflow)
        data.update({field: env[name] for field, name in _ENVIRONMENT_FIELDS.items() if name in env})
        return cls.model_validate(data, context={"variables": variables})

    @classmethod
    def _embedded_from(cls, env: Mapping[str, str], database_url: str | None) -> StorageConfig:
        """Embedded mode reads AQE_EMBEDDED_DATA and AQE_DB_SCHEMA; the pool is sized for one machine."""
        data: dict[str, object] = {
            "mode": StorageMode.EMBEDDED,
            "database_url": database_url,
            "embedded_data": env.get("AQE_EMBEDDED_DATA", "").strip() or None,
            "min_connections": EMBEDDED_MIN_CONNECTIONS,
            "max_connections": EMBEDDED_MAX_CONNECTIONS,
        }
        if "AQE_DB_SCHEMA" in env:
            data["db_schema"] = env["AQE_DB_SCHEMA"]
        variables = {"embedded_data": "AQE_EMBEDDED_DATA", "db_schema": "AQE_DB_SCHEMA"}
        return cls.model_validate(data, context={"variables": variables})

    # -- reading -----------------------------------------------------------

    @property
    def session_url(self) -> SecretStr | None:
        """The URL for what needs one server session: `direct_url`, else `database_url`."""
        return self.direct_url or self.database_url

    @property
    def safe_direct_url(self) -> str | None:
        """The direct URL with its password masked (None when it is `database_url`)."""
        return None if self.direct_url is None else redact_url(self.direct_url.get_secret_value())

    @property
    def safe_database_url(self) -> str | None:
        """The database URL with its password masked, for display."""
        return None if self.database_url is None else redact_url(self.database_url.get_secret_value())

    def get_description(self) -> str:
        """One human sentence describing the mode and backend (no password)."""
        if self.mode is StorageMode.DEV:
            return (
                "Development mode: in-process memory bound to the orchestrator's LionAGI Session "
                "(zero setup, not persistent)"
            )
        if self.mode is StorageMode.TEST:
            return "Testing mode: in-process memory isolated per orchestrator (fast, independent tests, not persistent)"
        if self.mode is StorageMode.EMBEDDED:
            return (
                f"Embedded mode: PostgreSQL started on demand on this machine, data in {self.embedded_data} "
                f"(schema {self.db_schema}), pool {self.min_connections}-{self.max_connections} connections "
                "(durable, shared by the aqe processes of this user)"
            )
        return (
            f"Production mode: PostgreSQL at {self.location} (schema {self.db_schema}), "
            f"pool {self.min_connections}-{self.max_connections} connections, "
            f"timeout {self.connection_timeout:g}s, recycle {self.pool_recycle:g}s"
            + ("" if self.pooler is PoolerMode.NONE else f", through a {self.pooler.value} pooler")
            + " (durable, shared)"
        )

    @property
    def location(self) -> str:
        """`host:port/database` of the database URL (hosts joined by commas), with libpq's defaults; no password."""
        return server_location("" if self.database_url is None else self.database_url.get_secret_value())

    def __str__(self) -> str:
        return self.get_description()
