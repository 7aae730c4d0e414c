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

Behind a transaction pooler (`StorageConfig.pooler == "transaction"`) no
server-side prepared statements are made (`prepare_threshold=None`): the next
transaction may run on another server connection. If a pooler nobody
configured reveals itself (SQLSTATE 42P05 or 26000), prepared statements are
switched off for good, with one warning, and the call is made again, once.
`connect_direct()` reaches `config.session_url` (AQE_DB_DIRECT_URL, else
DATABASE_URL), with settings of its own: migrations and LISTEN need one server
session. A server out of connections (SQLSTATE 53300) is reported with the
numbers to change.
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

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.config.database_url import password_forms, server_location
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
_PREPARED_STATEMENT_ERRORS = (psycopg.errors.DuplicatePreparedStatement, psycopg.errors.InvalidSqlStatementName)
_TOO_MANY_CONNECTIONS = "53300"
_TOO_MANY = re.compile(r"too many clients|too many connections|connection slots are reserved")
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


class _Unprepared:
    """What one attempt gives when a pooler lost its prepared statement: the call is made again."""


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
        session_url = config.session_url
        self.direct_url = self.url if session_url is None else session_url.get_secret_value()
        self.direct_target = server_location(self.direct_url)
        self.direct_settings = ConnectionSettings.from_config(config, direct=True)
        secrets = password_forms(self.url) | password_forms(self.direct_url)
        self._secrets = sorted(secrets, key=len, reverse=True)
        self._kwargs = self.settings.connect_kwargs()
        self._direct_kwargs = self.direct_settings.connect_kwargs()
        self.prepared_statements = config.pooler is not PoolerMode.TRANSACTION
        self._configure = configure
        self.pool: AsyncConnectionPool[Any] | None = None
        self._held: HoldAside | None = None

    def __repr__(self) -> str:
        return f"<PgConnections {self.target} open={self.pool is not None}>"

    # -- opening and closing -----------------------------------------------

    async def connect_direct(self) -> psycopg.AsyncConnection[Any]:
        """A connection to the direct URL outside the pool (autocommit), or a `StorageConnectionError`
        within the timeout."""
        error: StorageConnectionError | None = None
        try:
            conn = await asyncio.wait_for(
                psycopg.AsyncConnection.connect(self.direct_url, **self._direct_kwargs), self.timeout
            )
        except asyncio.TimeoutError:
            error = self._unreachable("no answer")
        except psycopg.Error as exc:
            reason = self.reason(exc)
            too_many = exc.sqlstate == _TOO_MANY_CONNECTIONS or _TOO_MANY.search(reason) is not None
            error = self.over_budget(reason) if too_many else self._unreachable(reason)
        if error is not None:
            raise error
        if len(self.direct_settings.hosts) > 1:  # later connections try the host that answered first
            first = (conn.info.host, str(conn.info.port))
            self._direct_kwargs = self.direct_settings.connect_kwargs(first=first)
            if self.direct_url == self.url:
                self._kwargs = self.settings.connect_kwargs(first=first)
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
            connection_class=patient_connection_class(self.timeout, lambda: self.pool is None),
            configure=self._setup,
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
        replaying = False  # set once a pooler lost a prepared statement: the call is made again only once
        while True:
            outcome = await self._attempt(op, what, deadline, replaying)
            if isinstance(outcome, _Unprepared):
                replaying = True
                continue
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

    async def _attempt(
        self, op: Operation[T], what: str, deadline: float | None, replaying: bool
    ) -> T | _Lost[T] | _Unprepared:
        """One try of `op` on one connection: its result, `_Lost` if the connection failed or went silent,
        or `_Unprepared` if a pooler lost a prepared statement (the first time in this call)."""
        held = self._held
        if held is None:
            raise not_connected()
        retrying = deadline is not None or replaying
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
        if not self.prepared_statements:
            conn.prepare_threshold = None
        held.deadlines.arm(conn, within)
        lost: str | None = None
        unprepared = False
        try:
            return await op(conn, retrying)
        except _PREPARED_STATEMENT_ERRORS as exc:
            if replaying:
                error = self.rejected(exc, what)
            else:
                if self.prepared_statements:
                    self._stop_preparing(exc)
                unprepared = True  # calls in flight when preparing stopped fail the same way: each replays once
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
        if unprepared:
            return _Unprepared()
        return _Lost(lost or "connection lost")

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
            f"cannot connect to PostgreSQL at {self.direct_target} within {self.timeout:g}s; check that the "
            f"server is running and reachable there, and that {variable} names the right host, port, user and "
            "database "
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
