"""`PostgresMemory`: the memory contract on PostgreSQL, the backend of production mode.

    config = StorageConfig.for_production("postgresql://qe@db:5432/qe")
    memory = PostgresMemory(config)
    await memory.connect()            # reach the server, migrate an existing schema (safe from many processes), pool
    await memory.store("aqe/quality/metrics", {"coverage": 94.5}, ttl=86400)   # the first write creates the schema
    await memory.retrieve("aqe/quality/metrics")          # {'coverage': 94.5}
    await memory.disconnect()

Values are kept as the JSON text written (a `json` column), so they read back
exactly as stored, as from the in-process backend;
TTLs run on the database clock. Concurrent `store` calls share transactions
(group commit), and each returns once its value is committed. Every write
records its outcome under a token in the same statement, so a write whose
connection broke is looked up before it is tried again: applied once. Watches
use LISTEN/NOTIFY on a dedicated connection. Nothing is created until
something is written (or `prepare()` is called): reading a database where
the schema does not exist yet finds nothing and needs no CREATE rights. See
docs/postgres.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg.types.json import set_json_loads

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.errors import StorageError
from lionagi_qe.storage.base import DEFAULT_PARTITION, Entry, MemoryBackend, Versioned
from lionagi_qe.storage.codec import MAX_VALUE_BYTES, decode_value
from lionagi_qe.storage.keys import glob_to_like, prefix_to_like
from lionagi_qe.storage.pg_connections import PgConnections, not_connected
from lionagi_qe.storage.pg_group_commit import GroupCommit, Pending
from lionagi_qe.storage.pg_listener import ChangeListener
from lionagi_qe.storage.pg_sql import Queries
from lionagi_qe.storage.postgres_schema import (
    applied_version,
    channel_name,
    latest_version,
    migrate,
    watch_lock_key,
)

_ABSENT = (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName)
MAX_TTL_SECONDS = 1e10
"""Longer TTLs (over 300 years) are stored as this; PostgreSQL intervals are finite."""
WRITE_LOG_RETENTION_SECONDS = 600.0
"""How long a write's outcome is kept for a retry to find; `cleanup_expired` prunes older ones."""


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(decode_value, conn)


def _json_array(items: list[Any]) -> str:
    return orjson.dumps(items).decode()


def _join_json(encoded: Iterable[bytes]) -> str:
    """A JSON array of values already encoded, sent as one parameter (cheaper than a text[])."""
    return (b"[" + b",".join(encoded) + b"]").decode()


