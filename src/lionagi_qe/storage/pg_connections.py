"""Connections of the PostgreSQL backend: the pool, quick reuse, retries and clear errors.

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

Connections come from a psycopg_pool `AsyncConnectionPool`, which checks
each one with a round trip before handing it out. A connection just used is
kept aside for up to a second and handed out again after a non-blocking look
at its socket (a connection the server closed reads as closed at once), so a
busy backend pays the check round trip about once a second, not on every call.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import ConnStatus, TransactionStatus
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import ConfigurationError, PoolExhaustedError, StorageConnectionError, StorageError

T = TypeVar("T")
Operation = Callable[[psycopg.AsyncConnection[Any], bool], Awaitable[T]]
Configure = Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]

HOLD_IDLE_SECONDS = 1.0
"""How long a connection just used stays aside for the next call before going back to the pool."""
HOLD_MAX_SECONDS = 30.0
"""After this long out of the pool (or `pool_recycle`, if shorter) a connection goes back, to be recycled."""
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin shutdown, crash shutdown, starting up
_RETRY_PAUSE = 0.05


def connection_lost(exc: psycopg.OperationalError) -> bool:
    """True if `exc` means the connection itself failed, rather than the statement."""
    if isinstance(exc, PoolTimeout):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _LOST_SQLSTATES


class PgConnections:
    """The pool of one `PostgresMemory`, with reuse, retry and error mapping (see module doc)."""

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
        self._hold_max = min(HOLD_MAX_SECONDS, config.pool_recycle)
        self._configure = configure
        self.pool: AsyncConnectionPool[Any] | None = None
        self._idle: list[tuple[psycopg.AsyncConnection[Any], float]] = []
        self._taken_at: dict[psycopg.AsyncConnection[Any], float] = {}
        self._reaper: asyncio.Task[None] | None = None

    @staticmethod
    def _password(url: str) -> str | None:
        try:
            return conninfo_to_dict(url).get("password") or None  # type: ignore[return-value]
        except psycopg.ProgrammingError:
            return None

    # -- opening and closing -----------------------------------------------

    async def connect_direct(self) -> psycopg.AsyncConnection[Any]:
        """A connection outside the pool (autocommit), or a `StorageConnectionError` within the timeout."""
        try:
            conn = await asyncio.wait_for(
                psycopg.AsyncConnection.connect(self.url, **self._kwargs),
                self.timeout,
            )
        except asyncio.TimeoutError:
            raise self._unreachable("no answer") from None
        except psycopg.Error as exc:
            raise self._unreachable(self.reason(exc)) from None
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
            check=AsyncConnectionPool.check_connection,
            configure=self._configure,
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

    async def close(self) -> None:
        """Return the connections kept aside and close the pool; idempotent."""
        pool, self.pool = self.pool, None
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None
        idle, self._idle = self._idle, []
        self._taken_at.clear()
        if pool is None:
            return
        for conn, _ in idle:
            await pool.putconn(conn)
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
            "available": stats["pool_available"] + len(self._idle),
            "waiting": stats["requests_waiting"],
        }

    # -- running statements ------------------------------------------------

    async def run(self, op: Operation[T], *, what: str) -> T:
        """Run `op(conn, retrying)`, again on a new connection if this one is lost (see module doc)."""
        retrying = False
        deadline = 0.0
        while True:
            pool = self.pool
            if pool is None:
                raise not_connected()
            try:
                conn = await self._take_idle(pool) or await self._getconn(pool, deadline if retrying else None)
                try:
                    return await op(conn, retrying)
                finally:
                    await self._release(pool, conn)
            except PoolTimeout:
                raise self._no_connection(what, retrying) from None
            except psycopg.OperationalError as exc:
                if not connection_lost(exc):
                    raise self.rejected(exc, what) from None
                if not retrying:
                    retrying, deadline = True, monotonic() + self.timeout
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

    async def _getconn(self, pool: AsyncConnectionPool[Any], deadline: float | None) -> psycopg.AsyncConnection[Any]:
        timeout = None if deadline is None else max(0.001, deadline - monotonic())
        try:
            conn = await pool.getconn(timeout)
        except PoolClosed:
            raise not_connected() from None
        self._taken_at[conn] = monotonic()
        return conn

    async def _take_idle(self, pool: AsyncConnectionPool[Any]) -> psycopg.AsyncConnection[Any] | None:
        while self._idle:
            conn, _ = self._idle.pop()
            if _still_open(conn):
                return conn
            self._taken_at.pop(conn, None)
            await pool.putconn(conn)
        return None

    async def _release(self, pool: AsyncConnectionPool[Any], conn: psycopg.AsyncConnection[Any]) -> None:
        now = monotonic()
        pgconn = conn.pgconn
        reusable = (
            self.pool is pool
            and pgconn.status == ConnStatus.OK
            and pgconn.transaction_status == TransactionStatus.IDLE
            and now - self._taken_at.get(conn, 0.0) < self._hold_max
        )
        if reusable:
            self._idle.append((conn, now))
            if self._reaper is None:
                self._reaper = asyncio.create_task(self._reap(), name="aqe-pg-idle-return")
            return
        self._taken_at.pop(conn, None)
        await pool.putconn(conn)

    async def _reap(self) -> None:
        try:
            while True:
                await asyncio.sleep(HOLD_IDLE_SECONDS / 2)
                pool = self.pool
                if pool is None or not self._idle:
                    return
                cutoff = monotonic() - HOLD_IDLE_SECONDS
                done = [conn for conn, since in self._idle if since <= cutoff]
                self._idle = [(conn, since) for conn, since in self._idle if since > cutoff]
                for conn in done:
                    self._taken_at.pop(conn, None)
                    await pool.putconn(conn)
        finally:
            self._reaper = None

    # -- errors ------------------------------------------------------------

    def reason(self, exc: BaseException) -> str:
        """A one-line cause from a driver error, with any password masked."""
        text = re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__
        text = text.removeprefix("connection failed: ")
        if self._secret:
            text = text.replace(self._secret, "***")
        return text[:300]

    def rejected(self, exc: psycopg.Error, what: str) -> StorageError:
        """The project's error for a statement PostgreSQL refused."""
        diag = exc.diag
        hint = f"; {diag.message_hint}" if diag.message_hint else ""
        state = f" [SQLSTATE {exc.sqlstate}]" if exc.sqlstate else ""
        cause = diag.message_primary or self.reason(exc)
        return StorageError(f"PostgreSQL at {self.target} refused to {what}: {cause}{hint}{state}")

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


def _connection_kwargs(url: str, config: StorageConfig) -> dict[str, Any]:
    """Autocommit, libpq's connect timeout, and an application_name naming the schema (unless the URL sets one)."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": max(2, math.ceil(config.connection_timeout))}
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


def _still_open(conn: psycopg.AsyncConnection[Any]) -> bool:
    """Non-blocking: read what the server sent while idle; False if it closed the connection."""
    pgconn = conn.pgconn
    try:
        pgconn.consume_input()
    except psycopg.OperationalError:
        return False
    return pgconn.status == ConnStatus.OK and pgconn.transaction_status == TransactionStatus.IDLE
