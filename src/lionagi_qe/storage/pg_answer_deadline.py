"""A deadline on a connection's answer: past it, the socket is shut down and whatever waits on it fails.

    deadline = AnswerDeadline(conn, seconds=31.0)
    try:
        await conn.execute(query)        # raises psycopg.OperationalError if the deadline fired
    finally:
        deadline.cancel()
    deadline.fired                       # True if the connection was given up

A statement on a connection whose network went silent (a partition, a
firewall dropping packets) would wait forever: the server's own
`statement_timeout` never reaches the client. Cancelling the waiting task
does not help either, since psycopg then tries to cancel the query through
the same silent network. Shutting the socket down makes the pending read
fail at once, as a lost connection does, so the caller's usual handling of a
lost connection (a retry on another one) takes over. Arming and cancelling
costs a timer, nothing on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from typing import Any

import psycopg


class AnswerDeadline:
    """Gives `conn` up after `seconds` unless cancelled first (see module doc)."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], seconds: float) -> None:
        self.conn = conn
        self.seconds = seconds
        self.fired = False
        self._timer = asyncio.get_running_loop().call_later(seconds, self._give_up)

    def __repr__(self) -> str:
        return f"<AnswerDeadline {self.seconds:g}s fired={self.fired}>"

    def cancel(self) -> None:
        """The answer came (or the wait ended otherwise): disarm."""
        self._timer.cancel()

    def _give_up(self) -> None:
        self.fired = True
        shut_down(self.conn)


def shut_down(conn: psycopg.AsyncConnection[Any]) -> None:
    """Shut the socket of `conn` down in both directions; the connection then reads as closed."""
    with contextlib.suppress(psycopg.Error, OSError), socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:
        sock.shutdown(socket.SHUT_RDWR)
