"""The guide's production samples, as written, against the test server (DATABASE_URL set as a user would)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from helpers import guide_samples as guide
from helpers.postgres import STORAGE_VARIABLES, run_guide_sample, run_worker, wait_until_async, worker_env
from lionagi_qe.config import StorageConfig
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.storage.postgres import PostgresMemory
from lionagi_qe.storage.postgres_schema import latest_version


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, postgres_url: str, pg_schema: str) -> dict[str, str]:
    """AQE_STORAGE_MODE=production and DATABASE_URL at the test server, in this test's schema."""
    for name in STORAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = {"AQE_STORAGE_MODE": "production", "DATABASE_URL": postgres_url, "AQE_DB_SCHEMA": pg_schema}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def connections_of(db: psycopg.Connection[Any], schema: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [f"lionagi-qe:{schema}"]
    ).fetchone()
    return 0 if row is None else row[0]


def test_example_3_written_by_one_process_is_read_by_another(production_env: dict[str, str]) -> None:
    written = json.loads(run_worker("guide-example-3", env=worker_env(**production_env)))
    assert written == {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2}
    read = json.loads(run_worker("read", "aqe/quality/metrics", env=worker_env(**production_env)))
    assert read == written


async def test_example_3_partition_and_ttl_are_in_the_database(
    production_env: dict[str, str], db: psycopg.Connection[Any], pg_schema: str
) -> None:
    ns = await run_guide_sample(guide.EXAMPLE_3_PRODUCTION)
    assert ns["metrics"] == {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2}
    row = db.execute(
        f'SELECT partition, extract(epoch FROM expires_at - updated_at) FROM "{pg_schema}".memory WHERE key = %s',
        ["aqe/quality/metrics"],
    ).fetchone()
    assert row is not None and (row[0], float(row[1])) == ("production_metrics", 86400.0)
    assert not ns["orchestrator"].memory.connected  # the finally clause disconnected


async def test_example_4_two_agents_share_the_postgres_memory(
    production_env: dict[str, str], db: psycopg.Connection[Any], pg_schema: str
) -> None:
    ns = await run_guide_sample("import os\n", guide.EXAMPLE_4_MULTI_AGENT)
    orchestrator = ns["orchestrator"]
    try:
        assert ns["test_plan"] == {"tests": [None]}
        assert isinstance(orchestrator.memory, PostgresMemory)
        assert ns["test_gen"].memory is ns["coverage"].memory is orchestrator.memory
        row = db.execute(
            f'SELECT partition, value FROM "{pg_schema}".memory WHERE key = %s', ["aqe/test-plan/generated"]
        ).fetchone()
        assert row == ("test-generator", {"tests": [None]})
        other = QEOrchestrator.from_environment()
        async with other:
            assert await other.memory.retrieve("aqe/test-plan/generated") == {"tests": [None]}
    finally:
        await orchestrator.disconnect()


async def test_from_environment_maps_pool_variables_one_to_one(
    production_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "DB_POOL_SIZE": "2",
        "DB_POOL_MAX_OVERFLOW": "3",
        "DB_CONNECTION_TIMEOUT": "7",
        "DB_POOL_RECYCLE": "1800",
    }.items():
        monkeypatch.setenv(name, value)
    ns = await run_guide_sample(
        guide.QUICK_START_DEVELOPMENT,
        guide.PRACTICE_AUTO_DETECT,
        "from lionagi_qe.config import StorageMode\n",
        guide.PRACTICE_CONNECT_IN_PRODUCTION,
    )
    orchestrator = ns["orchestrator"]
    try:
        pool = orchestrator.memory._conns.pool
        assert (pool.min_size, pool.max_size, pool.timeout, pool.max_lifetime) == (2, 5, 7.0, 1800.0)
        assert pool._check is None  # checked by HoldAside as they leave the pool, without backoff (test_pg_recovery)
        health = await orchestrator.memory.health()
        assert health["pool"]["min"] == 2 and health["pool"]["max"] == 5
    finally:
        await orchestrator.disconnect()


async def test_from_config_then_health_reports_server_schema_and_pool(postgres_url: str, pg_schema: str) -> None:
    config = StorageConfig.for_production(postgres_url, min_connections=1, max_connections=3, db_schema=pg_schema)
    orchestrator = QEOrchestrator.from_config(config)
    await orchestrator.connect()
    try:
        await orchestrator.memory.store("aqe/a", 1)
        health = await orchestrator.memory.health()
        assert health["backend"] == "postgres" and health["ok"] is True
        assert health["server_version"].split(".")[0].isdigit()
        assert health["schema"] == pg_schema and health["schema_version"] == latest_version()
        assert set(health["pool"]) == {"min", "max", "size", "available", "waiting"}
        assert (health["pool"]["min"], health["pool"]["max"]) == (1, 3)
        assert health["total_keys"] == 1
    finally:
        await orchestrator.disconnect()


async def test_try_finally_pattern_leaves_no_connection_open(
    production_env: dict[str, str], db: psycopg.Connection[Any], pg_schema: str
) -> None:
    ns = await run_guide_sample(guide.QUICK_START_DEVELOPMENT, guide.PRACTICE_AUTO_DETECT, guide.PRACTICE_TRY_FINALLY)
    orchestrator = ns["orchestrator"]
    assert isinstance(orchestrator.memory, PostgresMemory)
    assert orchestrator.memory.server_version is not None  # connect() ran
    assert not orchestrator.memory.connected  # disconnect() ran
    await wait_until_async(lambda: connections_of(db, pg_schema) == 0, timeout=10, what="connections to close")
