"""Deadlines on connections' answers: past its deadline, a connection's socket is shut down.

    deadlines = AnswerDeadlines()
    deadlines.arm(conn, 31.0)
    try:
        await conn.execute(query)        # raises psycopg.OperationalError if its deadline passed
    finally:
        given_up = deadlines.disarm(conn)
    await deadlines.close()

A statement on a connection whose network went silent (a partition, a
firewall dropping packets) would wait forever: the server's own
`statement_timeout` never reaches the client. Cancelling the waiting task
does not help either, since psycopg then tries to cancel the query through
the same silent network. Shutting the socket down makes the pending read
fail at once, as a lost connection does, so the caller's usual handling of a
lost connection (a retry on another one) takes over.

Arming and disarming is a dict entry (no timer per call): one task, running
while anything is armed, looks every `TICK_SECONDS` for deadlines that
passed, so a connection is given up at most that much after its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from time import monotonic
from typing import Any

import psycopg

Connection = psycopg.AsyncConnection[Any]
TICK_SECONDS = 0.25
_GIVEN_UP = -1.0


class AnswerDeadlines:
    """Connections waiting for an answer and their deadlines (see module doc); one event loop."""

    def __init__(self, tick: float = TICK_SECONDS) -> None:
        self.tick = tick
        self._due: dict[Connection, float] = {}
        self._watcher: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<AnswerDeadlines armed={len(self._due)}>"

    def arm(self, conn: Connection, seconds: float) -> None:
        """Give `conn` up if it is still armed `seconds` from now."""
        self._due[conn] = monotonic() + seconds
        if self._watcher is None:
            self._watcher = asyncio.create_task(self._watch(), name="aqe-pg-answer-deadlines")

    def disarm(self, conn: Connection) -> bool:
        """Stop watching `conn`; True if its deadline had passed and it was given up."""
        return self._due.pop(conn, 0.0) == _GIVEN_UP

    async def close(self) -> None:
        """Stop watching; idempotent."""
        watcher, self._watcher = self._watcher, None
        self._due.clear()
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    async def _watch(self) -> None:
        try:
            while self._due:
                await asyncio.sleep(self.tick)
                now = monotonic()
                for conn, due in list(self._due.items()):
                    if due != _GIVEN_UP and due <= now:
                        self._due[conn] = _GIVEN_UP
                        shut_down(conn)
        finally:
            if self._watcher is asyncio.current_task():
                self._watcher = None


def shut_down(conn: Connection) -> None:
    """Shut the socket of `conn` down in both directions; the connection then reads as closed."""
    with contextlib.suppress(psycopg.Error, OSError), socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:
        sock.shutdown(socket.SHUT_RDWR)
