"""Connections of the PostgreSQL backend: the pool, retries and clear errors.

    conns = PgConnections(config, configure=setup_types)
    first = await conns.connect_direct()    # fails within connection_timeout, naming host:port
    await conns.open_pool()
    version = await conns.run(write_once, what="store a value")
    await conns.close()

`run(op)` hands `op(conn, retrying)` a connection in autocommit mode. When the
connection is lost mid-call (server restart, network cut) another one is
taken and `op` is called again with `retrying=True`, until
`connection_timeout` has passed; writes use the flag to look up whether
their first attempt committed before doing it again.

Connections come from a psycopg_pool `AsyncConnectionPool`, through a
`HoldAside` that keeps the one just used for the next call (see
pg_hold_aside). Retries and reconnections are logged on
`lionagi_qe.storage.pg_connections`, naming the server as host:port/database
and never the password.

Behind a transaction pooler (`StorageConfig.pooler == "transaction"`) no
server-side prepared statements are made (`prepare_threshold=None`): the next
transaction may run on another server connection. If a pooler nobody
configured reveals itself (SQLSTATE 42P05 or 26000), prepared statements are
switched off for good, with one warning, and the call is made again.
`connect_direct()` reaches `config.session_url` (AQE_DB_DIRECT_URL, else
DATABASE_URL): migrations and LISTEN need one server session.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.config.storage_config import url_location
from lionagi_qe.errors import ConfigurationError, PoolExhaustedError, StorageConnectionError, StorageError
from lionagi_qe.storage.pg_hold_aside import HOLD_MAX_SECONDS, HoldAside

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[psycopg.AsyncConnection[Any], bool], Awaitable[T]]
Configure = Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]

_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin shutdown, crash shutdown, starting up
_RETRY_PAUSE = 0.05
_PREPARED_STATEMENT_ERRORS = (psycopg.errors.DuplicatePreparedStatement, psycopg.errors.InvalidSqlStatementName)
_TOO_MANY = re.compile(r"too many clients|too many connections|connection slots are reserved")


def connection_lost(exc: psycopg.OperationalError) -> bool:
    """True if `exc` means the connection itself failed, rather than the statement."""
    if isinstance(exc, PoolTimeout):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _LOST_SQLSTATES


class PgConnections:
    """The pool of one `PostgresMemory`, with retry and error mapping (see module doc)."""

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
        self._secret = self._password(self.url)
        self._kwargs = _connection_kwargs(self.url, config)
        session_url = config.session_url
        self.direct_url = self.url if session_url is None else session_url.get_secret_value()
        self.direct_target = url_location(self.direct_url)
        self._direct_secret = self._password(self.direct_url)
        self._direct_kwargs = _connection_kwargs(self.direct_url, config)
        self.prepared_statements = config.pooler is not PoolerMode.TRANSACTION
        self._configure = configure
        self.pool: AsyncConnectionPool[Any] | None = None
        self._held: HoldAside | None = None

    @staticmethod
    def _password(url: str) -> str | None:
        try:
            return conninfo_to_dict(url).get("password") or None  # type: ignore[return-value]
        except psycopg.ProgrammingError:
            return None

    # -- opening and closing -----------------------------------------------

    async def connect_direct(self) -> psycopg.AsyncConnection[Any]:
        """A connection to the direct URL outside the pool (autocommit), or a `StorageConnectionError`."""
        try:
            conn = await asyncio.wait_for(
                psycopg.AsyncConnection.connect(self.direct_url, **self._direct_kwargs),
                self.timeout,
            )
        except asyncio.TimeoutError:
            raise self._unreachable("no answer") from None
        except psycopg.Error as exc:
            reason = self.reason(exc)
            if _TOO_MANY.search(reason):
                raise self.over_budget(reason) from None
            raise self._unreachable(reason) from None
        await self._configure(conn)
        return conn

    async def _setup(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Configure a new pooled connection, without prepared statements if they are off."""
        if not self.prepared_statements:
            conn.prepare_threshold = None
        await self._configure(conn)

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
            check=AsyncConnectionPool.check_connection,
            configure=self._setup,
            kwargs=self._kwargs,
            name=f"aqe:{config.db_schema}",
        )
        try:
            await self.pool.open(wait=True, timeout=self.timeout)
        except PoolTimeout:
            self.pool = None
            raise StorageConnectionError(
                f"reached PostgreSQL at {self.target} but could not open the pool's "
                f"{config.min_connections} minimum connections within {self.timeout:g}s; "
                "lower DB_POOL_SIZE or raise the server's max_connections"
            ) from None
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
        deadline = 0.0
        replaying = False
        while True:
            held = self._held
            if held is None:
                raise not_connected()
            try:
                conn = await self._getconn(held, deadline if attempts else None)
                if not self.prepared_statements:
                    conn.prepare_threshold = None
                try:
                    result = await op(conn, attempts > 0 or replaying)
                finally:
                    await held.putconn(conn)
            except PoolTimeout:
                raise self._no_connection(what, attempts > 0) from None
            except _PREPARED_STATEMENT_ERRORS as exc:
                if replaying:
                    raise self.rejected(exc, what) from None
                if self.prepared_statements:
                    self._stop_preparing(exc)
                replaying = True  # once per call: calls in flight when preparing stopped fail the same way
            except psycopg.OperationalError as exc:
                if not connection_lost(exc):
                    raise self.rejected(exc, what) from None
                if not attempts:
                    deadline = monotonic() + self.timeout
                    log.warning(
                        "lost the connection to PostgreSQL at %s while trying to %s (%s); "
                        "retrying on another connection for up to %gs",
                        self.target,
                        what,
                        self.reason(exc),
                        self.timeout,
                    )
                else:
                    log.debug("retry %d to %s failed: %s", attempts, what, self.reason(exc))
                attempts += 1
                if monotonic() >= deadline:
                    raise StorageConnectionError(
                        f"lost the connection to PostgreSQL at {self.target} while trying to {what} "
                        f"and could not get it back within {self.timeout:g}s ({self.reason(exc)}); if that "
                        "was a write it may or may not have been applied, so read the key back before "
                        "writing again; calls succeed again once the server is back"
                    ) from None
                await asyncio.sleep(_RETRY_PAUSE)
            except psycopg.Error as exc:
                raise self.rejected(exc, what) from None
            else:
                if attempts:
                    log.info(
                        "reconnected to PostgreSQL at %s: %s went through on retry %d", self.target, what, attempts
                    )
                return result

    def _stop_preparing(self, exc: psycopg.Error) -> None:
        self.prepared_statements = False
        log.warning(
            "PostgreSQL at %s lost a prepared statement (%s [SQLSTATE %s]): a transaction pooler such as "
            "PgBouncer stands in front of it; no longer preparing statements. Set AQE_DB_POOLER=transaction "
            "to start that way",
            self.target,
            self.reason(exc),
            exc.sqlstate,
        )

    @staticmethod
    async def _getconn(held: HoldAside, deadline: float | None) -> psycopg.AsyncConnection[Any]:
        timeout = None if deadline is None else max(0.001, deadline - monotonic())
        try:
            return await held.getconn(timeout)
        except PoolClosed:
            raise not_connected() from None

    # -- errors ------------------------------------------------------------

    def reason(self, exc: BaseException) -> str:
        """A one-line cause from a driver error, with any password masked."""
        text = re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__
        text = text.removeprefix("connection failed: ")
        for secret in (self._secret, self._direct_secret):
            if secret:
                text = text.replace(secret, "***")
        return text[:300]

    def rejected(self, exc: psycopg.Error, what: str) -> StorageError:
        """The project's error for a statement PostgreSQL refused."""
        diag = exc.diag
        hint = f"; {diag.message_hint}" if diag.message_hint else ""
        state = f" [SQLSTATE {exc.sqlstate}]" if exc.sqlstate else ""
        cause = diag.message_primary or self.reason(exc)
        return StorageError(f"PostgreSQL at {self.target} refused to {what}: {cause}{hint}{state}")

    def over_budget(self, reason: str) -> StorageConnectionError:
        """The error for a server out of connections (SQLSTATE 53300), naming the numbers to change."""
        config = self.config
        return StorageConnectionError(
            f"PostgreSQL at {self.direct_target} has no connection left for this process ({reason}); every "
            f"process may open up to {config.max_connections} (DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW), and "
            "processes x that must fit in the server's max_connections minus its reserved ones: run fewer "
            "processes, lower DB_POOL_SIZE / DB_POOL_MAX_OVERFLOW, raise max_connections, or put a transaction "
            "pooler such as PgBouncer in front (DATABASE_URL at the pooler, AQE_DB_POOLER=transaction, "
            "AQE_DB_DIRECT_URL at the server); `aqe config --check` shows the budget"
        )

    def _unreachable(self, reason: str) -> StorageConnectionError:
        variable = "DATABASE_URL" if self.config.direct_url is None else "AQE_DB_DIRECT_URL"
        return StorageConnectionError(
            f"cannot connect to PostgreSQL at {self.direct_target} within {self.timeout:g}s; check that the server is "
            f"running and reachable there, and that {variable} names the right host, port, user and database "
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


def _connection_kwargs(url: str, config: StorageConfig) -> dict[str, Any]:
    """Autocommit, libpq's connect timeout, an application_name naming the schema (unless the URL sets one),
    and no prepared statements behind a transaction pooler."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": max(2, math.ceil(config.connection_timeout))}
    if config.pooler is PoolerMode.TRANSACTION:
        kwargs["prepare_threshold"] = None
    try:
        named = "application_name" in conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        named = False
    if not named:
        kwargs["application_name"] = f"lionagi-qe:{config.db_schema}"
    return kwargs


def not_connected() -> StorageConnectionError:
    """The error for a backend used before `connect()` or after `disconnect()`."""
    return StorageConnectionError(
        "PostgresMemory is not connected; call `await orchestrator.connect()` "
        "(or `await memory.connect()`) before using production memory"
    )

