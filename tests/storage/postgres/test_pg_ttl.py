"""TTL on the database clock: expiry computed and checked by PostgreSQL, swept on request and periodically."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from helpers.postgres import wait_until_async
from lionagi_qe.config import StorageConfig
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.storage.postgres import MAX_TTL_SECONDS, PostgresMemory


def expire_now(db: psycopg.Connection[Any], schema: str, *keys: str) -> None:
    """Move the expiry of `keys` into the past on the database clock, as time passing would."""
    db.execute(
        f"UPDATE \"{schema}\".memory SET expires_at = now() - interval '1 second' WHERE key = ANY(%s)", [list(keys)]
    )


async def test_expiry_is_computed_by_the_server_from_its_own_clock(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await pg_memory.store("aqe/a", 1, ttl=3600)
    await pg_memory.store_many({"aqe/b": 2}, ttl=90.5)
    await pg_memory.compare_and_set("aqe/c", 3, expected_version=0, ttl=60)
    rows = dict(
        db.execute(f'SELECT key, expires_at - updated_at FROM "{pg_memory.schema}".memory ORDER BY key').fetchall()
    )
    # both timestamps come from now() in the same statement: exact, whatever the client's clock says
    assert rows == {"aqe/a": timedelta(hours=1), "aqe/b": timedelta(seconds=90.5), "aqe/c": timedelta(minutes=1)}


async def test_rows_expired_on_the_database_clock_are_invisible_everywhere(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await pg_memory.store_many({"aqe/x/gone": 1, "aqe/x/kept": 2}, ttl=3600, partition="p")
    expire_now(db, pg_memory.schema, "aqe/x/gone")
    assert await pg_memory.retrieve("aqe/x/gone") is None
    assert await pg_memory.retrieve_versioned("aqe/x/gone") is None
    assert not await pg_memory.exists("aqe/x/gone")
    assert await pg_memory.search("aqe/x/*") == {"aqe/x/kept": 2}
    assert await pg_memory.list_keys("aqe/x/") == ["aqe/x/kept"]
    assert await pg_memory.retrieve_many(["aqe/x/gone", "aqe/x/kept"]) == {"aqe/x/kept": 2}
    assert (await pg_memory.get_stats())["partitions"] == {"p": 1}
    assert await pg_memory.compare_and_set("aqe/x/gone", "new", expected_version=1) is None
    assert await pg_memory.compare_and_set("aqe/x/gone", "new", expected_version=0) == 1
    assert await pg_memory.retrieve_versioned("aqe/x/gone") == ("new", 1)


async def test_cleanup_expired_deletes_the_rows(pg_memory: PostgresMemory, db: psycopg.Connection[Any]) -> None:
    await pg_memory.store_many({"a": 1, "b": 2, "c": 3}, ttl=3600)
    expire_now(db, pg_memory.schema, "a", "b")
    assert await pg_memory.cleanup_expired() == 2
    assert db.execute(f'SELECT key FROM "{pg_memory.schema}".memory').fetchall() == [("c",)]


async def test_the_orchestrator_sweeps_while_connected(pg_config: StorageConfig, db: psycopg.Connection[Any]) -> None:
    orchestrator = QEOrchestrator(config=pg_config, sweep_interval=0.1)
    await orchestrator.connect()
    try:
        await orchestrator.memory.store("aqe/short", 1, ttl=3600)
        expire_now(db, pg_config.db_schema, "aqe/short")

        def swept() -> bool:
            return db.execute(f'SELECT count(*) FROM "{pg_config.db_schema}".memory').fetchone() == (0,)

        await wait_until_async(swept, timeout=30, what="the periodic sweep")
    finally:
        await orchestrator.disconnect()


async def test_an_enormous_ttl_is_kept_as_the_longest_interval(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await pg_memory.store("k", "v", ttl=1e300)
    assert await pg_memory.retrieve("k") == "v"
    left = db.execute(f'SELECT expires_at - updated_at FROM "{pg_memory.schema}".memory').fetchone()
    assert left == (timedelta(seconds=MAX_TTL_SECONDS),)


async def test_old_write_outcomes_are_pruned_by_the_sweep(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await pg_memory.store("k", 1)
    await pg_memory.store("k", 2)
    log = f'"{pg_memory.schema}".write_log'
    db.execute(f"UPDATE {log} SET written_at = now() - interval '1 day' WHERE result = '1'")
    await pg_memory.cleanup_expired()
    assert db.execute(f"SELECT result FROM {log}").fetchall() == [(2,)]
