"""Commands that only read (`aqe memory ls|get`, `aqe history`) create nothing and need no CREATE rights."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from typer.testing import CliRunner

from lionagi_qe.cli.main import app
from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.postgres import PostgresMemory

runner = CliRunner()


@pytest.fixture
def db(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A plain autocommit connection as the server's owner, to create roles and look at schemas."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def reader_url(postgres_url: str, db: psycopg.Connection[Any]) -> Iterator[str]:
    """The test server's URL as a new role that may log in and nothing more (no CREATE on the database)."""
    role = f"aqe_reader_{uuid.uuid4().hex[:8]}"
    db.execute(f'CREATE ROLE "{role}" LOGIN')
    database = db.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    assert not db.execute("SELECT has_database_privilege(%s, %s, 'CREATE')", [role, database]).fetchone()[0]  # type: ignore[index]
    parts = urlsplit(postgres_url)
    try:
        yield parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}").geturl()
    finally:
        db.execute(f'DROP ROLE IF EXISTS "{role}"')


def schema_exists(db: psycopg.Connection[Any], schema: str) -> bool:
    row = db.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", [schema]).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize("who", ["reader without CREATE", "owner"])
def test_reading_an_empty_database_creates_nothing(
    clean_env: pytest.MonkeyPatch,
    postgres_url: str,
    reader_url: str,
    pg_schema: str,
    db: psycopg.Connection[Any],
    who: str,
) -> None:
    clean_env.setenv("AQE_STORAGE_MODE", "production")
    clean_env.setenv("DATABASE_URL", reader_url if who.startswith("reader") else postgres_url)
    clean_env.setenv("AQE_DB_SCHEMA", pg_schema)

    listed = runner.invoke(app, ["memory", "ls"])
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout == ""
    history = runner.invoke(app, ["history"])
    assert history.exit_code == 0, history.stderr
    assert "no runs in memory yet" in history.stdout
    assert runner.invoke(app, ["history", "--json"]).stdout.strip() == "[]"
    missing = runner.invoke(app, ["memory", "get", "aqe/quality/x/verdict"])
    assert missing.exit_code == 1
    assert "no value under" in missing.stderr
    assert not schema_exists(db, pg_schema)


async def test_the_first_write_creates_the_schema_and_readers_then_see_it(
    postgres_url: str, pg_schema: str, db: psycopg.Connection[Any]
) -> None:
    config = StorageConfig.for_production(postgres_url, min_connections=1, max_connections=4, db_schema=pg_schema)
    reader, writer = PostgresMemory(config), PostgresMemory(config)
    await reader.connect()
    await writer.connect()
    try:
        assert await reader.list_keys() == []
        assert await reader.retrieve("aqe/k") is None
        assert await reader.exists("aqe/k") is False
        assert (await reader.get_stats())["total_keys"] == 0
        assert await reader.delete("aqe/k") is False
        assert await reader.cleanup_expired() == 0
        assert not schema_exists(db, pg_schema)
        assert await writer.store("aqe/k", 1) == 1
        assert schema_exists(db, pg_schema)
        assert await reader.retrieve("aqe/k") == 1
        assert await reader.search("aqe/*") == {"aqe/k": 1}
    finally:
        await reader.disconnect()
        await writer.disconnect()
