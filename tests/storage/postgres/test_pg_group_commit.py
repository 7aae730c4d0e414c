"""Group commit: concurrent stores share transactions, and each returns only once its value is committed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
from typing import Any

import psycopg

from helpers.postgres import worker_command, worker_env
from lionagi_qe.errors import StorageError
from lionagi_qe.storage.postgres import PostgresMemory


def write_log_rows(db: psycopg.Connection[Any], schema: str) -> int:
    return db.execute(f'SELECT count(*) FROM "{schema}".write_log').fetchone()[0]  # type: ignore[index]


async def test_concurrent_stores_share_transactions(pg_memory: PostgresMemory, db: psycopg.Connection[Any]) -> None:
    before = write_log_rows(db, pg_memory.schema)
    versions = await asyncio.gather(*(pg_memory.store(f"aqe/agents/{i}", {"agent": i}) for i in range(64)))
    assert versions == [1] * 64
    transactions = write_log_rows(db, pg_memory.schema) - before
    assert transactions < 64 / 4, f"64 concurrent stores took {transactions} transactions"
    assert await pg_memory.retrieve_many([f"aqe/agents/{i}" for i in range(64)]) == {
        f"aqe/agents/{i}": {"agent": i} for i in range(64)
    }


async def test_a_store_that_returned_is_visible_to_another_connection(
    pg_memory: PostgresMemory, postgres_url: str
) -> None:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as other:
        query = f'SELECT value, version FROM "{pg_memory.schema}".memory WHERE key = %s'

        async def store_then_look(i: int) -> tuple[Any, ...] | None:
            version = await pg_memory.store(f"k/{i % 5}", i)
            cur = await other.execute(query, [f"k/{i % 5}"])
            row = await cur.fetchone()
            assert row is not None and row[1] >= version
            return row

        await asyncio.gather(*(store_then_look(i) for i in range(40)))


async def test_writes_to_one_key_keep_their_order(pg_memory: PostgresMemory) -> None:
    versions = await asyncio.gather(*(pg_memory.store("aqe/ordered", i) for i in range(30)))
    assert versions == list(range(1, 31))
    assert await pg_memory.retrieve_versioned("aqe/ordered") == (29, 30)


async def test_a_batch_mixes_partitions_and_ttls(pg_memory: PostgresMemory, db: psycopg.Connection[Any]) -> None:
    await asyncio.gather(
        pg_memory.store("a", 1, partition="p1"),
        pg_memory.store("b", 2, ttl=60, partition="p2"),
        pg_memory.store("c", 3, ttl=3600),
    )
    rows = db.execute(
        f'SELECT key, partition, extract(epoch FROM expires_at - updated_at) FROM "{pg_memory.schema}".memory '
        "ORDER BY key"
    ).fetchall()
    assert [(k, p, None if s is None else float(s)) for k, p, s in rows] == [
        ("a", "p1", None),
        ("b", "p2", 60.0),
        ("c", "default", 3600.0),
    ]


def test_kill_9_of_a_writer_loses_no_acknowledged_write(
    postgres_url: str, pg_schema: str, db: psycopg.Connection[Any]
) -> None:
    proc = subprocess.Popen(
        worker_command("write-acks", postgres_url, pg_schema, "k9", "8"),
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    acked: list[str] = []
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        for line in proc.stdout:
            acked.append(line.split()[1])
            if len(acked) == 400:
                os.kill(proc.pid, signal.SIGKILL)
                break
        acked.extend(line.split()[1] for line in proc.stdout if line.startswith("ack "))
        proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 400
    stored = dict(db.execute(f'SELECT key, value FROM "{pg_schema}".memory').fetchall())
    for key in acked:
        _, w, i = key.split("/")
        assert stored.get(key) == {"w": int(w), "i": int(i)}, f"acknowledged {key} was lost"
    assert json.dumps(sorted(stored)) != "[]"


async def test_a_batch_that_fails_for_one_value_fails_only_that_one(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    """A value the server refuses (here a CHECK constraint) fails its own store; its batch-mates are retried apart."""
    db.execute(f"ALTER TABLE \"{pg_memory.schema}\".memory ADD CONSTRAINT no_poison CHECK (key <> 'aqe/poison')")
    keys = [f"aqe/ok/{i:02d}" for i in range(30)]
    results = await asyncio.gather(
        *(pg_memory.store(key, i) for i, key in enumerate(keys[:15])),
        pg_memory.store("aqe/poison", "x"),
        *(pg_memory.store(key, i) for i, key in enumerate(keys[15:], start=15)),
        return_exceptions=True,
    )
    assert isinstance(results[15], StorageError)
    assert "no_poison" in str(results[15])
    assert results[:15] + results[16:] == [1] * 30
    assert await pg_memory.retrieve_many(keys) == {key: i for i, key in enumerate(keys)}
    assert await pg_memory.exists("aqe/poison") is False
