"""The pool's connection class: connecting waits for a server that is restarting instead of failing at once.

    pool = AsyncConnectionPool(url, connection_class=patient_connection_class(30.0, lambda: closing))

psycopg_pool replaces a lost connection with a new one and, when connecting
fails, tries again after 1, 2, 4, 8 s. While a server restarts, every try
fails at once (connection refused, or "the database system is starting up"),
so the pool could sleep through the moment the server came back: seconds
after it answered, callers still waited. A connection of this class tries
again every `POLL_SECONDS` for up to `budget` seconds while the server is
not up, so a new connection exists within a poll of the server answering.
Other failures (a wrong password, an unknown database) raise at once, and so
does every failure once `stopped()` says the pool is closing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from time import monotonic
from typing import Any

import psycopg
from typing_extensions import Self

POLL_SECONDS = 0.1
_NOT_UP_SQLSTATES = frozenset({"57P03"})  # cannot_connect_now: starting up, shutting down, in recovery


def not_up_yet(exc: psycopg.OperationalError) -> bool:
    """True if connecting failed because no server answers there yet (refused, gone, starting up)."""
    return exc.sqlstate is None or exc.sqlstate in _NOT_UP_SQLSTATES


def patient_connection_class(budget: float, stopped: Callable[[], bool]) -> type[psycopg.AsyncConnection[Any]]:
    """A connection class whose `connect` keeps trying for `budget` seconds while the server is not up."""

    class PatientConnection(psycopg.AsyncConnection[Any]):
        """A psycopg connection that waits for a restarting server when it connects."""

        @classmethod
        async def connect(cls, conninfo: str = "", **kwargs: Any) -> Self:
            """psycopg's `connect` (keyword arguments passed through), tried again while the server is not up."""
            give_up_at = monotonic() + budget
            while True:
                try:
                    return await super().connect(conninfo, **kwargs)
                except psycopg.OperationalError as exc:
                    if not not_up_yet(exc) or stopped() or monotonic() + POLL_SECONDS >= give_up_at:
                        raise
                await asyncio.sleep(POLL_SECONDS)

    return PatientConnection
