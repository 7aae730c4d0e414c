"""Group commit: concurrent single-key writes share one statement and one transaction.

    commits = GroupCommit(write_batch)        # write_batch(list[Pending]) -> {key: version}
    version = await commits.submit(Pending("aqe/k", b'{"n":1}', None, "default"))

`submit` returns only once its write is committed (or raises why it was
not). A write that finds nothing in progress goes straight out from the
caller's task. While a write is in progress, new ones queue up and a
background task sends them together, batch after batch, so many agents
storing at once pay for one commit instead of one each. Writes of one key
keep their order: one batch is in flight at a time, a key appears at most
once per batch, and later writes of it wait for a later batch.

One bad write never fails the others: a batch the server refused (nothing
of it was written) is sent again one write at a time, so only the write at
fault fails. A batch whose connection was lost for good fails as a whole,
with the error saying it may or may not have been applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lionagi_qe.errors import StorageConnectionError

MAX_BATCH_ITEMS = 512
MAX_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(eq=False)
class Pending:
    """One write waiting for its batch: key, JSON bytes, TTL seconds, partition."""

    key: str
    data: bytes
    ttl: float | None
    partition: str
    future: asyncio.Future[int] = field(init=False, repr=False)


WriteBatch = Callable[[list[Pending]], Awaitable[dict[str, int]]]


class GroupCommit:
    """Queue of pending writes drained by one background task, batch by batch."""

    def __init__(
        self, write_batch: WriteBatch, *, max_items: int = MAX_BATCH_ITEMS, max_bytes: int = MAX_BATCH_BYTES
    ) -> None:
        self._write_batch = write_batch
        self._max_items = max_items
        self._max_bytes = max_bytes
        self._queue: list[Pending] = []
        self._drainer: asyncio.Task[None] | None = None
        self._writing_inline = False

    def __repr__(self) -> str:
        busy = self._writing_inline or self._drainer is not None
        return f"<GroupCommit queued={len(self._queue)} writing={busy}>"

    async def submit(self, item: Pending) -> int:
        """Write `item` (alone if nothing else is in flight, else in the next batch); returns its version."""
        if self._writing_inline or self._drainer is not None:
            item.future = asyncio.get_running_loop().create_future()
            self._queue.append(item)
            return await item.future
        self._writing_inline = True
        try:
            versions = await self._write_batch([item])
        finally:
            self._writing_inline = False
            if self._queue:
                self._drainer = asyncio.create_task(self._drain(), name="aqe-pg-group-commit")
        return versions[item.key]

    async def drain(self) -> None:
        """Wait until every write queued so far is committed or failed."""
        while self._writing_inline or self._drainer is not None:
            if self._drainer is not None:
                await asyncio.gather(asyncio.shield(self._drainer), return_exceptions=True)
            else:
                await asyncio.sleep(0.001)  # a write sent from its caller's task is finishing there

    async def _drain(self) -> None:
        try:
            while True:
                await asyncio.sleep(0)  # writers woken by the last batch queue their next write before we look
                if not self._queue:
                    return
                batch = self._take_batch()
                try:
                    await self._settle(batch)
                except BaseException:
                    for item in (*batch, *self._queue):
                        item.future.cancel()
                    self._queue = []
                    raise
        finally:
            self._drainer = None

    async def _settle(self, batch: list[Pending]) -> None:
        """Write `batch` and resolve each writer's future; a refused batch is retried one write at a time."""
        try:
            versions = await self._write_batch(batch)
        except StorageConnectionError as exc:  # may or may not have committed: every writer learns so
            self._fail(batch, exc)
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch, exc)
            else:  # refused as a whole, so nothing was written: find the write at fault
                for item in batch:
                    await self._settle([item])
        else:
            for item in batch:
                if not item.future.done():
                    item.future.set_result(versions[item.key])

    @staticmethod
    def _fail(batch: list[Pending], exc: Exception) -> None:
        for item in batch:
            if not item.future.done():
                item.future.set_exception(exc)

    def _take_batch(self) -> list[Pending]:
        """The oldest writes, one per key, within the size limits; the rest stays queued in order."""
        batch: list[Pending] = []
        later: list[Pending] = []
        keys: set[str] = set()
        size = 0
        full = False
        for item in self._queue:
            full = full or len(batch) >= self._max_items or (bool(batch) and size + len(item.data) > self._max_bytes)
            if full or item.key in keys:
                later.append(item)
            else:
                batch.append(item)
                size += len(item.data)
            keys.add(item.key)
        self._queue = later
        return batch
