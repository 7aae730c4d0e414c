"""HoldAside on a real pool: reuse of the connection just used, return to the pool, discarding closed ones."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from helpers.postgres import wait_until_async
from lionagi_qe.storage.pg_hold_aside import HoldAside, still_open

LOGGER = "lionagi_qe.storage.pg_hold_aside"


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    """A real pool of two autocommit connections to the test server."""
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        postgres_url, min_size=2, max_size=2, open=False, kwargs={"autocommit": True}, name="hold-aside-test"
    )
    await pool.open(wait=True, timeout=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def held(pool: AsyncConnectionPool[Any]) -> AsyncIterator[HoldAside]:
    held = HoldAside(pool, target="test-server", idle_seconds=0.2, max_out_seconds=30)
    try:
        yield held
    finally:
        await held.close()


def available(pool: AsyncConnectionPool[Any]) -> int:
    return pool.get_stats()["pool_available"]


async def backend_pid(conn: psycopg.AsyncConnection[Any]) -> int:
    cur = await conn.execute("SELECT pg_backend_pid()")
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_the_connection_just_used_is_handed_out_again(pool: AsyncConnectionPool[Any], held: HoldAside) -> None:
    first = await held.getconn(5)
    await held.putconn(first)
    assert len(held) == 1
    assert available(pool) == 1  # held here, not back in the pool
    again = await held.getconn(5)
    assert again is first
    assert len(held) == 0
    await held.putconn(again)


async def test_the_most_recently_used_goes_out_first(held: HoldAside) -> None:
    a, b = await held.getconn(5), await held.getconn(5)
    await held.putconn(a)
    await held.putconn(b)
    assert await held.getconn(5) is b
    assert await held.getconn(5) is a


async def test_held_connections_go_back_to_the_pool_when_unused(
    pool: AsyncConnectionPool[Any], held: HoldAside
) -> None:
    conn = await held.getconn(5)
    await held.putconn(conn)
    assert available(pool) == 1
    await wait_until_async(lambda: len(held) == 0 and available(pool) == 2, timeout=10, what="the idle return")


async def test_a_connection_the_server_closed_is_discarded_not_handed_out(
    pool: AsyncConnectionPool[Any], held: HoldAside, db: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    conn = await held.getconn(5)
    pid = await backend_pid(conn)
    await held.putconn(conn)
    db.execute("SELECT pg_terminate_backend(%s)", [pid])
    await wait_until_async(lambda: not still_open(conn), timeout=10, what="the server to close the connection")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        other = await held.getconn(5)
    assert other is not conn
    assert await backend_pid(other) != pid
    assert [r.levelname for r in caplog.records if r.name == LOGGER] == ["WARNING"]
    assert "discarding a connection to PostgreSQL at test-server: the server closed it" in caplog.text
    await held.putconn(other)
    await wait_until_async(lambda: pool.get_stats()["pool_size"] == 2, timeout=10, what="the pool to replace it")


async def test_a_connection_inside_a_transaction_goes_back_to_the_pool(
    pool: AsyncConnectionPool[Any], held: HoldAside
) -> None:
    conn = await held.getconn(5)
    await conn.execute("BEGIN")
    await held.putconn(conn)
    assert len(held) == 0
    assert available(pool) == 2  # the pool rolled it back and kept it


async def test_a_broken_connection_goes_back_to_the_pool_which_replaces_it(
    pool: AsyncConnectionPool[Any], held: HoldAside, db: psycopg.Connection[Any]
) -> None:
    conn = await held.getconn(5)
    db.execute("SELECT pg_terminate_backend(%s)", [await backend_pid(conn)])
    with pytest.raises(psycopg.OperationalError):
        await conn.execute("SELECT 1")
    await held.putconn(conn)
    assert len(held) == 0
    await wait_until_async(lambda: available(pool) == 2, timeout=10, what="the pool to replace it")
    fresh = await held.getconn(5)
    assert fresh is not conn
    await fresh.execute("SELECT 1")
    await held.putconn(fresh)


async def test_a_connection_out_too_long_goes_back_to_be_recycled(pool: AsyncConnectionPool[Any]) -> None:
    held = HoldAside(pool, target="test-server", max_out_seconds=0.05)
    try:
        conn = await held.getconn(5)
        await asyncio.sleep(0.1)
        await held.putconn(conn)
        assert len(held) == 0
        assert available(pool) == 2
    finally:
        await held.close()


async def test_close_returns_every_held_connection_and_holds_no_more(
    pool: AsyncConnectionPool[Any], held: HoldAside
) -> None:
    a, b = await held.getconn(5), await held.getconn(5)
    await held.putconn(a)
    assert available(pool) == 0
    await held.close()
    assert len(held) == 0
    assert available(pool) == 1
    await held.putconn(b)  # released after close: straight back to the pool
    assert len(held) == 0
    assert available(pool) == 2
