"""Recovery once the server answers again: stale pooled connections are discarded together, without backoff.

Before the fix, psycopg_pool checked each stale connection in turn and slept 1, 2, 4, 8 s between the
failed checks: 15 s for a pool of five, a failure after 30 s for a pool of ten. The bounds asserted
here are generous (several times what the fix takes); each test prints what it measured.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import psycopg
import pytest

from helpers.postgres import OwnServer, production_config, wait_until_async
from lionagi_qe.errors import StorageConnectionError
from lionagi_qe.storage.pg_hold_aside import HOLD_IDLE_SECONDS
from lionagi_qe.storage.postgres import PostgresMemory

RECOVERY_BOUND = 5.0
"""Seconds: the old stall took 15 s (five connections) or failed at 30 s (ten)."""


def our_backends(db: psycopg.Connection[Any], schema: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [f"lionagi-qe:{schema}"]
    ).fetchone()
    return int(row[0]) if row else 0


async def fill_pool(memory: PostgresMemory, connections: int) -> None:
    """Make the pool open `connections` connections, then leave them idle in the pool (not held aside)."""
    await wait_until_async(lambda: memory.pool_stats()["size"] >= connections, timeout=30, what="the pool to fill")
    await asyncio.sleep(HOLD_IDLE_SECONDS * 2.5)  # the connections held aside go back to the pool
    assert memory.pool_stats()["available"] == memory.pool_stats()["size"]


@pytest.mark.parametrize("connections", [5, 10])
async def test_the_next_call_after_idle_connections_were_killed_succeeds_at_once(
    postgres_url: str, pg_schema: str, db: psycopg.Connection[Any], connections: int
) -> None:
    config = production_config(
        postgres_url, pg_schema, min_connections=connections, max_connections=connections + 5, connection_timeout=30
    )
    memory = PostgresMemory(config)
    await memory.connect()
    try:
        await memory.store("aqe/k", 1)
        await fill_pool(memory, connections)
        killed = db.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
            [f"lionagi-qe:{pg_schema}"],
        ).fetchone()
        assert killed is not None and killed[0] >= connections
        await wait_until_async(lambda: our_backends(db, pg_schema) == 0, timeout=10, what="the backends to exit")

        started = time.monotonic()
        assert await memory.retrieve("aqe/k") == 1
        first = time.monotonic() - started
        assert await memory.store("aqe/k", 2) == 2
        assert await memory.retrieve_many(["aqe/k"]) == {"aqe/k": 2}
        total = time.monotonic() - started
        print(f"\n{connections} stale connections: first call {first:.3f}s, three calls {total:.3f}s")
        assert total < RECOVERY_BOUND, f"three calls after the kill took {total:.1f}s (first {first:.1f}s)"
    finally:
        await memory.disconnect()


async def test_a_slow_writer_across_a_restart_loses_no_call_and_resumes_at_once(own_server: OwnServer) -> None:
    schema = f"aqe_slow_{uuid.uuid4().hex[:8]}"
    config = production_config(own_server.url, schema, min_connections=5, max_connections=10, connection_timeout=20)
    memory = PostgresMemory(config)
    await memory.connect()
    calls: list[tuple[float, float]] = []
    failures: list[Exception] = []
    stop = asyncio.Event()

    async def writer() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            started = time.monotonic()
            try:
                await memory.store(f"slow/{i}", i)
            except StorageConnectionError as exc:
                failures.append(exc)
            calls.append((started, time.monotonic()))
            await asyncio.sleep(0.2)

    try:
        await asyncio.gather(*(memory.store(f"warm/{i}", i) for i in range(10)))
        task = asyncio.create_task(writer())
        await asyncio.sleep(1.0)
        await asyncio.to_thread(own_server.restart, 2.0)
        back = time.monotonic()
        await asyncio.sleep(3.0)
        stop.set()
        await task
        waits = [end - max(start, back) for start, end in calls if end > back]
        print(f"\nafter the server was back: first call done in {waits[0]:.3f}s, longest {max(waits):.3f}s")
        assert failures == []
        assert max(waits) < 2.0, f"a call took {max(waits):.1f}s after the server was back"
    finally:
        stop.set()
        await memory.disconnect()
