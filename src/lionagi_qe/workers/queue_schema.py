"""procrastinate's tables in their own schema next to the memory's, made under the memory's migration lock.

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        level = await migrate_queue(conn, "aqe", lock_timeout=60)    # schema aqe_jobs, safe from many processes

The queue of memory schema `aqe` lives in schema `aqe_jobs`. procrastinate
ships its schema as SQL (`schema.sql`) and its later changes as numbered
migration files; a new queue schema gets `schema.sql`, an existing one the
migration files newer than the level recorded in `<jobs>.aqe_queue_level`.
Both happen in one transaction under the same advisory lock as the memory's
migrations (`storage.postgres_schema.lock_key` of the memory schema), so
workers and runs may start at once. A queue already at this level is not
locked nor touched.
"""

from __future__ import annotations

import zlib
from functools import cache
from importlib.resources import files
from pathlib import Path

import psycopg
from psycopg import sql

from lionagi_qe.errors import StorageError
from lionagi_qe.storage.postgres_schema import lock_key

JOBS_SUFFIX = "_jobs"
_MAX_IDENTIFIER = 63

_LEVEL_TABLE = "aqe_queue_level"
_TABLE_EXISTS = "SELECT to_regclass(%(table)s) IS NOT NULL"
_READ_LEVEL = "SELECT level FROM {schema}.aqe_queue_level ORDER BY applied_at DESC, level DESC LIMIT 1"
_LOCK = "SELECT set_config('lock_timeout', %(lock_timeout)s, true), pg_advisory_xact_lock(%(lock)s)"
_CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS {schema}"
_SEARCH_PATH = "SELECT set_config('search_path', %(path)s, true)"
_CREATE_LEVEL = (
    "CREATE TABLE IF NOT EXISTS {schema}.aqe_queue_level "
    "(level text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
)
_RECORD_LEVEL = "INSERT INTO {schema}.aqe_queue_level (level) VALUES (%(level)s) ON CONFLICT DO NOTHING"


def jobs_schema(memory_schema: str) -> str:
    """The schema of the job queue beside memory schema `memory_schema`."""
    name = f"{memory_schema}{JOBS_SUFFIX}"
    if len(name) <= _MAX_IDENTIFIER:
        return name
    return f"{memory_schema[:46]}_{zlib.crc32(memory_schema.encode()):08x}{JOBS_SUFFIX}"


def _sql_folder() -> Path:
    return Path(str(files("procrastinate") / "sql"))


@cache
def shipped_migrations() -> tuple[str, ...]:
    """Names (without .sql) of procrastinate's migration files, in the order they apply."""
    return tuple(sorted(p.stem for p in (_sql_folder() / "migrations").glob("*.sql")))


def shipped_level() -> str:
    """The level this procrastinate's `schema.sql` is at: its newest migration's name."""
    return shipped_migrations()[-1]


async def queue_level(conn: psycopg.AsyncConnection, memory_schema: str) -> str | None:
    """The level recorded in the queue schema, or None if there is no queue yet."""
    schema = jobs_schema(memory_schema)
    table = sql.Identifier(schema, _LEVEL_TABLE).as_string()
    cur = await conn.execute(_TABLE_EXISTS, {"table": table})
    row = await cur.fetchone()
    if not row or not row[0]:
        return None
    cur = await conn.execute(_render(_READ_LEVEL, schema))
    found = await cur.fetchone()
    return None if found is None else str(found[0])


def _render(text: str, schema: str) -> str:
    return sql.SQL(text).format(schema=sql.Identifier(schema)).as_string()


async def migrate_queue(conn: psycopg.AsyncConnection, memory_schema: str, *, lock_timeout: float) -> str:
    """Create or bring up to date the queue schema of `memory_schema`; returns its level.

    `conn` must be in autocommit mode. Waits at most `lock_timeout` seconds for
    another process migrating the same memory schema or queue.
    """
    target = shipped_level()
    level = await queue_level(conn, memory_schema)
    _refuse_newer(level, memory_schema)
    if level == target:
        return target
    schema = jobs_schema(memory_schema)
    try:
        async with conn.transaction():
            await conn.execute(
                _LOCK, {"lock_timeout": f"{max(1, round(lock_timeout * 1000))}ms", "lock": lock_key(memory_schema)}
            )
            await conn.execute(_render(_CREATE_SCHEMA, schema))
            await conn.execute(_render(_CREATE_LEVEL, schema))
            cur = await conn.execute(_render(_READ_LEVEL, schema))  # a table read sees a migration just committed
            row = await cur.fetchone()
            level = None if row is None else str(row[0])
            _refuse_newer(level, memory_schema)
            if level != target:
                await conn.execute(_SEARCH_PATH, {"path": sql.Identifier(schema).as_string()})
                for step in _steps(level):
                    await conn.execute(step.read_text(encoding="utf-8").encode())
                await conn.execute(_render(_RECORD_LEVEL, schema), {"level": target})
    except psycopg.errors.LockNotAvailable:
        raise StorageError(
            f"another process has been migrating schema {memory_schema!r} or its job queue for over "
            f"{lock_timeout:g}s; wait for it to finish or look for a stuck process holding its advisory lock"
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StorageError(
            f"the database user may not create the job queue schema {schema!r} ({exc.diag.message_primary}); "
            "grant it CREATE on the database, or have an administrator run `aqe worker --check` once"
        ) from None
    return target


def _steps(level: str | None) -> list[Path]:
    """The SQL files that bring a queue at `level` (None: none yet) to the shipped level."""
    folder = _sql_folder()
    if level is None:
        return [folder / "schema.sql"]
    return [folder / "migrations" / f"{name}.sql" for name in shipped_migrations() if name > level]


def _refuse_newer(level: str | None, memory_schema: str) -> None:
    if level is not None and level > shipped_level():
        raise StorageError(
            f"the job queue of schema {memory_schema!r} was made by a newer procrastinate (level {level}, "
            f"this one knows up to {shipped_level()}); upgrade lionagi-qe-fleet's procrastinate on this machine"
        )
