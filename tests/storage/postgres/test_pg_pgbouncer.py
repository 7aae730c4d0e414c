"""Production memory through a real PgBouncer: races across processes, watches, the guide, a pooler nobody declared.

The contract suite runs through PgBouncer too (the `memory` fixture's
pgbouncer-* params); this module covers what needs several processes or a
look at the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import psycopg
import pytest

from helpers.pgbouncer import PgBouncer, config_through, need_pgbouncer
from helpers.postgres import STORAGE_VARIABLES, run_worker, start_together, worker_command, worker_env
from lionagi_qe.storage.postgres import PostgresMemory
from lionagi_qe.storage.postgres_schema import channel_name


@pytest.fixture(params=["transaction", "session"])
def bouncer(request: pytest.FixtureRequest) -> PgBouncer:
    """The session's PgBouncer in each pool mode."""
    found: PgBouncer = request.getfixturevalue(f"pgbouncer_{request.param}")
    return found


def through(bouncer: PgBouncer, postgres_url: str) -> dict[str, str]:
    """The environment of a process whose DATABASE_URL is at `bouncer`."""
    return {"DATABASE_URL": bouncer.url, "AQE_DB_POOLER": bouncer.mode, "AQE_DB_DIRECT_URL": postgres_url}


async def test_eight_processes_times_50_updates_through_the_pooler_end_at_400(
    bouncer: PgBouncer, postgres_url: str, pg_schema: str, go_file: Path, db: psycopg.Connection[Any]
) -> None:
    env = worker_env(**through(bouncer, postgres_url))
    commands = [worker_command("increment", bouncer.url, pg_schema, str(go_file), "50") for _ in range(8)]
    await asyncio.to_thread(start_together, commands, go_file, env, 240)
    row = db.execute(f'SELECT value, version FROM "{pg_schema}".memory WHERE key = %s', ["aqe/counter"]).fetchone()
    assert row == (400, 400)


async def test_a_watch_listens_on_the_direct_url_and_sees_writes_made_through_the_pooler(
    pgbouncer_transaction: PgBouncer, pg_config: Any, db: psycopg.Connection[Any]
) -> None:
    watcher = PostgresMemory(config_through(pgbouncer_transaction, pg_config))
    writer = PostgresMemory(config_through(pgbouncer_transaction, pg_config))
    await watcher.connect()
    await writer.connect()
    try:
        async with watcher.watch("aqe/coverage/") as changes:
            listener = watcher._listener
            assert listener is not None and listener._conn is not None
            pids = db.execute(
                "SELECT pid FROM pg_stat_activity WHERE query = %s", [f'LISTEN "{channel_name(watcher.schema)}"']
            ).fetchall()
            assert pids == [(listener._conn.info.backend_pid,)]  # PgBouncer would report a pid of its own
            await writer.store("aqe/coverage/run-1", {"line": 80})
            assert await changes.next(timeout=10) == "aqe/coverage/run-1"
            await writer.delete("aqe/coverage/run-1")
            assert await changes.next(timeout=10) == "aqe/coverage/run-1"
    finally:
        await watcher.disconnect()
        await writer.disconnect()


def test_guide_example_3_through_the_pooler_is_read_by_another_process(
    bouncer: PgBouncer, postgres_url: str, pg_schema: str, db: psycopg.Connection[Any]
) -> None:
    env = worker_env(AQE_STORAGE_MODE="production", AQE_DB_SCHEMA=pg_schema, **through(bouncer, postgres_url))
    assert not set(env) & set(STORAGE_VARIABLES) - {
        "AQE_STORAGE_MODE",
        "AQE_DB_SCHEMA",
        "DATABASE_URL",
        "AQE_DB_POOLER",
        "AQE_DB_DIRECT_URL",
    }
    written = json.loads(run_worker("guide-example-3", env=env))
    assert written == {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2}
    assert json.loads(run_worker("read", "aqe/quality/metrics", env=env)) == written
    row = db.execute(f'SELECT value FROM "{pg_schema}".memory WHERE key = %s', ["aqe/quality/metrics"]).fetchone()
    assert row == (written,)


async def test_an_undeclared_transaction_pooler_turns_prepared_statements_off_with_one_warning(
    postgres_url: str, pg_config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """pooler=none through PgBouncer in transaction mode with two server connections: 42P05 / 26000 appear."""
    need_pgbouncer()
    with PgBouncer(postgres_url, "transaction", pool_size=2, ignore_options=True) as small:
        config = config_through(small, pg_config).model_copy(update={"pooler": pg_config.pooler})
        memory = PostgresMemory(config)
        await memory.connect()
        try:
            assert memory._conns.prepared_statements
            with caplog.at_level(logging.WARNING, logger="lionagi_qe.storage.pg_connections"):
                for _ in range(15):
                    await asyncio.gather(*(memory.update("aqe/n", lambda n: n + 1, default=0) for _ in range(4)))
                    await asyncio.gather(*(memory.retrieve("aqe/n") for _ in range(8)))
            assert await memory.retrieve("aqe/n") == 60
        finally:
            await memory.disconnect()
    warnings = [r.getMessage() for r in caplog.records if "prepared statement" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "AQE_DB_POOLER=transaction" in warnings[0]
    assert not memory._conns.prepared_statements
