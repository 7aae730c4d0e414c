"""How GroupCommit forms batches, on a recording writer (the database side is in test_pg_group_commit.py)."""

from __future__ import annotations

import asyncio

import pytest

from lionagi_qe.errors import StorageConnectionError, StorageError
from lionagi_qe.storage.pg_group_commit import GroupCommit, Pending


class Recorder:
    """A batch writer that records each batch and gives versions like the database would.

    A batch holding `fail_on` raises `error` (default: refused, as a constraint would).
    """

    def __init__(self, fail_on: str | None = None, error: type[Exception] = StorageError) -> None:
        self.batches: list[list[str]] = []
        self.versions: dict[str, int] = {}
        self.fail_on = fail_on
        self.error = error

    async def __call__(self, batch: list[Pending]) -> dict[str, int]:
        await asyncio.sleep(0.01)
        self.batches.append([item.key for item in batch])
        if self.fail_on in self.batches[-1]:
            raise self.error(f"batch with {self.fail_on} failed")
        for item in batch:
            self.versions[item.key] = self.versions.get(item.key, 0) + 1
        return {item.key: self.versions[item.key] for item in batch}


def pending(key: str, size: int = 1) -> Pending:
    return Pending(key, b"x" * size, None, "default")


async def test_a_lone_write_goes_out_alone_and_the_rest_wait_for_one_batch() -> None:
    writer = Recorder()
    commits = GroupCommit(writer)
    versions = await asyncio.gather(*(commits.submit(pending(f"k{i}")) for i in range(6)))
    assert versions == [1] * 6
    assert writer.batches == [["k0"], ["k1", "k2", "k3", "k4", "k5"]]


async def test_a_key_is_written_once_per_batch_in_submission_order() -> None:
    writer = Recorder()
    commits = GroupCommit(writer)
    keys = ["a", "a", "b", "a", "c", "b"]
    versions = await asyncio.gather(*(commits.submit(pending(k)) for k in keys))
    assert versions == [1, 2, 1, 3, 1, 2]
    assert writer.batches == [["a"], ["a", "b", "c"], ["a", "b"]]


async def test_batches_respect_item_and_byte_limits() -> None:
    writer = Recorder()
    commits = GroupCommit(writer, max_items=3, max_bytes=100)
    sizes = [1, 1, 1, 1, 1, 60, 60, 1]
    await asyncio.gather(*(commits.submit(pending(f"k{i}", size)) for i, size in enumerate(sizes)))
    assert writer.batches == [["k0"], ["k1", "k2", "k3"], ["k4", "k5"], ["k6", "k7"]]


async def test_every_writer_of_a_batch_whose_connection_was_lost_gets_the_error_and_later_batches_go_on() -> None:
    writer = Recorder(fail_on="bad", error=StorageConnectionError)
    commits = GroupCommit(writer)
    results = await asyncio.gather(
        *(commits.submit(pending(k)) for k in ["first", "ok1", "bad", "ok1"]), return_exceptions=True
    )
    assert results[0] == 1
    assert isinstance(results[1], StorageConnectionError) and isinstance(results[2], StorageConnectionError)
    assert results[3] == 1
    assert writer.batches == [["first"], ["ok1", "bad"], ["ok1"]]


async def test_a_refused_batch_is_retried_one_write_at_a_time_so_only_the_bad_one_fails() -> None:
    writer = Recorder(fail_on="bad")
    commits = GroupCommit(writer)
    results = await asyncio.gather(
        *(commits.submit(pending(k)) for k in ["first", "ok1", "bad", "ok2", "ok1"]), return_exceptions=True
    )
    assert results[:2] == [1, 1]
    assert isinstance(results[2], StorageError)
    assert results[3:] == [1, 2]
    assert writer.batches == [["first"], ["ok1", "bad", "ok2"], ["ok1"], ["bad"], ["ok2"], ["ok1"]]


async def test_a_cancelled_caller_does_not_stop_the_batch() -> None:
    writer = Recorder()
    commits = GroupCommit(writer)
    first = asyncio.create_task(commits.submit(pending("a")))
    await asyncio.sleep(0)
    queued = [asyncio.create_task(commits.submit(pending(k))) for k in ("b", "c")]
    await asyncio.sleep(0)
    queued[0].cancel()
    assert await first == 1
    assert await queued[1] == 1
    with pytest.raises(asyncio.CancelledError):
        await queued[0]
    await commits.drain()
    assert writer.batches == [["a"], ["b", "c"]]
