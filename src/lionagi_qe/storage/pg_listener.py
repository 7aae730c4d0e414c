"""LISTEN/NOTIFY: changed keys announced by PostgreSQL, on a connection of their own.

    listener = ChangeListener(connect, "aqe.changes", on_key=print, watch_lock=watch_lock_key("aqe"))
    await listener.start()      # listening when this returns
    ...                         # every key stored or deleted in the schema, by any process, is printed
    await listener.stop()

Triggers on the memory table send, per statement, JSON arrays of the keys it
changed (see the migrations), but only while a listener holds the shared
advisory lock `watch_lock` (taken here before LISTEN, released by the server
when the connection ends; a change committed in between is there to be read
once `start()` returns). If the connection drops, the listener
reconnects with backoff until stopped; changes made while it was away are
not replayed, so a watcher re-reads the state it depends on after waking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]
_BACKOFF_FIRST, _BACKOFF_MAX = 0.1, 0.5


class ChangeListener:
    """Hands every key announced on `channel` to `on_key`, from a background task."""

    def __init__(self, connect: Connect, channel: str, on_key: Callable[[str], None], *, watch_lock: int) -> None:
        self._connect = connect
        self.channel = channel
        self._on_key = on_key
        self._watch_lock = watch_lock
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<ChangeListener channel={self.channel!r} listening={self._task is not None}>"

    async def start(self) -> None:
        """Open the connection and LISTEN; notifications committed after this returns are delivered."""
        if self._task is not None:
            return
        self._conn = await self._listen()
        self._task = asyncio.create_task(self._run(), name=f"aqe-listen-{self.channel}")

    async def stop(self) -> None:
        """Stop listening and close the connection; idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def _listen(self) -> psycopg.AsyncConnection[Any]:
        conn = await self._connect()
        try:
            await conn.execute("SELECT pg_advisory_lock_shared(%s)", [self._watch_lock])
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _run(self) -> None:
        delay = _BACKOFF_FIRST
        while True:
            conn = self._conn
            try:
                if conn is None or conn.closed:
                    conn = self._conn = await self._listen()
                    delay = _BACKOFF_FIRST
                async for note in conn.notifies():
                    self._dispatch(note.payload)
            except Exception as exc:  # connection lost or refused: keep trying until stopped
                log.warning("change listener on %s is reconnecting: %s", self.channel, exc)
                if conn is not None and not conn.closed:
                    await conn.close()
                self._conn = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)

    def _dispatch(self, payload: str) -> None:
        try:
            keys = orjson.loads(payload)
        except orjson.JSONDecodeError:
            log.warning("ignoring a malformed notification on %s: %.80r", self.channel, payload)
            return
        for key in keys if isinstance(keys, list) else ():
            if isinstance(key, str):
                self._on_key(key)
