"""The memory contract: one async interface that every backend implements.

    memory = SessionMemory()                  # or PostgresMemory(config)
    await memory.connect()                    # a no-op in process
    await memory.store("aqe/coverage/run-1", {"line": 85.5}, ttl=3600)
    await memory.retrieve("aqe/coverage/run-1")          # {'line': 85.5}, a copy
    await memory.search("aqe/coverage/*")                # {key: value}
    await memory.update("aqe/counter", lambda n: n + 1, default=0)

    async with memory.watch("aqe/coverage/") as changes:
        key = await changes.next(timeout=30)  # the key that changed, or None

Public methods validate their arguments here, once for every backend, then
call the backend's primitives (the `_`-prefixed abstract methods), which
receive clean input: a valid key, a validated TTL, and the value already
encoded as JSON bytes. `store`, the hot path, is written by each backend
and validates through `_prepare`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, ClassVar, NamedTuple

from lionagi_qe.errors import StorageError
from lionagi_qe.storage.codec import MAX_VALUE_BYTES, encode_value
from lionagi_qe.storage.keys import (
    validate_key,
    validate_partition,
    validate_pattern,
    validate_prefix,
    validate_ttl,
)

DEFAULT_PARTITION = "default"


class Versioned(NamedTuple):
    """A value with its version: 1 when first stored, +1 on every write."""

    value: Any
    version: int


class Entry(NamedTuple):
    """A live entry as `entries()` gives it: `ttl` is the seconds it has left (None: no expiry)."""

    key: str
    value: Any
    ttl: float | None
    partition: str


ENTRIES_PAGE = 500


class MemoryBackend(ABC):
    """Base class of every memory backend; see the module docstring for usage."""

    backend_name: ClassVar[str] = "abstract"
    persistent: ClassVar[bool] = False

    def __init__(self, *, max_value_bytes: int = MAX_VALUE_BYTES) -> None:
        self.max_value_bytes = max_value_bytes
        self._watches: list[Watch] = []

    # -- lifecycle ---------------------------------------------------------

    async def connect(self) -> None:  # noqa: B027 - a no-op unless the backend needs it
        """Open connections and prepare storage; idempotent."""

    async def disconnect(self) -> None:  # noqa: B027 - a no-op unless the backend needs it
        """Release connections; idempotent. In-process data stays until the object is dropped."""

    async def prepare(self) -> None:  # noqa: B027 - a no-op unless the backend needs it
        """Create the storage now rather than at the first write (PostgreSQL: the schema); idempotent."""

    async def health(self) -> dict[str, Any]:
        """Facts for `aqe config --check`: backend, reachability, versions, pool figures."""
        stats = await self.get_stats()
        return {"backend": self.backend_name, "ok": True, "total_keys": stats["total_keys"]}

    async def __aenter__(self) -> MemoryBackend:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    # -- single keys -------------------------------------------------------

    @abstractmethod
    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = DEFAULT_PARTITION
    ) -> int:
        """Store a JSON value under `key`; returns its new version. `ttl` in seconds.

        The one public method each backend writes itself, the hot path: it
        starts with `key, data, ttl, partition = self._prepare(...)`.
        """

    def _prepare(self, key: str, value: Any, ttl: float | None, partition: str) -> tuple[str, bytes, float | None, str]:
        """Validate one write (key, TTL, partition) and encode its value; every backend's store path."""
        validate_key(key)
        if ttl is not None:
            ttl = validate_ttl(ttl)
        if partition is not DEFAULT_PARTITION:
            validate_partition(partition)
        return key, encode_value(value, self.max_value_bytes), ttl, partition

    async def retrieve(self, key: str, default: Any = None) -> Any:
        """Return a copy of the value under `key`, or `default` if absent or expired."""
        found = await self._retrieve(validate_key(key))
        return default if found is None else found.value

    async def retrieve_versioned(self, key: str) -> Versioned | None:
        """Return `Versioned(value, version)`, or None if absent or expired."""
        return await self._retrieve(validate_key(key))

    async def delete(self, key: str) -> bool:
        """Delete `key`; True if a live entry was removed."""
        return await self._delete(validate_key(key))

    async def exists(self, key: str) -> bool:
        """True if `key` holds a live (unexpired) value."""
        return await self._exists(validate_key(key))

    # -- many keys ---------------------------------------------------------

    async def search(self, pattern: str) -> dict[str, Any]:
        """Return {key: value} for live keys matching a glob (`*`, `?`), sorted by key."""
        return await self._search(validate_pattern(pattern))

    async def list_keys(self, prefix: str = "") -> list[str]:
        """Return the sorted live keys that start with `prefix`."""
        return await self._list_keys(validate_prefix(prefix))

    async def clear_partition(self, partition: str) -> int:
        """Delete every entry of `partition`; returns how many live entries went."""
        return await self._clear_partition(validate_partition(partition))

    async def store_many(
        self,
        items: Mapping[str, Any] | Iterable[tuple[str, Any]],
        ttl: float | None = None,
        partition: str = DEFAULT_PARTITION,
    ) -> int:
        """Store several values at once, all or none; returns how many were stored."""
        pairs = items.items() if isinstance(items, Mapping) else items
        encoded: dict[str, bytes] = {}
        for key, value in pairs:
            encoded[validate_key(key)] = encode_value(value, self.max_value_bytes)
        if not encoded:
            return 0
        return await self._store_many(encoded, validate_ttl(ttl), validate_partition(partition))

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """Return {key: value} for those of `keys` that are live; absent keys are left out."""
        wanted = list(dict.fromkeys(validate_key(key) for key in keys))
        if not wanted:
            return {}
        return await self._retrieve_many(wanted)

    async def get_stats(self) -> dict[str, Any]:
        """Return {'backend', 'persistent', 'total_keys', 'partitions': {name: count}} for live keys."""
        partitions = await self._partition_counts()
        return {
            "backend": self.backend_name,
            "persistent": self.persistent,
            "total_keys": sum(partitions.values()),
            "partitions": dict(sorted(partitions.items())),
        }

    async def cleanup_expired(self) -> int:
        """Remove expired entries now; returns how many were removed."""
        return await self._cleanup_expired()

    async def entries(self, prefix: str = "", *, page: int = ENTRIES_PAGE) -> AsyncIterator[Entry]:
        """Every live entry under `prefix` in key order, with its remaining TTL and partition (for export).

        `async for entry in memory.entries("aqe/coverage/"): ...` reads `page` entries per call.
        """
        prefix = validate_prefix(prefix)
        after = ""
        while True:
            batch = await self._entries_page(prefix, after, page)
            for entry in batch:
                yield entry
            if len(batch) < page:
                return
            after = batch[-1].key

    # -- coordination ------------------------------------------------------

    async def compare_and_set(
        self,
        key: str,
        value: Any,
        expected_version: int,
        ttl: float | None = None,
        partition: str = DEFAULT_PARTITION,
    ) -> int | None:
        """Write only if the key is at `expected_version` (0: must be absent).

        Returns the new version, or None if another writer got there first.
        """
        if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
            raise StorageError(
                f"expected_version must be an int >= 0 (0 means 'key must not exist'), got {expected_version!r}"
            )
        key, data, ttl, partition = self._prepare(key, value, ttl, partition)
        return await self._compare_and_set(key, data, expected_version, ttl, partition)

    async def update(
        self,
        key: str,
        fn: Callable[[Any], Any],
        *,
        default: Any = None,
        ttl: float | None = None,
        partition: str = DEFAULT_PARTITION,
        max_attempts: int = 1000,
    ) -> Any:
        """Atomically replace the value with `fn(value)` (`fn(default)` if absent); returns it.

        Safe across agents, processes and machines: a compare-and-set loop that
        retries when another writer changed the key in between.
        """
        for attempt in range(max_attempts):
            current = await self.retrieve_versioned(key)
            old, version = (default, 0) if current is None else current
            new = fn(old)
            if await self.compare_and_set(key, new, version, ttl=ttl, partition=partition) is not None:
                return new
            await asyncio.sleep(0 if attempt < 8 else 0.001 * min(attempt, 50))
        raise StorageError(
            f"update of {key!r} lost {max_attempts} races in a row; "
            "raise max_attempts or spread writers over several keys"
        )

    def watch(self, prefix: str = "") -> Watch:
        """Subscribe to changes (store, delete, expiry sweep) of keys starting with `prefix`.

        Use as `async with memory.watch("aqe/") as changes: key = await changes.next(5)`.
        Subscribe first, then read the current state, then wait: no change is missed.
        """
        return Watch(self, validate_prefix(prefix))

    async def _start_watching(self) -> None:  # noqa: B027 - a no-op unless the backend needs it
        """Hook for backends that must open a listener before the first watch."""

    async def _stop_watching(self) -> None:  # noqa: B027 - a no-op unless the backend needs it
        """Hook called when the last watch closes."""

    def _publish(self, key: str) -> None:
        for watch in self._watches:
            if key.startswith(watch.prefix):
                watch.queue.put_nowait(key)

    # -- primitives each backend implements --------------------------------

    @abstractmethod
    async def _store_many(self, items: dict[str, bytes], ttl: float | None, partition: str) -> int: ...

    @abstractmethod
    async def _retrieve(self, key: str) -> Versioned | None: ...

    @abstractmethod
    async def _retrieve_many(self, keys: list[str]) -> dict[str, Any]: ...

    @abstractmethod
    async def _delete(self, key: str) -> bool: ...

    @abstractmethod
    async def _exists(self, key: str) -> bool: ...

    @abstractmethod
    async def _search(self, pattern: str) -> dict[str, Any]: ...

    @abstractmethod
    async def _list_keys(self, prefix: str) -> list[str]: ...

    @abstractmethod
    async def _clear_partition(self, partition: str) -> int: ...

    @abstractmethod
    async def _partition_counts(self) -> dict[str, int]: ...

    @abstractmethod
    async def _cleanup_expired(self) -> int: ...

    @abstractmethod
    async def _entries_page(self, prefix: str, after: str, limit: int) -> list[Entry]:
        """Up to `limit` live entries under `prefix` with keys after `after` (text order), sorted by key."""

    @abstractmethod
    async def _compare_and_set(
        self, key: str, data: bytes, expected_version: int, ttl: float | None, partition: str
    ) -> int | None: ...

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backend={self.backend_name!r}>"


class Watch:
    """A subscription to key changes; created by `MemoryBackend.watch(prefix)`."""

    def __init__(self, backend: MemoryBackend, prefix: str) -> None:
        self.backend = backend
        self.prefix = prefix
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    async def __aenter__(self) -> Watch:
        if not self.backend._watches:
            await self.backend._start_watching()
        self.backend._watches.append(self)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.backend._watches.remove(self)
        if not self.backend._watches:
            await self.backend._stop_watching()

    async def next(self, timeout: float | None = None) -> str | None:
        """Wait for the next changed key; None if `timeout` seconds pass first."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> str:
        return await self.queue.get()
