"""What the PostgreSQL backend logs: retries, reconnects and the listener's reconnection, never a password."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from helpers.postgres import CutProxy, production_config, wait_until_async
from lionagi_qe.storage.postgres import PostgresMemory

PASSWORD = "l0g-s3cr3t-Xy7"


def with_password(url: str) -> str:
    """`url` with PASSWORD as its password (the test server trusts local connections, so it is not checked)."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:{PASSWORD}@{host}").geturl()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )


async def test_retries_and_reconnects_are_logged_without_the_password(
    postgres_url: str, pg_schema: str, db: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, psycopg's and psycopg_pool's
    proxy = await CutProxy(with_password(postgres_url)).start()
    memory = PostgresMemory(production_config(proxy.url, pg_schema, max_connections=2))
    assert PASSWORD in proxy.url
    await memory.connect()
    try:
        await memory.store("aqe/k", 1)
        proxy.cut_next_response()
        assert await memory.store("aqe/k", 2) == 2
        async with memory.watch("aqe/"):
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                [f"lionagi-qe:{pg_schema}"],
            )
            await wait_until_async(
                lambda: "is reconnecting" in caplog.text, timeout=20, what="the listener to notice"
            )
            assert await memory.store("aqe/k", 3) == 3
    finally:
        await memory.disconnect()
        await proxy.close()
    text = logged(caplog)
    assert PASSWORD not in text
    ours = [r for r in caplog.records if r.name.startswith("lionagi_qe.storage")]
    messages = [r.getMessage() for r in ours]
    assert any(
        r.levelname == "WARNING" and "lost the connection to PostgreSQL at" in r.getMessage() for r in ours
    ), messages
    assert any("reconnected to PostgreSQL at" in m and "store a value went through on retry 1" in m for m in messages)
    assert any("change listener on" in m and "is reconnecting" in m for m in messages)
    assert memory.config.location in text
