"""Move a store's entries between any two modes as JSON lines (`aqe memory export` / `aqe memory import`).

    with open("runs.jsonl", "wb") as out:
        exported = await export_entries(embedded_memory, out.write, prefix="aqe/")
    with open("runs.jsonl", "rb") as lines:
        result = await import_entries(production_memory, lines)    # ImportResult(stored=..., expired=...)

One line per live entry, in key order:
`{"key": "...", "value": <JSON>, "ttl": <seconds left, or null>, "partition": "..."}`.
An import checks every line before it writes anything, then stores each value
under its key (replacing a value already there), with the TTL it had left at
export time and its partition. Versions are not carried over: they count on in
the target store. Importing the same file again writes the same values, so an
interrupted import is simply run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import orjson

from lionagi_qe.errors import StorageError
from lionagi_qe.storage.base import DEFAULT_PARTITION, Entry, MemoryBackend

CONCURRENT_STORES = 256
"""Stores in flight at once during an import (PostgreSQL commits them in groups)."""
_FIELDS = {"key", "value", "ttl", "partition"}


class ImportResult(NamedTuple):
    """What an import did: entries stored, and entries skipped because their TTL ran out."""

    stored: int
    expired: int


async def export_entries(memory: MemoryBackend, write: Callable[[bytes], Any], prefix: str = "") -> int:
    """Write every live entry under `prefix` as one JSON line through `write`; returns how many."""
    count = 0
    async for entry in memory.entries(prefix):
        line = {"key": entry.key, "value": entry.value, "ttl": entry.ttl, "partition": entry.partition}
        write(orjson.dumps(line) + b"\n")
        count += 1
    return count


def parse_line(line: bytes | str, number: int, source: str) -> Entry | None:
    """One export line as an `Entry`; None for a blank line; `StorageError` naming the line otherwise."""
    if not line.strip():
        return None

    def bad(why: str) -> StorageError:
        return StorageError(
            f"{source} line {number}: {why}; each line must be a JSON object with key, value, ttl and "
            "partition, as `aqe memory export` writes them. Nothing was imported"
        )

    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise bad("not JSON") from None
    if not isinstance(data, dict) or "key" not in data or "value" not in data or set(data) - _FIELDS:
        raise bad("not an exported entry")
    key, ttl, partition = data["key"], data.get("ttl"), data.get("partition", DEFAULT_PARTITION)
    if not isinstance(key, str) or not isinstance(partition, str):
        raise bad("key and partition must be text")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float))):
        raise bad("ttl must be a number of seconds or null")
    return Entry(key, data["value"], ttl, partition)


async def import_entries(memory: MemoryBackend, lines: Iterable[bytes | str], source: str = "input") -> ImportResult:
    """Store the entries of export `lines` into `memory` (every line is checked first); see the module doc."""
    entries = [entry for number, line in enumerate(lines, 1) if (entry := parse_line(line, number, source))]
    live = [entry for entry in entries if entry.ttl is None or entry.ttl > 0]
    for start in range(0, len(live), CONCURRENT_STORES):
        chunk = live[start : start + CONCURRENT_STORES]
        await asyncio.gather(*(memory.store(e.key, e.value, ttl=e.ttl, partition=e.partition) for e in chunk))
    return ImportResult(stored=len(live), expired=len(entries) - len(live))
