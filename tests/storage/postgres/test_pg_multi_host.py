"""Multi-host URLs (libpq's failover): both spellings accepted, each host given its share of the timeout."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.postgres import production_config
from lionagi_qe.storage.postgres import PostgresMemory

T = 8.0
"""connection_timeout: two hosts get 4 s each."""


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts TCP connections and never answers (a host that is down behind a firewall)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def server_of(url: str) -> tuple[str, str, str, str]:
    """(user, host, port, database) of the test server's URL; the host may be a socket directory."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    port = query.get("port", [str(parts.port or 5432)])[0]
    return parts.username or "postgres", host, port, parts.path.lstrip("/") or "postgres"


def two_hosts(url: str, dead_port: int, spelling: str) -> str:
    user, host, port, database = server_of(url)
    if spelling == "host list" and not host.startswith("/"):
        return f"postgresql://{user}@127.0.0.1:{dead_port},{host}:{port}/{database}"
    return f"postgresql://{user}@/{database}?host=127.0.0.1,{host}&port={dead_port},{port}"


@pytest.mark.parametrize("spelling", ["host list", "host parameter"])
async def test_a_silent_first_host_fails_over_to_the_second_within_the_timeout(
    postgres_url: str, pg_schema: str, silent_port: int, spelling: str
) -> None:
    url = two_hosts(postgres_url, silent_port, spelling)
    memory = PostgresMemory(production_config(url, pg_schema, connection_timeout=T))
    assert "127.0.0.1" in memory.config.location and "," in memory.config.location
    started = time.monotonic()
    await asyncio.wait_for(memory.connect(), 30)
    elapsed = time.monotonic() - started
    print(f"\nfailed over past a silent host in {elapsed:.1f}s (timeout {T:g}s)")
    try:
        assert elapsed < T
        assert await memory.store("aqe/k", 1) == 1
        assert await memory.retrieve("aqe/k") == 1
    finally:
        await memory.disconnect()


async def test_a_refused_first_host_fails_over_at_once(postgres_url: str, pg_schema: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    memory = PostgresMemory(production_config(two_hosts(postgres_url, closed, "host list"), pg_schema))
    await asyncio.wait_for(memory.connect(), 30)
    try:
        assert await memory.store("aqe/k", 1) == 1
    finally:
        await memory.disconnect()
