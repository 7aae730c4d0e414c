"""Every call ends within a documented bound: a silent network, another connection's lock.

With T = connection_timeout (DB_CONNECTION_TIMEOUT), docs/postgres.md states the bounds:
a statement waits at most T for another connection's lock (lock_timeout) and runs at most
T + 1 s (statement_timeout); a connection that goes silent is given up T + 2 s into a statement,
and the call then retries on other connections for up to T, so it ends with
`StorageConnectionError` within 2T + 2 s. The tests allow up to twice a bound, for a loaded
machine (the suites of several engineers share two cores); before these bounds existed the
calls hung.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from helpers.postgres import CutProxy, production_config
from lionagi_qe.errors import StorageConnectionError, StorageError
from lionagi_qe.storage.postgres import PostgresMemory

T = 3.0
SILENT_BOUND = 2 * T + 2
LOCK_BOUND = T


@pytest.fixture
async def through_proxy(cut_proxy: CutProxy, pg_schema: str) -> AsyncIterator[PostgresMemory]:
    memory = PostgresMemory(production_config(cut_proxy.url, pg_schema, max_connections=2, connection_timeout=T))
    await memory.connect()
    try:
        yield memory
    finally:
        cut_proxy.resume()
        await memory.disconnect()


@pytest.mark.parametrize("call", ["retrieve", "store", "store_many", "search"])
async def test_a_call_on_a_connection_that_went_silent_ends_within_its_bound(
    through_proxy: PostgresMemory, cut_proxy: CutProxy, call: str
) -> None:
    memory = through_proxy
    assert await memory.store("aqe/k", 1) == 1  # the connection just used is held for the next call
    calls = {
        "retrieve": lambda: memory.retrieve("aqe/k"),
        "store": lambda: memory.store("aqe/k", 2),
        "store_many": lambda: memory.store_many({"aqe/a": 1, "aqe/b": 2}),
        "search": lambda: memory.search("aqe/*"),
    }
    cut_proxy.stall()
    started = time.monotonic()
    with pytest.raises(StorageConnectionError, match=r"within 3s") as caught:
        await asyncio.wait_for(calls[call](), 30)
    elapsed = time.monotonic() - started
    print(f"\n{call} through a silent network: StorageConnectionError after {elapsed:.1f}s")
    assert elapsed < 2 * SILENT_BOUND
    assert "127.0.0.1" in str(caught.value)

    cut_proxy.resume()
    assert await asyncio.wait_for(memory.retrieve("aqe/k"), 30) in (1, 2)


async def test_a_statement_blocked_by_another_connections_lock_ends_after_connection_timeout(
    postgres_url: str, pg_schema: str
) -> None:
    memory = PostgresMemory(production_config(postgres_url, pg_schema, connection_timeout=T))
    await memory.connect()
    try:
        await memory.store("aqe/k", 1)
        async with await psycopg.AsyncConnection.connect(postgres_url) as locker:
            await locker.execute(f'LOCK TABLE "{pg_schema}".memory IN ACCESS EXCLUSIVE MODE')
            for call in (lambda: memory.retrieve("aqe/k"), lambda: memory.store("aqe/k", 2)):
                started = time.monotonic()
                with pytest.raises(StorageError, match=r"lock held by another connection for over 3s") as caught:
                    await asyncio.wait_for(call(), 30)
                elapsed = time.monotonic() - started
                print(f"\nblocked by a lock: StorageError after {elapsed:.1f}s")
                assert elapsed < 2 * LOCK_BOUND
                assert "DB_CONNECTION_TIMEOUT" in str(caught.value)
            await locker.rollback()
        assert await memory.store("aqe/k", 3) == 2
    finally:
        await memory.disconnect()


async def statement_settings(memory: PostgresMemory) -> dict[str, Any]:
    async def show(conn: psycopg.AsyncConnection[Any], retrying: bool) -> dict[str, Any]:
        cur = await conn.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
        row = await cur.fetchone()
        assert row is not None
        return {"statement_timeout": row[0], "lock_timeout": row[1]}

    return await memory._conns.run(show, what="read the session settings")


async def test_pooled_connections_carry_the_server_side_bounds(postgres_url: str, pg_schema: str) -> None:
    memory = PostgresMemory(production_config(postgres_url, pg_schema, connection_timeout=7))
    await memory.connect()
    try:
        assert await statement_settings(memory) == {"statement_timeout": "8s", "lock_timeout": "7s"}
    finally:
        await memory.disconnect()
