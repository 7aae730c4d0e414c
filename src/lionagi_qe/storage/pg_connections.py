"""Connections of the PostgreSQL backend: the pool, retries, bounds and clear errors.

    conns = PgConnections(config, configure=setup_types)
    first = await conns.connect_direct()    # fails within connection_timeout, naming host:port
    await conns.open_pool()
    version = await conns.run(write_once, what="store a value")
    await conns.close()

`run(op)` hands `op(conn, retrying)` a connection in autocommit mode. When the
connection is lost mid-call (server restart, network cut) or stays silent past
its answer deadline, another one is taken and `op` is called again with
`retrying=True`, until `connection_timeout` has passed since the first loss;
writes use the flag to look up whether their first attempt committed before
doing it again. Every bound (connect, statement, lock wait, silence) is set
by `pg_settings.ConnectionSettings` from `connection_timeout`.

Connections come from a psycopg_pool `AsyncConnectionPool`, through a
`HoldAside` that checks them and keeps the one just used for the next call
(see pg_hold_aside). Retries and reconnections are logged on
`lionagi_qe.storage.pg_connections`, naming the server as host:port/database
and never the password. No message carries driver text before every form of
the password was scrubbed from it, and no error raised here links to the
driver's exception (`__context__` is empty).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, Generic, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from lionagi_qe.config import StorageConfig
from lionagi_qe.config.database_url import password_forms
from lionagi_qe.errors import ConfigurationError, PoolExhaustedError, StorageConnectionError, StorageError
from lionagi_qe.storage.pg_hold_aside import HOLD_MAX_SECONDS, HoldAside
from lionagi_qe.storage.pg_patient_connection import patient_connection_class
from lionagi_qe.storage.pg_settings import ConnectionSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[psycopg.AsyncConnection[Any], bool], Awaitable[T]]
Configure = Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]

_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin shutdown, crash shutdown, starting up
_LOCK_TIMEOUT, _STATEMENT_CANCELLED = "55P03", "57014"
_RETRY_PAUSE = 0.05
_DRIVER_SECRETS = (  # what driver text could hold of a URL the validation missed: scrubbed all the same
    (re.compile(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)"), r"\1***"),
    (re.compile(r"(?i)(percent-encoded \w+:?\s*)(\"[^\"]*\"|\S+)"), r"\1***"),
    (re.compile(r"(://[^:/?#\s@]*:)[^@\s]*(@)"), r"\1***\2"),
)


def connection_lost(exc: psycopg.OperationalError) -> bool:
    """True if `exc` means the connection itself failed, rather than the statement."""
    if isinstance(exc, PoolTimeout):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _LOST_SQLSTATES


class _Lost(Generic[T]):
    """What one attempt gives when its connection was lost: why, for the log and the final error."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class PgConnections:
    """The pool of one `PostgresMemory`, with retry, bounds and error mapping (see module doc)."""

    def __init__(self, config: StorageConfig, configure: Configure) -> None:
        if config.database_url is None:
            raise ConfigurationError(
                "PostgresMemory needs a PostgreSQL URL: set DATABASE_URL or use "
                "StorageConfig.for_production('postgresql://user:password@host:5432/db')"
            )
        self.config = config
        self.url = config.database_url.get_secret_value()
        self.timeout = config.connection_timeout
        self.target = config.location
        self.settings = ConnectionSettings.from_config(config)
        self._secrets = sorted(password_forms(self.url), key=len, reverse=True)
        self._kwargs = self.settings.connect_kwargs()
        self._configure = configure
        self.pool: AsyncConnectionPool[Any] | None = None
        self._held: HoldAside | None = None

    def __repr__(self) -> str:
        return f"<PgConnections {self.target} open={self.pool is not None}>"

    # -- opening and closing -----------------------------------------------

    async def connect_direct(self) -> psycopg.AsyncConnection[Any]:
        """A connection outside the pool (autocommit), or a `StorageConnectionError` within the timeout."""
        error: StorageConnectionError | None = None
        try:
            conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(self.url, **self._kwargs), self.timeout)
        except asyncio.TimeoutError:
            error = self._unreachable("no answer")
        except psycopg.Error as exc:
            error = self._unreachable(self.reason(exc))
        if error is not None:
            raise error
        if len(self.settings.hosts) > 1:  # later connections try the host that answered first
            self._kwargs = self.settings.connect_kwargs(first=(conn.info.host, str(conn.info.port)))
        await self._configure(conn)
        return conn

    async def open_pool(self) -> None:
        """Open the pool and wait for its `min_connections`."""
        config = self.config
        self.pool = AsyncConnectionPool(
            self.url,
            open=False,
            min_size=config.min_connections,
            max_size=config.max_connections,
            timeout=config.connection_timeout,
            max_lifetime=config.pool_recycle,
            connection_class=patient_connection_class(self.timeout, lambda: self.pool is None),
            configure=self._configure,
            kwargs=self._kwargs,
            name=f"aqe:{config.db_schema}",
        )
        opened = True
        try:
            await self.pool.open(wait=True, timeout=self.timeout)
        except PoolTimeout:
            opened = False
        if not opened:
            pool, self.pool = self.pool, None
            await pool.close()
            raise StorageConnectionError(
                f"reached PostgreSQL at {self.target} but could not open the pool's "
                f"{config.min_connections} minimum connections within {self.timeout:g}s; "
                "lower DB_POOL_SIZE or raise the server's max_connections"
            )
        self._held = HoldAside(
            self.pool, target=self.target, max_out_seconds=min(HOLD_MAX_SECONDS, config.pool_recycle)
        )

    async def close(self) -> None:
        """Return the connections held aside and close the pool; idempotent."""
        pool, self.pool = self.pool, None
        held, self._held = self._held, None
        if held is not None:
            await held.close()
        if pool is not None:
            await pool.close()

    def stats(self) -> dict[str, int]:
        """Pool figures: min, max, size (open), available (idle), waiting (callers queued)."""
        if self.pool is None:
            return {
                "min": self.config.min_connections,
                "max": self.config.max_connections,
                "size": 0,
                "available": 0,
                "waiting": 0,
            }
        stats = self.pool.get_stats()
        return {
            "min": stats["pool_min"],
            "max": stats["pool_max"],
            "size": stats["pool_size"],
            "available": stats["pool_available"] + len(self._held or ()),
            "waiting": stats["requests_waiting"],
        }

    # -- running statements ------------------------------------------------

    async def run(self, op: Operation[T], *, what: str) -> T:
        """Run `op(conn, retrying)`, again on a new connection if this one is lost (see module doc)."""
        attempts = 0
        deadline: float | None = None  # set by the first lost connection: retries stop there
        while True:
            outcome = await self._attempt(op, what, deadline)
            if not isinstance(outcome, _Lost):
                if attempts:
                    log.info(
                        "reconnected to PostgreSQL at %s: %s went through on retry %d", self.target, what, attempts
                    )
                return outcome
            if deadline is None:
                deadline = monotonic() + self.timeout
                log.warning(
                    "lost the connection to PostgreSQL at %s while trying to %s (%s); "
                    "retrying on another connection for up to %gs",
                    self.target,
                    what,
                    outcome.reason,
                    self.timeout,
                )
            else:
                log.debug("retry %d to %s failed: %s", attempts, what, outcome.reason)
            attempts += 1
            if monotonic() >= deadline:
                raise StorageConnectionError(
                    f"lost the connection to PostgreSQL at {self.target} while trying to {what} "
                    f"and could not get it back within {self.timeout:g}s ({outcome.reason}); if that "
                    "was a write it may or may not have been applied, so read the key back before "
                    "writing again; calls succeed again once the server is back"
                )
            await asyncio.sleep(_RETRY_PAUSE)

    async def _attempt(self, op: Operation[T], what: str, deadline: float | None) -> T | _Lost[T]:
        """One try of `op` on one connection: its result, or `_Lost` if the connection failed or went silent."""
        held = self._held
        if held is None:
            raise not_connected()
        retrying = deadline is not None
        error: StorageError | None = None
        try:
            conn = await held.getconn(None if deadline is None else max(0.001, deadline - monotonic()))
        except PoolTimeout:
            error = self._no_connection(what, retrying)
        except PoolClosed:
            error = not_connected()
        if error is not None:
            raise error
        within = self.settings.answer_deadline
        if deadline is not None:
            within = max(0.001, min(within, deadline - monotonic()))
        held.deadlines.arm(conn, within)
        lost: str | None = None
        try:
            return await op(conn, retrying)
        except psycopg.OperationalError as exc:
            if held.deadlines.disarm(conn):
                lost = f"no answer for {within:g}s"
            elif connection_lost(exc):
                lost = self.reason(exc)
            else:
                error = self.rejected(exc, what)
        except psycopg.Error as exc:
            error = self.rejected(exc, what)
        finally:
            held.deadlines.disarm(conn)
            await held.putconn(conn)
        if error is not None:
            raise error
        return _Lost(lost or "connection lost")

    # -- errors ------------------------------------------------------------

    def reason(self, exc: BaseException) -> str:
        """A one-line cause from a driver error, with every form of the password removed."""
        text = re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__
        text = text.removeprefix("connection failed: ")
        return self.scrub(text)[:300]

    def scrub(self, text: str) -> str:
        """`text` without the password, in any spelling, nor anything that looks like one."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        for pattern, replacement in _DRIVER_SECRETS:
            text = pattern.sub(replacement, text)
        return text

    def rejected(self, exc: psycopg.Error, what: str) -> StorageError:
        """The project's error for a statement PostgreSQL refused."""
        state = exc.sqlstate
        if state == _LOCK_TIMEOUT:
            return StorageError(
                f"PostgreSQL at {self.target} could not {what}: it waited for a lock held by another connection "
                f"for over {self.timeout:g}s (lock_timeout, set from DB_CONNECTION_TIMEOUT); find the holder "
                "in pg_locks and pg_stat_activity, or raise DB_CONNECTION_TIMEOUT [SQLSTATE 55P03]"
            )
        diag = exc.diag
        cause = self.scrub(diag.message_primary or "") or self.reason(exc)
        if state == _STATEMENT_CANCELLED:
            return StorageError(
                f"PostgreSQL at {self.target} cancelled the statement to {what} ({cause}); statements may run "
                f"for at most {self.timeout:g}s (statement_timeout, set from DB_CONNECTION_TIMEOUT) [SQLSTATE 57014]"
            )
        hint = f"; {self.scrub(diag.message_hint)}" if diag.message_hint else ""
        tag = f" [SQLSTATE {state}]" if state else ""
        return StorageError(f"PostgreSQL at {self.target} refused to {what}: {cause}{hint}{tag}")

    def _unreachable(self, reason: str) -> StorageConnectionError:
        return StorageConnectionError(
            f"cannot connect to PostgreSQL at {self.target} within {self.timeout:g}s; check that the server is "
            "running and reachable there, and that DATABASE_URL names the right host, port, user and database "
            f"(DB_CONNECTION_TIMEOUT sets how long to wait). The driver said: {reason}"
        )

    def _no_connection(self, what: str, retrying: bool) -> StorageConnectionError:
        stats = self.stats()
        if not retrying and stats["size"] >= stats["max"] and stats["available"] == 0:
            return PoolExhaustedError(
                f"all {stats['max']} pooled connections to PostgreSQL at {self.target} stayed busy for "
                f"{self.timeout:g}s, so could not {what} ({stats['waiting']} calls waiting); raise "
                "DB_POOL_SIZE / DB_POOL_MAX_OVERFLOW (max_connections), or run fewer calls at once"
            )
        return StorageConnectionError(
            f"could not get a connection to PostgreSQL at {self.target} within {self.timeout:g}s to {what}: "
            "the server is not answering; check that it is up and reachable (calls succeed again once it is back)"
        )


def not_connected() -> StorageConnectionError:
    """The error for a backend used before `connect()` or after `disconnect()`."""
    return StorageConnectionError(
        "PostgresMemory is not connected; call `await orchestrator.connect()` "
        "(or `await memory.connect()`) before using production memory"
    )
