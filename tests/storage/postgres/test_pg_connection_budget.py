"""The server's connection budget: health() reports it, and running out of connections says what to change."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from helpers.pgbouncer import PgBouncer, config_through
from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import StorageConnectionError
from lionagi_qe.storage.postgres import PostgresMemory


@pytest.fixture
def full_role(db: psycopg.Connection[Any]) -> Iterator[str]:
    """A login role allowed no connection at all: the server answers 'too many connections' (SQLSTATE 53300)."""
    role = f"aqe_full_{uuid.uuid4().hex[:8]}"
    db.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    yield role
    db.execute(f'DROP ROLE IF EXISTS "{role}"')


async def test_a_server_out_of_connections_names_the_numbers_to_change(
    postgres_url: str, pg_schema: str, full_role: str
) -> None:
    parts = urlsplit(postgres_url)
    url = parts._replace(netloc=f"{full_role}@{parts.hostname}:{parts.port or 5432}").geturl()
    memory = PostgresMemory(StorageConfig.for_production(url, max_connections=7, db_schema=pg_schema))
    with pytest.raises(StorageConnectionError) as caught:
        await memory.connect()
    message = str(caught.value)
    assert "too many connections" in message and "no connection left" in message
    assert "up to 7 (DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW)" in message
    assert "run fewer processes" in message and "max_connections" in message and "AQE_DB_POOLER=transaction" in message
    assert not memory.connected


async def test_behind_a_pooler_the_budget_is_reported_without_a_verdict(
    pgbouncer_transaction: PgBouncer, pg_config: StorageConfig, db: psycopg.Connection[Any]
) -> None:
    memory = PostgresMemory(config_through(pgbouncer_transaction, pg_config))
    await memory.connect()
    try:
        budget = (await memory.health())["connections"]
    finally:
        await memory.disconnect()
    row = db.execute("SELECT current_setting('max_connections')::int").fetchone()
    assert row is not None and budget["max_connections"] == row[0]
    assert (budget["pooler"], budget["pool_max"], budget["fits"]) == ("transaction", pg_config.max_connections, None)