def new_write_token() -> UUID:
    """A random write token that starts with the time in milliseconds, so the log's index grows at one end."""
    return UUID(int=time.time_ns() // 1_000_000 << 80 | int.from_bytes(os.urandom(10), "big"))


def _ttl(ttl: float | None) -> float | None:
    return None if ttl is None else min(ttl, MAX_TTL_SECONDS)


class PostgresMemory(MemoryBackend):
    """Durable memory shared by every process that uses the same database and schema."""

    backend_name = "postgres"
    persistent = True

    def __init__(self, config: StorageConfig, *, max_value_bytes: int = MAX_VALUE_BYTES) -> None:
        super().__init__(max_value_bytes=max_value_bytes)
        self.config = config
        self.schema = config.db_schema
        self.server_version: str | None = None
        self.schema_version: int | None = None
        self._queries = Queries(self.schema)
        self._conns = PgConnections(config, configure=_configure)
        self._commits = GroupCommit(self._write_batch)
        self._listener: ChangeListener | None = None
        self._lifecycle = asyncio.Lock()
        self._creating = asyncio.Lock()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<PostgresMemory {self._conns.target} schema={self.schema!r} {state}>"

    @property
    def connected(self) -> bool:
        """True between `connect()` and `disconnect()`."""
        return self._conns.pool is not None

    # -- lifecycle ---------------------------------------------------------

    async def connect(self) -> None:
        """Reach the server, migrate the schema if it exists and is older, open the pool; idempotent.

        A schema that does not exist yet is left alone: the first write (or `prepare()`) creates it.
        """
        async with self._lifecycle:
            if self.connected:
                return
            conn = await self._conns.connect_direct()
            error: StorageError | None = None
            try:
                self.server_version = conn.info.parameter_status("server_version")
                if await applied_version(conn, self.schema) is not None:
                    self.schema_version = await self._migrate(conn)
            except psycopg.Error as exc:
                error = self._conns.rejected(exc, f"prepare schema {self.schema!r}")
            finally:
                await conn.close()
            if error is not None:
                raise error
            await self._conns.open_pool()

    async def prepare(self) -> None:
        """Create (or migrate) the schema now, as the first write would; needs CREATE rights if it is absent."""
        self._require_connected()
        async with self._creating:  # concurrent first writes create it once
            if self.schema_version is not None:
                return
            conn = await self._conns.connect_direct()
            error: StorageError | None = None
            try:
                self.schema_version = await self._migrate(conn)
            except psycopg.Error as exc:
                error = self._conns.rejected(exc, f"create schema {self.schema!r}")
            finally:
                await conn.close()
            if error is not None:
                raise error

    async def _migrate(self, conn: psycopg.AsyncConnection[Any]) -> int:
        return await migrate(conn, self.schema, lock_timeout=max(60.0, self.config.connection_timeout))

    async def disconnect(self) -> None:
        """Finish queued writes, stop watching, close every connection; idempotent."""
        async with self._lifecycle:
            await self._commits.drain()
            if self._listener is not None:
                await self._listener.stop()
                self._listener = None
            await self._conns.close()

    async def health(self) -> dict[str, Any]:
        """Server and schema versions, pool figures, connection budget and key count, for `aqe config --check`.

        `schema_version` is None while the schema does not exist yet (the first write creates it).
        """
        self._require_connected()

        async def probe(conn: psycopg.AsyncConnection[Any], retrying: bool) -> tuple[int | None, int, tuple[int, ...]]:
            version = await applied_version(conn, self.schema)
            total = 0
            if version is not None:
                cur = await conn.execute(self._queries["partition_counts"])
                total = sum(count for _, count in await cur.fetchall())
            cur = await conn.execute(self._queries["connection_budget"])
            return version, total, tuple(await cur.fetchone() or ())

        version, total, (max_connections, in_use, reserved) = await self._conns.run(probe, what="check its health")
        budget = self._budget(max_connections, in_use, reserved)
        report: dict[str, Any] = {
            "backend": self.backend_name,
            "ok": version in (None, latest_version()),
            "server": self._conns.target,
            "server_version": self.server_version,
            "schema": self.schema,
            "schema_version": version,
            "pool": self.pool_stats(),
            "connections": budget,
            "total_keys": total,
        }
        if budget["fits"] is False:
            report["warning"] = (
                f"this process's pool may grow to {self.config.max_connections} connections but the server has "
                f"{budget['free']} left: lower DB_POOL_SIZE / DB_POOL_MAX_OVERFLOW, run fewer "
                "processes, raise max_connections, or put a transaction pooler in front (docs/postgres.md, Sizing)"
            )
        return report

    def _budget(self, max_connections: int, in_use: int, reserved: int) -> dict[str, Any]:
        """The server's connection budget beside this pool's maximum; `fits` is None behind a pooler."""
        pool = self.pool_stats()
        free = max(0, max_connections - reserved - in_use)
        direct = self.config.pooler is PoolerMode.NONE
        return {
            "max_connections": max_connections,
            "in_use": in_use,
            "reserved": reserved,
            "free": free,
            "pool_max": pool["max"],
            "pooler": self.config.pooler.value,
            "fits": pool["max"] - pool["size"] <= free if direct else None,
        }

    def pool_stats(self) -> dict[str, int]:
        """Pool figures without a round trip: min, max, size (open), available, waiting."""
        return self._conns.stats()

    def _require_connected(self) -> None:
        if not self.connected:
            raise not_connected()

    # -- running statements ------------------------------------------------

    def _absent(self, exc: psycopg.Error) -> bool:
        """True if `exc` says the schema or its tables do not exist and this backend has not created them."""
        return self.schema_version is None and isinstance(exc, _ABSENT)

    async def _read(
        self, name: str, params: dict[str, Any], what: str, absent: list[tuple[Any, ...]] | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of a read; `absent` (default: none) while the schema does not exist yet."""
        query = self._queries[name]

        async def attempt(conn: psycopg.AsyncConnection[Any], retrying: bool) -> list[tuple[Any, ...]]:
            try:
                cur = await conn.execute(query, params)
            except psycopg.Error as exc:
                if not self._absent(exc):
                    raise
                return [] if absent is None else absent
            return await cur.fetchall()

        return await self._conns.run(attempt, what=what)

    async def _write(self, name: str, params: dict[str, Any], what: str, *, creates: bool = True) -> Any:
        """Run a logged write; returns its logged result (None if it wrote nothing).

        A write that `creates` rows creates the schema first if needed; one that only removes
        rows (delete, clear) does nothing where the schema does not exist, and returns None.
        """
        if creates and self.schema_version is None:
            await self.prepare()
        query, lookup = self._queries[name], self._queries["write_result"]
        token = params["token"] = new_write_token()

        async def logged(conn: psycopg.AsyncConnection[Any]) -> tuple[Any, ...] | None:
            cur = await conn.execute(lookup, {"token": token})
            return await cur.fetchone()

        async def attempt(conn: psycopg.AsyncConnection[Any], retrying: bool) -> Any:
            if retrying and (row := await logged(conn)) is not None:
                return row[0]
            try:
                cur = await conn.execute(query, params)
            except psycopg.errors.UniqueViolation:
                if not retrying or (row := await logged(conn)) is None:
                    raise
                return row[0]  # the first attempt committed while this one waited for it
            except psycopg.Error as exc:
                if creates or not self._absent(exc):
                    raise
                return None
            row = await cur.fetchone()
            return None if row is None else row[0]

        return await self._conns.run(attempt, what=what)

    async def _write_batch(self, items: list[Pending]) -> dict[str, int]:
        if len(items) == 1:
            item = items[0]
            params = {"key": item.key, "value": item.data.decode(), "partition": item.partition, "ttl": item.ttl}
            return {item.key: int(await self._write("store", params, "store a value"))}
        params = {
            "keys": _json_array([item.key for item in items]),
            "values": _join_json([item.data for item in items]),
            "partitions": _json_array([item.partition for item in items]),
            "ttls": _json_array([item.ttl for item in items]),
        }
        versions: dict[str, int] = await self._write("store_batch", params, f"store {len(items)} values")
        return versions

    # -- primitives --------------------------------------------------------

    async def store(self, key: str, value: Any, ttl: float | None = None, partition: str = DEFAULT_PARTITION) -> int:
        """Store a JSON value under `key`; returns its new version once committed. `ttl` in seconds."""
        key, data, ttl, partition = self._prepare(key, value, ttl, partition)
        self._require_connected()
        return await self._commits.submit(Pending(key, data, _ttl(ttl), partition))

    async def _store_many(self, items: dict[str, bytes], ttl: float | None, partition: str) -> int:
        self._require_connected()
        params = {
            "keys": _json_array(list(items)),
            "values": _join_json(items.values()),
            "partition": partition,
            "ttl": _ttl(ttl),
        }
        return int(await self._write("store_many", params, f"store {len(items)} values"))

    async def _retrieve(self, key: str) -> Versioned | None:
        rows = await self._read("retrieve", {"key": key}, "retrieve a value")
        return Versioned(*rows[0]) if rows else None

    async def _retrieve_many(self, keys: list[str]) -> dict[str, Any]:
        found = dict(await self._read("retrieve_many", {"keys": keys}, f"retrieve {len(keys)} values"))
        return {key: found[key] for key in keys if key in found}

    async def _delete(self, key: str) -> bool:
        return bool(await self._write("delete", {"key": key}, "delete a key", creates=False))

    async def _exists(self, key: str) -> bool:
        rows = await self._read("exists", {"key": key}, "check a key", absent=[(False,)])
        return bool(rows[0][0])

    async def _search(self, pattern: str) -> dict[str, Any]:
        return dict(await self._read("search", {"pattern": glob_to_like(pattern)}, "search keys"))

    async def _list_keys(self, prefix: str) -> list[str]:
        rows = await self._read("list_keys", {"pattern": prefix_to_like(prefix)}, "list keys")
        return [key for (key,) in rows]

    async def _clear_partition(self, partition: str) -> int:
        cleared = await self._write("clear_partition", {"partition": partition}, "clear a partition", creates=False)
        return int(cleared or 0)

    async def _partition_counts(self) -> dict[str, int]:
        return dict(await self._read("partition_counts", {}, "count keys"))

    async def _cleanup_expired(self) -> int:
        cleanup, prune = self._queries["cleanup_expired"], self._queries["prune_write_log"]

        async def sweep(conn: psycopg.AsyncConnection[Any], retrying: bool) -> int:
            try:
                cur = await conn.execute(cleanup)
            except psycopg.Error as exc:
                if not self._absent(exc):
                    raise
                return 0
            await conn.execute(prune, {"keep": WRITE_LOG_RETENTION_SECONDS})
            return cur.rowcount

        return await self._conns.run(sweep, what="sweep expired keys")

    async def _entries_page(self, prefix: str, after: str, limit: int) -> list[Entry]:
        params = {"pattern": prefix_to_like(prefix), "after": after, "limit": limit}
        return [Entry(*row) for row in await self._read("entries", params, "read entries")]

    async def _compare_and_set(
        self, key: str, data: bytes, expected_version: int, ttl: float | None, partition: str
    ) -> int | None:
        name = "compare_and_insert" if expected_version == 0 else "compare_and_update"
        params = {
            "key": key,
            "value": data.decode(),
            "partition": partition,
            "ttl": _ttl(ttl),
            "expected": expected_version,
        }
        version: int | None = await self._write(name, params, "compare-and-set a value")
        return version

    # -- watching ----------------------------------------------------------

    async def _start_watching(self) -> None:
        self._require_connected()
        listener = ChangeListener(
            self._conns.connect_direct,
            channel_name(self.schema),
            self._publish,
            watch_lock=watch_lock_key(self.schema),
        )
        await listener.start()
        self._listener = listener

    async def _stop_watching(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.stop()
