"""Checked connections: the one just used held aside for the next call, others checked as they leave the pool.

    held = HoldAside(pool, target="db:5432/qe", max_out_seconds=30)
    conn = await held.getconn(timeout=10)   # a held connection still open, else a checked one from the pool
    ...                                     # use it (autocommit)
    await held.putconn(conn)                # held for up to a second, or back to the pool
    await held.close()                      # every held connection back to the pool

A connection taken from the pool (created with no `check` of its own) is
checked here: a non-blocking look at its socket, then a round trip bounded
by the caller's timeout. One that fails is discarded and the next one is
taken at once, with no pause: after a restart or a failover killed every
pooled connection, the first call goes through them all in well under a
second and then waits only for one new connection. (psycopg_pool's own
check paused 1, 2, 4, 8 s between stale connections.) A connection held
here is handed out again after the non-blocking look alone (a connection
the server closed reads as closed), so a busy backend pays the round trip
about once a second, not on every call. Held connections go back to the pool
after `idle_seconds` unused, and any connection out of the pool for
`max_out_seconds` goes back when released, so the pool still recycles it.
Discarded connections are logged on `lionagi_qe.storage.pg_hold_aside`,
naming the server, never the URL. `held.deadlines` bounds the wait for an
answer on every connection handed out (see pg_answer_deadline).
"""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Any

import psycopg
from psycopg.pq import ConnStatus, TransactionStatus
from psycopg_pool import AsyncConnectionPool

from lionagi_qe.storage.pg_answer_deadline import AnswerDeadlines

log = logging.getLogger(__name__)

HOLD_IDLE_SECONDS = 1.0
"""How long a connection just used stays aside for the next call before going back to the pool."""
HOLD_MAX_SECONDS = 30.0
"""After this long out of the pool a connection goes back when released, to be checked and recycled there."""

Connection = psycopg.AsyncConnection[Any]


def idle_and_healthy(conn: Connection) -> bool:
    """True if `conn` is open as far as libpq knows and not inside a transaction."""
    pgconn = conn.pgconn
    return pgconn.status == ConnStatus.OK and pgconn.transaction_status == TransactionStatus.IDLE


def still_open(conn: Connection) -> bool:
    """Non-blocking: read what the server sent while `conn` was idle; False if it closed the connection."""
    try:
        conn.pgconn.consume_input()
    except psycopg.OperationalError:
        return False
    return idle_and_healthy(conn)


class HoldAside:
    """Connections of `pool` held for the next call (see module doc); one event loop, no locks needed."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        *,
        target: str,
        max_out_seconds: float = HOLD_MAX_SECONDS,
        idle_seconds: float = HOLD_IDLE_SECONDS,
    ) -> None:
        self.pool = pool
        self.target = target
        self.deadlines = AnswerDeadlines()
        self.max_out_seconds = max_out_seconds
        self.idle_seconds = idle_seconds
        self._held: list[tuple[Connection, float]] = []
        self._taken_at: dict[Connection, float] = {}
        self._reaper: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._held)

    def __repr__(self) -> str:
        return f"<HoldAside {self.target} held={len(self._held)} closed={self._closed}>"

    async def getconn(self, timeout: float | None = None) -> Connection:
        """The most recently held connection still open, else a checked one from the pool within `timeout`."""
        while self._held:
            conn, since = self._held.pop()
            if still_open(conn):
                return conn
            log.warning(
                "discarding a connection to PostgreSQL at %s: the server closed it while it was held for %.1fs",
                self.target,
                monotonic() - since,
            )
            await self._give_back(conn)
        deadline = monotonic() + (self.pool.timeout if timeout is None else timeout)
        while True:
            fresh: Connection = await self.pool.getconn(max(0.001, deadline - monotonic()))
            if await self._answers(fresh, max(0.001, deadline - monotonic())):
                self._taken_at[fresh] = monotonic()
                return fresh
            log.warning(
                "discarding a connection to PostgreSQL at %s: it no longer answers (the server closed it, "
                "or the network lost it); taking the next one",
                self.target,
            )
            await fresh.close()
            await self.pool.putconn(fresh)  # the pool sees it closed and opens a replacement

    async def _answers(self, conn: Connection, within: float) -> bool:
        """True if `conn` is open and answers a round trip within `within` seconds."""
        if not still_open(conn):
            return False
        self.deadlines.arm(conn, within)
        try:
            await conn.execute("")
        except psycopg.Error:
            return False
        finally:
            self.deadlines.disarm(conn)
        return True

    async def putconn(self, conn: Connection) -> None:
        """Hold `conn` for the next call if it is idle, healthy and not out too long; else back to the pool."""
        now = monotonic()
        if self._closed or not idle_and_healthy(conn):
            await self._give_back(conn)
            return
        if now - self._taken_at.get(conn, 0.0) >= self.max_out_seconds:
            log.debug("returning a connection to PostgreSQL at %s to the pool, to be recycled", self.target)
            await self._give_back(conn)
            return
        self._held.append((conn, now))
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap(), name="aqe-pg-hold-aside")

    async def close(self) -> None:
        """Return every held connection to the pool; later `putconn` calls return theirs directly. Idempotent."""
        self._closed = True
        reaper, self._reaper = self._reaper, None
        if reaper is not None:
            reaper.cancel()
            await asyncio.gather(reaper, return_exceptions=True)
        held, self._held = self._held, []
        for conn, _ in held:
            await self._give_back(conn)
        await self.deadlines.close()

    async def _give_back(self, conn: Connection) -> None:
        """To the pool, which checks it and discards it if broken."""
        self._taken_at.pop(conn, None)
        await self.pool.putconn(conn)

    async def _reap(self) -> None:
        """Every half `idle_seconds`: the connections held for `idle_seconds` go back to the pool."""
        try:
            while self._held:
                await asyncio.sleep(self.idle_seconds / 2)
                cutoff = monotonic() - self.idle_seconds
                done = [conn for conn, since in self._held if since <= cutoff]
                self._held = [(conn, since) for conn, since in self._held if since > cutoff]
                for conn in done:
                    await self._give_back(conn)
        finally:
            if self._reaper is asyncio.current_task():
                self._reaper = None
