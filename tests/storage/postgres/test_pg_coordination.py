"""Coordination across processes: atomic compare-and-set, and watches fed by LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg

from helpers.postgres import production_config, start_together, worker_command, worker_env
from lionagi_qe.storage.postgres import PostgresMemory
from lionagi_qe.storage.postgres_schema import channel_name


async def test_eight_processes_times_500_updates_end_at_4000(
    postgres_url: str, pg_schema: str, go_file: Path, db: psycopg.Connection[Any]
) -> None:
    commands = [worker_command("increment", postgres_url, pg_schema, str(go_file), "500") for _ in range(8)]
    await asyncio.to_thread(start_together, commands, go_file, worker_env(), 240)
    row = db.execute(f'SELECT value, version FROM "{pg_schema}".memory WHERE key = %s', ["aqe/counter"]).fetchone()
    assert row == (4000, 4000)


async def test_compare_and_set_is_one_atomic_statement_under_contention(pg_memory: PostgresMemory) -> None:
    winners = await asyncio.gather(*(pg_memory.compare_and_set("aqe/lock", f"agent-{i}", 0) for i in range(10)))
    assert sorted(winners, key=lambda v: v is None) == [1] + [None] * 9
    holder = await pg_memory.retrieve("aqe/lock")
    results = await asyncio.gather(*(pg_memory.compare_and_set("aqe/lock", f"next-{i}", 1) for i in range(10)))
    assert sorted(results, key=lambda v: v is None) == [2] + [None] * 9
    assert holder.startswith("agent-")


async def test_a_watch_sees_changes_made_by_another_backend(postgres_url: str, pg_schema: str) -> None:
    watcher = PostgresMemory(production_config(postgres_url, pg_schema))
    writer = PostgresMemory(production_config(postgres_url, pg_schema))
    await watcher.connect()
    await writer.connect()
    try:
        async with watcher.watch("aqe/coverage/") as changes:
            await writer.store("aqe/quality/ignored", 1)
            await writer.store("aqe/coverage/run-1", {"line": 80})
            assert await changes.next(timeout=10) == "aqe/coverage/run-1"
            await writer.store_many({"aqe/coverage/run-2": 1, "aqe/coverage/run-3": 2})
            assert {await changes.next(timeout=10), await changes.next(timeout=10)} == {
                "aqe/coverage/run-2",
                "aqe/coverage/run-3",
            }
            await writer.delete("aqe/coverage/run-1")
            assert await changes.next(timeout=10) == "aqe/coverage/run-1"
            await writer.store("aqe/coverage/run-2", 1, ttl=3600)
            assert await changes.next(timeout=10) == "aqe/coverage/run-2"
            async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as sql:
                await sql.execute(
                    f'UPDATE "{pg_schema}".memory SET expires_at = now() WHERE key = %s', ["aqe/coverage/run-2"]
                )
            assert await changes.next(timeout=10) == "aqe/coverage/run-2"  # the raw UPDATE, seen by the trigger
            assert await writer.cleanup_expired() == 1
            assert await changes.next(timeout=10) == "aqe/coverage/run-2"  # the sweep
            assert await changes.next(timeout=0.3) is None
    finally:
        await watcher.disconnect()
        await writer.disconnect()


async def test_notifications_of_big_batches_are_split_and_complete(pg_memory: PostgresMemory) -> None:
    keys = [f"aqe/bulk/{i:05d}/" + '\x01"\\é' * 60 for i in range(600)]  # ~1,800 bytes each once escaped
    async with pg_memory.watch("aqe/bulk/") as changes:
        await pg_memory.store_many({key: i for i, key in enumerate(keys)})
        seen: set[str] = set()
        while len(seen) < len(keys):
            key = await changes.next(timeout=10)
            assert key is not None, f"only {len(seen)} of {len(keys)} changes arrived"
            seen.add(key)
    assert seen == set(keys)


async def test_the_listener_reconnects_when_its_connection_is_killed(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    async with pg_memory.watch("aqe/") as changes:
        killed = db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s",
            [f'LISTEN "{channel_name(pg_memory.schema)}"'],
        ).fetchall()
        assert killed == [(True,)]
        received: list[str | None] = []

        async def delivered() -> bool:
            await pg_memory.store("aqe/after-kill", len(received))
            received.append(await changes.next(timeout=0.5))
            return "aqe/after-kill" in received

        deadline = asyncio.get_running_loop().time() + 30
        while not await delivered():
            assert asyncio.get_running_loop().time() < deadline, "the listener never came back"


async def test_changes_are_announced_only_while_someone_watches(
    pg_memory: PostgresMemory, postgres_url: str
) -> None:
    """NOTIFY costs every commit a cluster-wide lock: writes send none unless a listener holds the watch lock."""
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as spy:
        await spy.execute(f'LISTEN "{channel_name(pg_memory.schema)}"')  # hears without holding the lock
        await pg_memory.store("aqe/unwatched", 1)
        await pg_memory.store_many({"aqe/unwatched/a": 1, "aqe/unwatched/b": 2})
        assert [n async for n in spy.notifies(timeout=0.5)] == []
        async with pg_memory.watch("aqe/") as changes:
            await pg_memory.store("aqe/watched", 2)
            assert await changes.next(timeout=10) == "aqe/watched"
            heard = [n.payload async for n in spy.notifies(timeout=2, stop_after=1)]
            assert heard == ['["aqe/watched"]']
        await asyncio.sleep(0.2)  # the listener's connection is closed: its lock is gone with it
        await pg_memory.store("aqe/unwatched/again", 3)
        assert [n async for n in spy.notifies(timeout=0.5)] == []
