"""The in-process backend of development and testing modes.

    from lionagi import Session
    memory = SessionMemory(Session())           # or SessionMemory(lambda: orchestrator.session)
    await memory.store("aqe/test-plan/example", {"priority": "high"}, ttl=3600)

Each instance is its own namespace, bound to one LionAGI `Session` (one per
orchestrator), so two orchestrators never see each other's data. Values are
kept as the JSON bytes PostgreSQL would store and decoded on every read, so
callers always get a fresh copy, exactly as from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lionagi_qe.storage.base import DEFAULT_PARTITION, Entry, MemoryBackend, Versioned
from lionagi_qe.storage.codec import MAX_VALUE_BYTES, decode_value
from lionagi_qe.storage.keys import glob_to_regex, validate_key

if TYPE_CHECKING:
    from lionagi import Session

_DATA, _VERSION, _EXPIRES, _PARTITION = range(4)


class SessionMemory(MemoryBackend):
    """In-process memory bound to a LionAGI Session; zero setup, not persistent."""

    backend_name = "session"
    persistent = False

    def __init__(
        self, session: Session | Callable[[], Session] | None = None, *, max_value_bytes: int = MAX_VALUE_BYTES
    ) -> None:
        super().__init__(max_value_bytes=max_value_bytes)
        self._session = session
        self._entries: dict[str, tuple[Any, ...]] = {}

    @property
    def session(self) -> Session | None:
        """The Session this memory belongs to (a provider given instead is asked on first use)."""
        if callable(self._session):
            self._session = self._session()
        return self._session

    def __repr__(self) -> str:
        bound = "not yet made" if callable(self._session) else getattr(self._session, "id", None)
        return f"<{type(self).__name__} session={bound} keys={len(self._entries)}>"

    def _live(self, key: str, now: float | None = None) -> tuple[Any, ...] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires = entry[_EXPIRES]
        if expires is not None and expires <= (now if now is not None else time.monotonic()):
            del self._entries[key]
            self._publish(key)
            return None
        return entry

    def _put(self, key: str, data: bytes, ttl: float | None, partition: str, now: float | None = None) -> int:
        old = self._entries.get(key)
        if old is not None and old[_EXPIRES] is not None:
            now = time.monotonic() if now is None else now
            if old[_EXPIRES] <= now:
                old = None
        if ttl is not None:
            ttl += time.monotonic() if now is None else now
        version = 1 if old is None else old[_VERSION] + 1
        self._entries[key] = (data, version, ttl, partition)
        if self._watches:
            self._publish(key)
        return version

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = DEFAULT_PARTITION
    ) -> int:
        """Store a JSON value under `key`; returns its new version."""
        key, data, ttl, partition = self._prepare(key, value, ttl, partition)
        return self._put(key, data, ttl, partition)

    async def retrieve(self, key: str, default: Any = None) -> Any:
        """A copy of the value under `key`, or `default` (the contract's `retrieve`, without a hop)."""
        entry = self._live(validate_key(key))
        return default if entry is None else decode_value(entry[_DATA])

    async def _store_many(self, items: dict[str, bytes], ttl: float | None, partition: str) -> int:
        now = time.monotonic()
        for key, data in items.items():
            self._put(key, data, ttl, partition, now)
        return len(items)

    async def _retrieve(self, key: str) -> Versioned | None:
        entry = self._live(key)
        return None if entry is None else Versioned(decode_value(entry[_DATA]), entry[_VERSION])

    async def _retrieve_many(self, keys: list[str]) -> dict[str, Any]:
        now = time.monotonic()
        found = {}
        for key in keys:
            entry = self._live(key, now)
            if entry is not None:
                found[key] = decode_value(entry[_DATA])
        return found

    async def _delete(self, key: str) -> bool:
        if self._live(key) is None:
            return False
        del self._entries[key]
        self._publish(key)
        return True

    async def _exists(self, key: str) -> bool:
        return self._live(key) is not None

    def _live_items(self) -> list[tuple[str, tuple[Any, ...]]]:
        now = time.monotonic()
        return [(key, entry) for key in list(self._entries) if (entry := self._live(key, now)) is not None]

    async def _search(self, pattern: str) -> dict[str, Any]:
        regex = glob_to_regex(pattern)
        return {
            key: decode_value(entry[_DATA])
            for key, entry in sorted(self._live_items())
            if regex.fullmatch(key)
        }

    async def _list_keys(self, prefix: str) -> list[str]:
        return sorted(key for key, _ in self._live_items() if key.startswith(prefix))

    async def _clear_partition(self, partition: str) -> int:
        doomed = [key for key, entry in self._live_items() if entry[_PARTITION] == partition]
        for key in doomed:
            del self._entries[key]
            self._publish(key)
        return len(doomed)

    async def _partition_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, entry in self._live_items():
            counts[entry[_PARTITION]] = counts.get(entry[_PARTITION], 0) + 1
        return counts

    async def _cleanup_expired(self) -> int:
        before = len(self._entries)
        self._live_items()
        return before - len(self._entries)

    async def _entries_page(self, prefix: str, after: str, limit: int) -> list[Entry]:
        now = time.monotonic()
        chosen = sorted((k, e) for k, e in self._live_items() if k.startswith(prefix) and k > after)[:limit]
        return [
            Entry(key, decode_value(e[_DATA]), None if e[_EXPIRES] is None else e[_EXPIRES] - now, e[_PARTITION])
            for key, e in chosen
        ]

    async def _compare_and_set(
        self, key: str, data: bytes, expected_version: int, ttl: float | None, partition: str
    ) -> int | None:
        now = time.monotonic()
        entry = self._live(key, now)
        current = 0 if entry is None else entry[_VERSION]
        if current != expected_version:
            return None
        return self._put(key, data, ttl, partition, now)
