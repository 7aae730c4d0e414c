"""Schema creation and versioned migrations on connect()."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from helpers.postgres import production_config, start_together, worker_command, worker_env
from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import StorageError
from lionagi_qe.storage.postgres import PostgresMemory
from lionagi_qe.storage.postgres_schema import channel_name, latest_version, lock_key, migrations


def applied(db: psycopg.Connection[Any], schema: str) -> list[tuple[int, str]]:
    return db.execute(f'SELECT version, name FROM "{schema}".schema_migrations ORDER BY version').fetchall()


def schema_exists(db: psycopg.Connection[Any], schema: str) -> bool:
    row = db.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", [schema]).fetchone()
    return bool(row and row[0])


async def test_the_first_write_creates_the_schema_and_records_every_migration(
    pg_config: StorageConfig, db: psycopg.Connection[Any]
) -> None:
    memory = PostgresMemory(pg_config)
    await memory.connect()
    await memory.connect()  # idempotent
    try:
        assert memory.schema_version is None
        assert not schema_exists(db, pg_config.db_schema)  # connecting alone creates nothing
        assert await memory.store("aqe/k", 1) == 1
        assert memory.schema_version == latest_version()
        assert applied(db, pg_config.db_schema) == [(m.version, m.name) for m in migrations()]
        tables = {
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [pg_config.db_schema]
            )
        }
        assert {"memory", "write_log", "schema_migrations"} <= tables
    finally:
        await memory.disconnect()
        await memory.disconnect()  # idempotent


async def test_ten_processes_connecting_at_once_migrate_once(
    postgres_url: str, pg_schema: str, go_file: Path, db: psycopg.Connection[Any]
) -> None:
    commands = [worker_command("connect-and-store", postgres_url, pg_schema, str(go_file), str(n)) for n in range(10)]
    outputs = await asyncio.to_thread(start_together, commands, go_file, worker_env())
    assert [json.loads(out)["schema_version"] for out in outputs] == [latest_version()] * 10
    assert applied(db, pg_schema) == [(m.version, m.name) for m in migrations()]
    stored = db.execute(f'SELECT key, value FROM "{pg_schema}".memory ORDER BY key').fetchall()
    assert stored == [(f"race/{n}", n) for n in range(10)]


async def test_a_migrated_schema_is_used_without_taking_the_migration_lock(postgres_url: str, pg_schema: str) -> None:
    first = PostgresMemory(production_config(postgres_url, pg_schema))
    await first.connect()
    await first.prepare()
    await first.disconnect()
    with psycopg.connect(postgres_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [lock_key(pg_schema)])
        second = PostgresMemory(production_config(postgres_url, pg_schema))
        await asyncio.wait_for(second.connect(), 30)  # would wait for the lock (60s) if it took it
        try:
            assert await second.store("k", 1) == 1
        finally:
            await second.disconnect()


async def test_a_schema_newer_than_the_code_is_refused_with_advice(
    pg_config: StorageConfig, db: psycopg.Connection[Any]
) -> None:
    memory = PostgresMemory(pg_config)
    await memory.connect()
    await memory.prepare()
    await memory.disconnect()
    db.execute(f'INSERT INTO "{pg_config.db_schema}".schema_migrations (version, name) VALUES (999, %s)', ["future"])
    with pytest.raises(StorageError, match="upgrade lionagi-qe-fleet"):
        await PostgresMemory(pg_config).connect()


async def test_two_schemas_in_one_database_are_isolated(postgres_url: str, pg_schema: str) -> None:
    other = f"{pg_schema}_b"
    a = PostgresMemory(production_config(postgres_url, pg_schema))
    b = PostgresMemory(production_config(postgres_url, other))
    await a.connect()
    await b.connect()
    try:
        await a.store("aqe/shared-name", "fleet a")
        await b.store("aqe/shared-name", "fleet b")
        assert await a.retrieve("aqe/shared-name") == "fleet a"
        assert await b.retrieve("aqe/shared-name") == "fleet b"
    finally:
        await a.disconnect()
        await b.disconnect()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{other}" CASCADE')


def test_migration_files_are_numbered_without_gaps() -> None:
    assert [m.version for m in migrations()] == list(range(1, len(migrations()) + 1))


def test_channel_names_fit_postgres_identifiers() -> None:
    assert channel_name("aqe") == "aqe.changes"
    long_a, long_b = "a" * 63, "a" * 62 + "b"
    assert len(channel_name(long_a)) <= 63
    assert channel_name(long_a) != channel_name(long_b)



async def test_a_schema_at_version_1_is_migrated_on_connect_and_keeps_its_values(
    pg_config: StorageConfig, db: psycopg.Connection[Any]
) -> None:
    """Version 2 keeps values as the JSON text written; a version-1 schema (jsonb values) is converted in place."""
    memory = PostgresMemory(pg_config)
    await memory.connect()
    await memory.store("aqe/old", {"b": 1, "a": [1.5, "x"]})
    await memory.disconnect()
    schema = pg_config.db_schema
    db.execute(f'ALTER TABLE "{schema}".memory ALTER COLUMN value TYPE jsonb USING value::jsonb')
    db.execute(f'DELETE FROM "{schema}".schema_migrations WHERE version > 1')

    memory = PostgresMemory(pg_config)
    await memory.connect()
    try:
        assert memory.schema_version == latest_version()
        assert await memory.retrieve("aqe/old") == {"a": [1.5, "x"], "b": 1}  # jsonb had sorted the keys
        assert await memory.store("aqe/new", {"b": 1, "a": 2}) == 1
        assert list(await memory.retrieve("aqe/new")) == ["b", "a"]
    finally:
        await memory.disconnect()
    assert applied(db, schema) == [(m.version, m.name) for m in migrations()]
