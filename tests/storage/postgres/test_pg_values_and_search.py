"""Values and keys through every SQL path read back exactly as the in-process backend gives them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lionagi_qe.storage import SessionMemory
from lionagi_qe.storage.postgres import PostgresMemory

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(text, kids, max_size=4), max_leaves=12
)
EXTREME_FLOATS = [
    1e300,
    -1e300,
    1e16,
    1.5e17,
    9.2e18,
    2.0**63,
    -(2.0**63),
    2.0**64,
    1.8e308,
    5e-324,
    1e-7,
    -0.0,
    0.1,
    1.0,
    123456789.123456789,
    1.7976931348623157e308,
    2.2250738585072014e-308,
]
PATH_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])




async def reference(value: Any) -> str:
    """What the in-process backend gives back for `value`, as repr (key order, int or float, sign of zero)."""
    memory = SessionMemory()
    await memory.store("k", value)
    return repr(await memory.retrieve("k"))


@PATH_SETTINGS
@given(value=values)
@example(value=EXTREME_FLOATS)
@example(value={"big": 2**63 - 1, "bigger": 2**64 - 1, "small": -(2**63), "nested": [[[{"deep": [1e16]}]]]})
@example(value={"b": -0.0, "a": "C:\\u0000dir", "nul": "\x00"})
@example(value={"tests": [...]})
async def test_every_write_path_round_trips_like_the_in_process_backend(pg_memory: PostgresMemory, value: Any) -> None:
    expected = await reference(value)
    tag = uuid.uuid4().hex
    await pg_memory.store(f"{tag}/single", value)
    await pg_memory.store_many({f"{tag}/many/1": value, f"{tag}/many/2": value})
    await asyncio.gather(*(pg_memory.store(f"{tag}/grouped/{i}", value) for i in range(3)))
    await pg_memory.compare_and_set(f"{tag}/cas", value, expected_version=0)
    found = await pg_memory.search(f"{tag}/*")
    assert len(found) == 7
    for key, back in found.items():
        assert repr(back) == expected, key
    assert repr((await pg_memory.retrieve_versioned(f"{tag}/cas")).value) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.floats(allow_nan=False, allow_infinity=False))
async def test_floats_read_back_as_the_in_process_ones(pg_memory: PostgresMemory, number: float) -> None:
    await pg_memory.store("f", number)
    assert repr(await pg_memory.retrieve("f")) == await reference(number)


async def test_values_are_the_json_text_written_and_queryable_in_sql(
    pg_memory: PostgresMemory, db: psycopg.Connection[Any]
) -> None:
    await pg_memory.store("aqe/quality/metrics", {"gates": ["lint", "types"], "coverage": 94.5, "zero": -0.0})
    row = db.execute(
        f"SELECT pg_typeof(value)::text, value::text, value->>'coverage', value->'gates'->>1 "
        f'FROM "{pg_memory.schema}".memory'
    ).fetchone()
    assert row == ("json", '{"gates":["lint","types"],"coverage":94.5,"zero":-0.0}', "94.5", "types")


glob_keys = st.text(alphabet="ab%_\\*?.[", min_size=1, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.sets(glob_keys, min_size=1, max_size=8), pattern=glob_keys)
@example(keys={"100%", "100x", "1_0", "a\\b", "a\\\\b", "ab"}, pattern="100%")
@example(keys={"100%", "100x", "1_0", "a\\b", "a\\\\b", "ab"}, pattern="a\\*")
@example(keys={"%", "_", "\\", "x"}, pattern="?")
async def test_search_and_list_keys_match_the_in_process_backend(
    pg_memory: PostgresMemory, keys: set[str], pattern: str
) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}/"
    items = {tag + key: i for i, key in enumerate(sorted(keys))}
    session = SessionMemory()
    for memory in (session, pg_memory):
        await memory.store_many(items)
    assert await pg_memory.search(tag + pattern) == await session.search(tag + pattern)
    assert list(await pg_memory.search(tag + pattern)) == sorted(await session.search(tag + pattern))
    assert await pg_memory.list_keys(tag + pattern) == await session.list_keys(tag + pattern)


async def test_keys_are_parameters_not_sql(pg_memory: PostgresMemory) -> None:
    hostile = "aqe/'; DROP TABLE memory; --"
    await pg_memory.store(hostile, {"ok": True}, partition="p'); DELETE FROM memory; --")
    assert await pg_memory.retrieve(hostile) == {"ok": True}
    assert await pg_memory.search("aqe/'*") == {hostile: {"ok": True}}
    assert await pg_memory.clear_partition("p'); DELETE FROM memory; --") == 1


async def test_keys_sort_by_code_point_as_python_does(pg_memory: PostgresMemory) -> None:
    keys = ["b", "B", "a", "é", "Z", "z", "_", "~", "aa", "a b", "\u4e2d", "\U0001f600", "A"]
    await pg_memory.store_many({key: 1 for key in keys})
    assert await pg_memory.list_keys() == sorted(keys)
    assert list(await pg_memory.search("*")) == sorted(keys)
