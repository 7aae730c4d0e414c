"""Fixtures of the PostgreSQL tests (helpers live in tests/helpers/postgres.py).

`pg_memory`: a connected PostgresMemory in the test's schema. `db`: a plain
connection to look at what was stored. `cut_proxy`: a TCP proxy in front of
the test server. `own_server`: a private embedded server that tests may restart.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from helpers.embedded_postgres import import_pgserver
from helpers.postgres import CutProxy, OwnServer
from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.postgres import PostgresMemory


@pytest.fixture
async def pg_memory(pg_config: StorageConfig) -> AsyncIterator[PostgresMemory]:
    """A connected PostgresMemory in this test's schema, its tables created (as the first write would)."""
    memory = PostgresMemory(pg_config)
    await memory.connect()
    await memory.prepare()
    try:
        yield memory
    finally:
        await memory.disconnect()


@pytest.fixture
def db(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A plain autocommit connection to the test server, to look at what was really stored."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def go_file(tmp_path: Path) -> Path:
    """A path that worker processes wait for before they start, so they start together."""
    return tmp_path / f"go-{uuid.uuid4().hex[:6]}"


@pytest.fixture
async def cut_proxy(postgres_url: str) -> AsyncIterator[CutProxy]:
    """A CutProxy in front of the test server."""
    proxy = await CutProxy(postgres_url).start()
    try:
        yield proxy
    finally:
        await proxy.close()


@pytest.fixture(scope="module")
def own_server() -> Iterator[OwnServer]:
    """A private embedded server for restart tests, stopped at the end of the module."""
    pgserver = import_pgserver()
    with tempfile.TemporaryDirectory(prefix="aqe-own-pg-") as data_dir:
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
        url = server.get_uri()
        socket_dir = parse_qs(urlsplit(url).query)["host"][0]
        own = OwnServer(server, url, socket_dir)
        try:
            yield own
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                own.stop()
            server.cleanup()
