"""`entries()` on every backend, and export/import as JSON lines between any two of them."""

from __future__ import annotations

import asyncio
import io

import orjson
import pytest

from lionagi_qe.errors import StorageError
from lionagi_qe.storage import MemoryBackend, SessionMemory
from lionagi_qe.storage.transfer import export_entries, import_entries


async def test_entries_give_live_entries_in_key_order_with_ttl_left_and_partition(memory: MemoryBackend) -> None:
    await memory.store("aqe/b", {"v": [1, 2]}, ttl=1000, partition="runs")
    await memory.store("aqe/a", "first")
    await memory.store("aqe/gone", 1, ttl=0.05)
    await memory.store("other/x", 3)
    await memory.store("aqe/c", None, partition="runs")
    await memory.delete("aqe/c")
    await memory.store("aqe/c", (1, 2))
    await asyncio.sleep(0.1)
    found = [entry async for entry in memory.entries("aqe/")]
    assert [(e.key, e.value, e.partition) for e in found] == [
        ("aqe/a", "first", "default"),
        ("aqe/b", {"v": [1, 2]}, "runs"),
        ("aqe/c", [1, 2], "default"),
    ]
    assert found[0].ttl is None and found[2].ttl is None
    assert found[1].ttl is not None and 990 < found[1].ttl <= 1000


@pytest.mark.parametrize("page", [1, 2, 500])
async def test_entries_page_through_every_key_once(memory: MemoryBackend, page: int) -> None:
    keys = [f"k/{n:03d}" for n in range(7)] + ["k/%", "k/_", "k/\\"]
    await memory.store_many({key: key for key in keys})
    assert [e.key async for e in memory.entries("k/", page=page)] == sorted(keys)
    assert [e.key async for e in memory.entries("k/0", page=page)] == sorted(k for k in keys if k.startswith("k/0"))


async def test_export_then_import_moves_values_ttls_and_partitions(memory: MemoryBackend) -> None:
    source = SessionMemory()
    await source.store("aqe/coverage/run-1/report", {"percent": 91.5}, partition="runs")
    await source.store("aqe/quality/run-1/verdict", {"passed": True}, ttl=3600)
    await source.store("aqe/note", "kept", ttl=600, partition="notes")
    out = io.BytesIO()
    assert await export_entries(source, out.write) == 3

    lines = out.getvalue().splitlines()
    assert [orjson.loads(line)["key"] for line in lines] == sorted(await source.list_keys())
    result = await import_entries(memory, lines)
    assert result == (3, 0)
    moved = [entry async for entry in memory.entries()]
    assert [(e.key, e.value, e.partition) for e in moved] == [
        ("aqe/coverage/run-1/report", {"percent": 91.5}, "runs"),
        ("aqe/note", "kept", "notes"),
        ("aqe/quality/run-1/verdict", {"passed": True}, "default"),
    ]
    ttls = {e.key: e.ttl for e in moved}
    assert ttls["aqe/coverage/run-1/report"] is None
    assert 3590 < (ttls["aqe/quality/run-1/verdict"] or 0) <= 3600 and 590 < (ttls["aqe/note"] or 0) <= 600

    again = io.BytesIO()
    await export_entries(memory, again.write)
    assert [{**orjson.loads(line), "ttl": None} for line in again.getvalue().splitlines()] == [
        {**orjson.loads(line), "ttl": None} for line in sorted(lines)
    ]


async def test_import_replaces_existing_values_and_skips_expired_lines(memory: MemoryBackend) -> None:
    await memory.store("aqe/a", "old")
    lines = [
        b'{"key": "aqe/a", "value": "new", "ttl": null, "partition": "default"}',
        b"",
        b'{"key": "aqe/b", "value": [1], "ttl": 0, "partition": "p"}',
        '{"key": "aqe/c", "value": {"x": 1}}',
    ]
    assert await import_entries(memory, lines) == (2, 1)
    assert await memory.retrieve_many(["aqe/a", "aqe/b", "aqe/c"]) == {"aqe/a": "new", "aqe/c": {"x": 1}}
    assert await memory.retrieve_versioned("aqe/a") == ("new", 2)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not an exported entry"),
        (b'{"key": "k"}', "not an exported entry"),
        (b'{"key": "k", "value": 1, "owner": "x"}', "not an exported entry"),
        (b'{"key": 3, "value": 1}', "key and partition must be text"),
        (b'{"key": "k", "value": 1, "ttl": "soon"}', "ttl must be a number of seconds or null"),
    ],
)
async def test_a_bad_line_stops_the_import_before_anything_is_written(
    memory: MemoryBackend, line: bytes, why: str
) -> None:
    good = b'{"key": "aqe/ok", "value": 1, "ttl": null, "partition": "default"}'
    with pytest.raises(StorageError, match=rf"^runs.jsonl line 2: {why}; .* Nothing was imported"):
        await import_entries(memory, [good, line], source="runs.jsonl")
    assert await memory.list_keys() == []
