"""Failures users meet: unreachable server, lost connections and replies, restarts, an exhausted pool."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from helpers.postgres import CutProxy, OwnServer, production_config, wait_until_async
from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import PoolExhaustedError, StorageConnectionError
from lionagi_qe.storage.postgres import PostgresMemory

PASSWORD = "s3cr3t-pw-Zq9"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_server_fails_at_connect_naming_host_and_port_never_the_password() -> None:
    port = closed_port()
    config = StorageConfig.for_production(
        f"postgresql://qe_agent:{PASSWORD}@127.0.0.1:{port}/fleet", connection_timeout=3
    )
    memory = PostgresMemory(config)
    with pytest.raises(StorageConnectionError) as caught:
        await asyncio.wait_for(memory.connect(), 30)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "DATABASE_URL" in message
    assert PASSWORD not in message + repr(memory) + repr(config) + str(config)
    assert not memory.connected


async def test_a_server_that_never_answers_fails_within_connection_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accept, then say nothing until the client leaves

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        memory = PostgresMemory(
            StorageConfig.for_production(f"postgresql://qe:{PASSWORD}@127.0.0.1:{port}/fleet", connection_timeout=1)
        )
        with pytest.raises(StorageConnectionError, match=rf"127\.0\.0\.1:{port}/fleet within 1s") as caught:
            await asyncio.wait_for(memory.connect(), 20)
        assert PASSWORD not in str(caught.value)
    finally:
        server.close()
        await server.wait_closed()


async def test_using_the_backend_unconnected_says_to_connect(pg_config: StorageConfig) -> None:
    memory = PostgresMemory(pg_config)
    with pytest.raises(StorageConnectionError, match=r"await orchestrator\.connect\(\)"):
        await memory.store("k", 1)
    await memory.connect()
    await memory.disconnect()
    with pytest.raises(StorageConnectionError, match=r"await orchestrator\.connect\(\)"):
        await memory.retrieve("k")


async def test_an_exhausted_pool_raises_with_advice_instead_of_hanging(cut_proxy: CutProxy, pg_schema: str) -> None:
    """Two calls keep both connections busy (their answers held back by the proxy); a third one gives up."""
    memory = PostgresMemory(production_config(cut_proxy.url, pg_schema, max_connections=2, connection_timeout=1))
    await memory.connect()
    try:
        await memory.store("k", 1)
        assert await asyncio.gather(memory.retrieve("k"), memory.retrieve("k")) == [1, 1]  # both held for reuse
        cut_proxy.stall()
        blocked = [asyncio.create_task(memory.retrieve("k")) for _ in range(2)]
        await wait_until_async(lambda: _busy(memory) == 2, what="both connections to be busy")
        with pytest.raises(PoolExhaustedError, match="DB_POOL_SIZE / DB_POOL_MAX_OVERFLOW") as caught:
            await asyncio.wait_for(memory.retrieve("k"), 20)
        assert isinstance(caught.value, TimeoutError)
        cut_proxy.resume()
        assert await asyncio.gather(*blocked) == [1, 1]
        assert await memory.retrieve("k") == 1
    finally:
        cut_proxy.resume()
        await memory.disconnect()


def _busy(memory: PostgresMemory) -> int:
    stats = memory.pool_stats()
    return stats["size"] - stats["available"]


@pytest.fixture
async def proxied(cut_proxy: CutProxy, pg_schema: str) -> AsyncIterator[PostgresMemory]:
    """A backend whose connections go through the cut proxy."""
    memory = PostgresMemory(production_config(cut_proxy.url, pg_schema, max_connections=2))
    await memory.connect()
    try:
        yield memory
    finally:
        await memory.disconnect()


async def test_a_write_whose_reply_was_lost_is_applied_exactly_once(
    proxied: PostgresMemory, cut_proxy: CutProxy
) -> None:
    assert await proxied.store("aqe/k", "first") == 1
    cut_proxy.cut_next_response()  # the server commits, the reply never arrives
    assert await proxied.store("aqe/k", "second") == 2
    assert cut_proxy.cuts == 1
    assert await proxied.retrieve_versioned("aqe/k") == ("second", 2)

    cut_proxy.cut_next_response()
    assert await proxied.compare_and_set("aqe/k", "third", expected_version=2) == 3
    cut_proxy.cut_next_response()
    assert await proxied.store_many({"aqe/m1": 1, "aqe/m2": 2}) == 2
    cut_proxy.cut_next_response()
    assert await proxied.delete("aqe/m1") is True
    assert cut_proxy.cuts == 4
    assert await proxied.retrieve_versioned("aqe/k") == ("third", 3)
    assert await proxied.list_keys("aqe/") == ["aqe/k", "aqe/m2"]


async def test_a_write_that_never_reached_the_server_is_sent_again(
    proxied: PostgresMemory, cut_proxy: CutProxy
) -> None:
    assert await proxied.store("aqe/k", "first") == 1
    cut_proxy.cut_next_request()
    assert await proxied.store("aqe/k", "second") == 2
    cut_proxy.cut_next_request()
    assert await proxied.retrieve("aqe/k") == "second"
    assert cut_proxy.cuts == 2


async def test_connections_killed_while_idle_are_replaced_unnoticed(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await asyncio.gather(*(pg_memory.store(f"k/{i}", i) for i in range(20)))
    killed = db.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        [f"lionagi-qe:{pg_memory.schema}"],
    ).fetchall()
    assert killed
    await asyncio.sleep(0.2)
    assert await pg_memory.retrieve("k/3") == 3
    assert await pg_memory.store("k/3", 33) == 2


async def test_a_server_restart_during_writes_loses_nothing_and_calls_recover(own_server: OwnServer) -> None:
    schema = f"aqe_restart_{uuid.uuid4().hex[:8]}"
    memory = PostgresMemory(production_config(own_server.url, schema, connection_timeout=20))
    await memory.connect()
    acked: dict[str, int] = {}
    failures: list[Exception] = []
    stop = asyncio.Event()

    async def writer(w: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                await memory.store(f"w{w}/{i}", i)
            except StorageConnectionError as exc:
                failures.append(exc)
            else:
                acked[f"w{w}/{i}"] = i

    try:
        async with memory.watch("aqe/") as changes:
            writers = [asyncio.create_task(writer(w)) for w in range(4)]
            await wait_until_async(lambda: len(acked) >= 200, what="writes before the restart")
            await asyncio.to_thread(own_server.restart, 1.0)
            after = len(acked)
            await wait_until_async(lambda: len(acked) >= after + 200, timeout=60, what="writes after the restart")
            stop.set()
            await asyncio.gather(*writers)

            seen = None
            for attempt in range(1, 61):  # changes made before the listener is back are not replayed
                assert await memory.store("aqe/after-restart", attempt) == attempt
                seen = await changes.next(timeout=0.5)
                if seen == "aqe/after-restart":
                    break
            assert seen == "aqe/after-restart"
        assert failures == []
        async with await psycopg.AsyncConnection.connect(own_server.url) as conn:
            cur = await conn.execute(f'SELECT key, value FROM "{schema}".memory WHERE key LIKE %s', ["w%"])
            stored = dict(await cur.fetchall())
        lost = [key for key, value in acked.items() if stored.get(key) != value]
        assert lost == []
        health = await memory.health()
        assert health["ok"] is True
    finally:
        stop.set()
        await memory.disconnect()


async def test_idle_connections_left_stale_by_a_restart_are_detected_before_use(own_server: OwnServer) -> None:
    schema = f"aqe_stale_{uuid.uuid4().hex[:8]}"
    memory = PostgresMemory(production_config(own_server.url, schema, min_connections=2))
    await memory.connect()
    try:
        await memory.store("k", 1)
        await asyncio.to_thread(own_server.restart, 0.2)
        assert await memory.retrieve("k") == 1
        assert await memory.store("k", 2) == 2
    finally:
        await memory.disconnect()
