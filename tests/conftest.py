"""Fixtures shared by the whole suite.

`postgres_url`: a real PostgreSQL server. AQE_TEST_DATABASE_URL or
DATABASE_URL when set (CI sets it); otherwise an embedded throwaway server
(pgserver) started once per test session. Never skipped.

`memory`: one fresh backend per test, for each storage backend; the contract
suite runs against every one of them.

`embedded_data`: a temporary AQE_EMBEDDED_DATA whose embedded server stays up
for the whole session (never the user's own folder).

`clean_env`: the storage variables removed, so a test sees only what it sets.

`pgbouncer_transaction`, `pgbouncer_session`: a real PgBouncer in front of
`postgres_url` for the whole session (Debian package `pgbouncer`); skipped
without the binary, except in CI (CI=true) where that is a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from helpers.embedded_postgres import import_pgserver
from helpers.pgbouncer import PgBouncer, config_through, need_pgbouncer
from lionagi_qe.config import StorageConfig
from lionagi_qe.config.storage_config import STORAGE_VARIABLES
from lionagi_qe.storage import MemoryBackend, SessionMemory

pytest_plugins = ("pytester",)

os.environ["AQE_DEPENDENCY_AUDIT"] = "off"  # the suite never asks a vulnerability database off this machine


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL server (configured, or embedded and started here)."""
    configured = os.environ.get("AQE_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    pgserver = import_pgserver()
    with tempfile.TemporaryDirectory(prefix="aqe-pg-") as data_dir:
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A unique schema name for one test, dropped afterwards."""
    schema = f"aqe_test_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_config(postgres_url: str, pg_schema: str) -> StorageConfig:
    """Production settings on the test server, in this test's own schema."""
    return StorageConfig.for_production(
        postgres_url, min_connections=1, max_connections=10, connection_timeout=10, db_schema=pg_schema
    )


@pytest.fixture(scope="session")
def embedded_data() -> Iterator[Path]:
    """A temporary embedded data folder; a lease held here keeps its server up until the session ends."""
    from helpers.embedded import data_folder
    from lionagi_qe.storage.embedded_server import EmbeddedServer

    with data_folder() as folder:
        lease = EmbeddedServer(folder).acquire()
        try:
            yield folder
        finally:
            lease.release()


@pytest.fixture
def embedded_config(embedded_data: Path) -> Iterator[StorageConfig]:
    """Embedded settings on the session's folder, in this test's own schema (dropped afterwards)."""
    from lionagi_qe.storage.embedded_server import EmbeddedServer

    schema = f"aqe_test_{uuid.uuid4().hex[:12]}"
    yield StorageConfig.for_embedded(embedded_data, connection_timeout=10, db_schema=schema)
    with psycopg.connect(EmbeddedServer(embedded_data).url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _pgbouncer(postgres_url: str, mode: str) -> Iterator[PgBouncer]:
    need_pgbouncer()
    with PgBouncer(postgres_url, mode) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def pgbouncer_transaction(postgres_url: str) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the test server, for the whole session."""
    yield from _pgbouncer(postgres_url, "transaction")


@pytest.fixture(scope="session")
def pgbouncer_session(postgres_url: str) -> Iterator[PgBouncer]:
    """PgBouncer in session mode in front of the test server, for the whole session."""
    yield from _pgbouncer(postgres_url, "session")


@pytest.fixture(params=["session", "postgres", "embedded", "pgbouncer-transaction", "pgbouncer-session"])
async def memory(request: pytest.FixtureRequest) -> AsyncIterator[MemoryBackend]:
    """A fresh, connected backend of each kind (PostgreSQL also through PgBouncer, watches on the direct URL)."""
    if request.param == "session":
        backend: MemoryBackend = SessionMemory()
    elif request.param == "embedded":
        from lionagi_qe.storage.embedded import EmbeddedMemory

        backend = EmbeddedMemory(request.getfixturevalue("embedded_config"))
    elif request.param.startswith("pgbouncer-"):
        from lionagi_qe.storage.postgres import PostgresMemory

        mode = request.param.removeprefix("pgbouncer-")
        bouncer: PgBouncer = request.getfixturevalue(f"pgbouncer_{mode}")
        backend = PostgresMemory(config_through(bouncer, request.getfixturevalue("pg_config")))
    else:
        from lionagi_qe.storage.postgres import PostgresMemory

        backend = PostgresMemory(request.getfixturevalue("pg_config"))
    await backend.connect()
    try:
        yield backend
    finally:
        await backend.disconnect()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove every storage variable for this test; returns monkeypatch to set some."""
    for name in STORAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
