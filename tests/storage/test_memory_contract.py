"""The memory contract, written once and run against every backend (`memory` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.json_values import as_stored, json_values, keys, typed
from lionagi_qe.errors import KeyValidationError, SerializationError, StorageError
from lionagi_qe.storage import MemoryBackend, Versioned

# -- basic operations ------------------------------------------------------


async def test_store_then_retrieve_returns_the_value(memory: MemoryBackend) -> None:
    await memory.store("aqe/test-plan/example", {"module": "user_service", "priority": "high"})
    assert await memory.retrieve("aqe/test-plan/example") == {"module": "user_service", "priority": "high"}


async def test_retrieve_missing_key_gives_default(memory: MemoryBackend) -> None:
    assert await memory.retrieve("aqe/missing") is None
    assert await memory.retrieve("aqe/missing", default={"empty": True}) == {"empty": True}


async def test_store_overwrites_and_bumps_version(memory: MemoryBackend) -> None:
    assert await memory.store("k", 1) == 1
    assert await memory.store("k", 2) == 2
    assert await memory.retrieve_versioned("k") == Versioned(2, 2)


async def test_retrieve_returns_a_copy_not_the_callers_object(memory: MemoryBackend) -> None:
    value = {"tests": ["a"], "meta": {"n": 1}}
    await memory.store("k", value)
    value["tests"].append("b")
    first = await memory.retrieve("k")
    first["meta"]["n"] = 99
    assert await memory.retrieve("k") == {"tests": ["a"], "meta": {"n": 1}}


async def test_tuple_comes_back_as_list(memory: MemoryBackend) -> None:
    await memory.store("k", {"pair": (1, 2)})
    assert await memory.retrieve("k") == {"pair": [1, 2]}


async def test_values_json_cannot_spell_are_stored_as_null(memory: MemoryBackend) -> None:
    await memory.store("k", {"tests": [...], "nan": float("nan"), "inf": [float("inf"), -float("inf")]})
    assert await memory.retrieve("k") == {"tests": [None], "nan": None, "inf": [None, None]}


async def test_delete_and_exists(memory: MemoryBackend) -> None:
    await memory.store("k", "v")
    assert await memory.exists("k")
    assert await memory.delete("k") is True
    assert not await memory.exists("k")
    assert await memory.delete("k") is False
    assert await memory.retrieve("k") is None


async def test_store_none_is_a_value(memory: MemoryBackend) -> None:
    await memory.store("k", None)
    assert await memory.exists("k")
    assert await memory.retrieve_versioned("k") == Versioned(None, 1)


# -- search and listing ----------------------------------------------------


async def test_search_glob_matches_whole_keys_sorted(memory: MemoryBackend) -> None:
    await memory.store_many({"aqe/coverage/b": 2, "aqe/coverage/a": 1, "aqe/quality/x": 3, "aqe/coverage": 0})
    assert await memory.search("aqe/coverage/*") == {"aqe/coverage/a": 1, "aqe/coverage/b": 2}
    assert list(await memory.search("aqe/*")) == ["aqe/coverage", "aqe/coverage/a", "aqe/coverage/b", "aqe/quality/x"]
    assert await memory.search("aqe/coverage/?") == {"aqe/coverage/a": 1, "aqe/coverage/b": 2}
    assert await memory.search("aqe/coverage/a") == {"aqe/coverage/a": 1}


@pytest.mark.parametrize("special", ["%", "_", "\\", "[", "]", ".", "^", "$", "+", "(", "|"])
async def test_search_treats_like_and_regex_characters_literally(memory: MemoryBackend, special: str) -> None:
    literal = f"aqe/a{special}b"
    await memory.store_many({literal: 1, "aqe/axb": 2, "aqe/ab": 3})
    assert await memory.search(f"aqe/a{special}b") == {literal: 1}
    assert await memory.search(f"aqe/a{special}*") == {literal: 1}


async def test_list_keys_by_literal_prefix(memory: MemoryBackend) -> None:
    await memory.store_many({"aqe/100%/a": 1, "aqe/100x/b": 2, "aqe/1_0/c": 3, "other": 4})
    assert await memory.list_keys("aqe/100%") == ["aqe/100%/a"]
    assert await memory.list_keys("aqe/1_") == ["aqe/1_0/c"]
    assert await memory.list_keys() == ["aqe/100%/a", "aqe/100x/b", "aqe/1_0/c", "other"]


# -- partitions and stats --------------------------------------------------


async def test_partitions_and_stats(memory: MemoryBackend) -> None:
    await memory.store("a", 1, partition="p1")
    await memory.store("b", 2, partition="p1")
    await memory.store("c", 3)
    stats = await memory.get_stats()
    assert stats["total_keys"] == 3
    assert stats["partitions"] == {"default": 1, "p1": 2}
    assert stats["backend"] == memory.backend_name
    assert await memory.clear_partition("p1") == 2
    assert await memory.list_keys() == ["c"]
    assert await memory.clear_partition("p1") == 0


async def test_restore_moves_key_to_new_partition(memory: MemoryBackend) -> None:
    await memory.store("a", 1, partition="p1")
    await memory.store("a", 2, partition="p2")
    assert (await memory.get_stats())["partitions"] == {"p2": 1}


# -- TTL -------------------------------------------------------------------


async def test_expired_entries_are_invisible_everywhere(memory: MemoryBackend) -> None:
    await memory.store("aqe/short", 1, ttl=0.3, partition="p")
    await memory.store("aqe/long", 2, ttl=3600, partition="p")
    assert await memory.retrieve("aqe/short") == 1
    await asyncio.sleep(0.6)
    assert await memory.retrieve("aqe/short") is None
    assert not await memory.exists("aqe/short")
    assert await memory.retrieve_versioned("aqe/short") is None
    assert await memory.search("aqe/*") == {"aqe/long": 2}
    assert await memory.list_keys("aqe/") == ["aqe/long"]
    assert await memory.retrieve_many(["aqe/short", "aqe/long"]) == {"aqe/long": 2}
    assert (await memory.get_stats())["total_keys"] == 1
    assert await memory.delete("aqe/short") is False


async def test_cleanup_expired_sweeps_and_counts(memory: MemoryBackend) -> None:
    await memory.store_many({"a": 1, "b": 2}, ttl=0.2)
    await memory.store("c", 3)
    await asyncio.sleep(0.5)
    assert await memory.cleanup_expired() == 2
    assert await memory.cleanup_expired() == 0
    assert await memory.list_keys() == ["c"]


async def test_storing_over_an_expired_key_restarts_its_version(memory: MemoryBackend) -> None:
    await memory.store("k", 1)
    await memory.store("k", 2, ttl=0.2)
    await asyncio.sleep(0.5)
    assert await memory.store("k", 3) == 1


# -- batches ---------------------------------------------------------------


async def test_store_many_and_retrieve_many(memory: MemoryBackend) -> None:
    items = {f"aqe/batch/{i:04d}": {"i": i} for i in range(250)}
    assert await memory.store_many(items, partition="batch") == 250
    got = await memory.retrieve_many([*items, "aqe/batch/missing"])
    assert got == items
    assert await memory.retrieve_many([]) == {}
    assert await memory.store_many({}) == 0


async def test_store_many_accepts_pairs_and_is_all_or_nothing(memory: MemoryBackend) -> None:
    assert await memory.store_many([("a", 1), ("b", 2)]) == 2
    with pytest.raises(SerializationError):
        await memory.store_many({"c": 3, "d": object()})
    assert await memory.list_keys() == ["a", "b"]


# -- coordination ----------------------------------------------------------


async def test_compare_and_set(memory: MemoryBackend) -> None:
    assert await memory.compare_and_set("k", "first", expected_version=0) == 1
    assert await memory.compare_and_set("k", "again", expected_version=0) is None
    assert await memory.compare_and_set("k", "second", expected_version=1) == 2
    assert await memory.compare_and_set("k", "stale", expected_version=1) is None
    assert await memory.retrieve("k") == "second"
    with pytest.raises(StorageError, match="expected_version"):
        await memory.compare_and_set("k", "x", expected_version=-1)


async def test_concurrent_updates_lose_nothing(memory: MemoryBackend) -> None:
    async def bump(times: int) -> None:
        for _ in range(times):
            await memory.update("aqe/counter", lambda n: n + 1, default=0)

    await asyncio.gather(*(bump(25) for _ in range(8)))
    assert await memory.retrieve("aqe/counter") == 200


async def test_watch_sees_changes_under_its_prefix(memory: MemoryBackend) -> None:
    async with memory.watch("aqe/coverage/") as changes:
        await memory.store("aqe/quality/x", 1)
        await memory.store("aqe/coverage/run-1", {"line": 80})
        assert await changes.next(timeout=5) == "aqe/coverage/run-1"
        await memory.delete("aqe/coverage/run-1")
        assert await changes.next(timeout=5) == "aqe/coverage/run-1"
        assert await changes.next(timeout=0.2) is None


# -- validation: the same errors in every backend --------------------------


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        (object(), "convert other objects"),
        ({1: "int key"}, "str keys"),
        ({"s": {1, 2}}, "convert other objects"),
        (b"bytes", "convert other objects"),
        (2**64, "64-bit"),
    ],
)
async def test_non_json_values_are_rejected_before_writing(memory: MemoryBackend, value: object, fix: str) -> None:
    with pytest.raises(TypeError, match=fix):
        await memory.store("k", value)
    assert not await memory.exists("k")


async def test_values_over_the_size_limit_are_rejected(memory: MemoryBackend) -> None:
    memory.max_value_bytes = 1000
    with pytest.raises(SerializationError, match="over the 1,000-byte limit"):
        await memory.store("k", "x" * 1000)
    assert not await memory.exists("k")


@pytest.mark.parametrize("key", ["", "a\x00b", "x" * 513, 42, None, b"bytes"])
async def test_bad_keys_are_rejected(memory: MemoryBackend, key: object) -> None:
    with pytest.raises(KeyValidationError, match="memory key"):
        await memory.store(key, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("ttl", [0, -1, "60", True, float("inf"), float("nan")])
async def test_bad_ttls_are_rejected(memory: MemoryBackend, ttl: object) -> None:
    with pytest.raises(KeyValidationError, match="ttl must be a positive number"):
        await memory.store("k", 1, ttl=ttl)  # type: ignore[arg-type]


@pytest.mark.parametrize("partition", ["", "p" * 129, None])
async def test_bad_partitions_are_rejected(memory: MemoryBackend, partition: object) -> None:
    with pytest.raises(KeyValidationError, match="memory partition"):
        await memory.store("k", 1, partition=partition)  # type: ignore[arg-type]


# -- property-based round trips --------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=keys, value=json_values)
async def test_any_json_value_round_trips(memory: MemoryBackend, key: str, value: object) -> None:
    await memory.store(key, value)
    assert typed(await memory.retrieve(key)) == typed(as_stored(value))
    assert key in await memory.search(key)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(allow_nan=False, allow_infinity=False))
async def test_floats_come_back_as_equal_floats(memory: MemoryBackend, value: float) -> None:
    await memory.store("f", {"v": value})
    back = (await memory.retrieve("f"))["v"]
    assert back == value
    assert type(back) is float


# -- hostile input: the same outcome in every backend ------------------------

NOT_UNICODE = "bad/\udcff"
"""A lone surrogate, as `os.fsdecode` makes from a file name that is not UTF-8; no database text can hold it."""

SURROGATE_CALLS = {
    "store key": lambda m: m.store(NOT_UNICODE, 1),
    "store partition": lambda m: m.store("k", 1, partition=NOT_UNICODE),
    "store_many key": lambda m: m.store_many({"k": 1, NOT_UNICODE: 2}),
    "store_many partition": lambda m: m.store_many({"k": 1}, partition=NOT_UNICODE),
    "compare_and_set key": lambda m: m.compare_and_set(NOT_UNICODE, 1, expected_version=0),
    "retrieve": lambda m: m.retrieve(NOT_UNICODE),
    "retrieve_many": lambda m: m.retrieve_many(["k", NOT_UNICODE]),
    "exists": lambda m: m.exists(NOT_UNICODE),
    "delete": lambda m: m.delete(NOT_UNICODE),
    "search": lambda m: m.search(NOT_UNICODE + "*"),
    "list_keys": lambda m: m.list_keys(NOT_UNICODE),
    "clear_partition": lambda m: m.clear_partition(NOT_UNICODE),
}


@pytest.mark.parametrize("call", SURROGATE_CALLS.values(), ids=SURROGATE_CALLS)
async def test_text_that_is_not_unicode_is_a_key_validation_error_in_every_backend(
    memory: MemoryBackend, call: Callable[[MemoryBackend], Awaitable[object]]
) -> None:
    with pytest.raises(KeyValidationError, match=r"not valid Unicode \(a lone surrogate"):
        await call(memory)
    assert await memory.list_keys() == []


async def test_a_bad_key_among_concurrent_stores_fails_alone(memory: MemoryBackend) -> None:
    keys = [f"aqe/good/{i:02d}" for i in range(30)]
    results = await asyncio.gather(
        *(memory.store(key, i) for i, key in enumerate(keys[:15])),
        memory.store(NOT_UNICODE, "poison"),
        *(memory.store(key, i) for i, key in enumerate(keys[15:], start=15)),
        return_exceptions=True,
    )
    assert isinstance(results[15], KeyValidationError)
    assert results[:15] + results[16:] == [1] * 30
    assert await memory.retrieve_many(keys) == {key: i for i, key in enumerate(keys)}


EXACT_VALUES = {
    "2**63": 2**63,
    "2**64-1": 2**64 - 1,
    "-2**63": -(2**63),
    "-0.0": -0.0,
    "key order": {"total_tests": 1250, "coverage": 94.5},
    "nested key order": {"z": {"b": 1, "a": [{"y": 0, "x": 1}]}, "a": None},
    "backslash-u0000 text": "C:\\u0000dir",
    "NUL in text": "nul\x00char",
    "integral floats": [1e16, 2.0**63, 1e300, -1.5e17, 9.2e18, 1.0],
    "int and float": [1, 1.0, 0, 0.0, -0.0],
}


@pytest.mark.parametrize("value", EXACT_VALUES.values(), ids=EXACT_VALUES)
async def test_a_value_reads_back_exactly_as_stored_on_every_path(memory: MemoryBackend, value: object) -> None:
    """repr() shows what == hides: key order, int versus float, the sign of zero."""
    await memory.store("single", value)
    await asyncio.gather(*(memory.store(f"grouped/{i}", value) for i in range(3)))
    await memory.store_many({"many/1": value, "many/2": value})
    await memory.compare_and_set("cas", value, expected_version=0)
    expected = repr(value)
    assert repr(await memory.retrieve("single")) == expected
    versioned = await memory.retrieve_versioned("cas")
    assert versioned is not None and repr(versioned.value) == expected
    for key, back in {**await memory.search("*"), **await memory.retrieve_many(["many/1", "grouped/2"])}.items():
        assert repr(back) == expected, key


@pytest.mark.parametrize("ttl", [10**400, -(10**400)], ids=["10**400", "-10**400"])
async def test_a_ttl_beyond_any_float_is_a_key_validation_error_in_every_backend(
    memory: MemoryBackend, ttl: int
) -> None:
    for call in (
        lambda: memory.store("k", 1, ttl=ttl),
        lambda: memory.store_many({"k": 1}, ttl=ttl),
        lambda: memory.compare_and_set("k", 1, expected_version=0, ttl=ttl),
    ):
        with pytest.raises(KeyValidationError, match="ttl must be a positive number of seconds"):
            await call()
    assert not await memory.exists("k")
