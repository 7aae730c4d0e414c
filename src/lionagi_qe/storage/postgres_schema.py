"""Schema creation and versioned migrations of the PostgreSQL backend, run by `connect()`.

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        version = await migrate(conn, "aqe", lock_timeout=60)   # safe when many processes start at once

Migrations are `storage/migrations/NNN_name.sql`, applied in order in one
transaction under a transaction-level advisory lock of the schema, each
recorded in `<schema>.schema_migrations`. A schema already at the latest
version is not locked nor touched, so a user without CREATE rights can run
against a schema prepared by someone who has them.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import psycopg
from psycopg import sql

from lionagi_qe.errors import StorageError
from lionagi_qe.storage.pg_sql import Queries, read_sql, render

_MIGRATION_FILE = re.compile(r"(\d{3})_([a-z0-9_]+)\.sql")
_MAX_CHANNEL = 63


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str


@lru_cache(maxsize=1)
def migrations() -> tuple[Migration, ...]:
    """Every migration shipped with the package, in version order."""
    found = []
    for entry in (files("lionagi_qe.storage") / "migrations").iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2]))
    return tuple(sorted(found, key=lambda m: m.version))


def latest_version() -> int:
    """The schema version this code expects."""
    return migrations()[-1].version


def channel_name(schema: str) -> str:
    """The LISTEN/NOTIFY channel on which `schema` announces changed keys."""
    name = f"{schema}.changes"
    if len(name) <= _MAX_CHANNEL:
        return name
    return f"{schema[:46]}.{zlib.crc32(schema.encode()):08x}.changes"


def lock_key(schema: str) -> int:
    """The advisory lock (a signed 64-bit key) that serialises migrations of `schema`."""
    return _advisory_key(f"lionagi_qe.migrations:{schema}")


def watch_lock_key(schema: str) -> int:
    """The advisory lock a listener holds (shared) while it watches `schema`; writers notify only then."""
    return _advisory_key(f"lionagi_qe.watchers:{schema}")


def _advisory_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def applied_version(conn: psycopg.AsyncConnection, schema: str) -> int | None:
    """The applied version of `schema`, or None if it has never been migrated."""
    queries = Queries(schema)
    table = sql.Identifier(schema, "schema_migrations").as_string()
    cur = await conn.execute(queries["migrations_table_exists"], {"table": table})
    row = await cur.fetchone()
    if not row or not row[0]:
        return None
    cur = await conn.execute(queries["schema_version"])
    row = await cur.fetchone()
    return None if row is None else row[0]


async def migrate(conn: psycopg.AsyncConnection, schema: str, *, lock_timeout: float) -> int:
    """Create `schema` if needed and apply pending migrations; returns the schema version.

    `conn` must be in autocommit mode. Waits at most `lock_timeout` seconds for
    another process that is migrating the same schema.
    """
    latest = latest_version()
    current = await applied_version(conn, schema)
    if current is not None and current > latest:
        raise StorageError(
            f"schema {schema!r} is at version {current}, newer than this lionagi-qe-fleet "
            f"knows (up to {latest}); upgrade lionagi-qe-fleet or use another AQE_DB_SCHEMA"
        )
    if current == latest:
        return current
    queries = Queries(schema)
    try:
        async with conn.transaction():
            await conn.execute(
                queries["migration_lock"],
                {"lock_timeout": f"{max(1, round(lock_timeout * 1000))}ms", "lock": lock_key(schema)},
            )
            await conn.execute(queries["create_schema"])
            await conn.execute(queries["migrations_table"])
            cur = await conn.execute(queries["migrations_applied"])
            applied = {version for (version,) in await cur.fetchall()}
            for migration in migrations():
                if migration.version in applied:
                    continue
                text = read_sql("migrations", f"{migration.version:03d}_{migration.name}")
                literals = {"channel": channel_name(schema), "watch_lock": str(watch_lock_key(schema))}
                await conn.execute(render(text, schema, **literals))
                await conn.execute(queries["record_migration"], {"version": migration.version, "name": migration.name})
    except psycopg.errors.LockNotAvailable:
        raise StorageError(
            f"another process has been migrating schema {schema!r} for over {lock_timeout:g}s; "
            "wait for it to finish or look for a stuck process holding its lock (pg_locks, locktype 'advisory')"
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StorageError(
            f"the database user may not create or change schema {schema!r} ({exc.diag.message_primary}); "
            "grant it CREATE on the database, or have an administrator run `aqe config --check` once to create it "
            "(reading needs no CREATE rights)"
        ) from None
    return latest
