"""PostgresMemory vs the raw psycopg driver running the same statements, side by side in one run.

    .venv/bin/python benchmarks/bench_postgres.py                      # AQE_TEST_DATABASE_URL / DATABASE_URL
    .venv/bin/python benchmarks/bench_postgres.py --url postgresql://postgres@127.0.0.1:5432/test --json

The floor is one psycopg connection in autocommit mode sending exactly the SQL
the backend sends (`store`, `retrieve` of `storage/sql/queries.sql`), with the same
JSON encoding and decoding: what any backend must pay for one round trip and
one commit. Each measurement alternates backend and floor in small chunks, so
both see the same machine (other load, checkpoints); the median of the rounds
is reported. Ratios are throughputs (backend / floor); targets:

    single store, single retrieve      >= 0.85x the raw driver
    8 concurrent writers               >= 3x  8 raw writers committing one statement per write
    store_many(1000)                   >= 30x 1000 single stores (per value)

Runs in a throwaway schema, dropped at the end; takes well under two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads

from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.codec import decode_value
from lionagi_qe.storage.pg_sql import Queries
from lionagi_qe.storage.postgres import PostgresMemory, new_write_token

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
WRITERS = 8
VALUE = {
    "run_id": "20261126T101500Z-3fa9c1",
    "module": "sample_project/pricing.py",
    "line_coverage": 85.5,
    "missing_lines": [40, 42, 44, 61],
    "gate": {"passed": True},
}
TARGETS = {"single store": 0.85, "single retrieve": 0.85, "8 concurrent writers": 3.0, "store_many(1000)": 30.0}


class RawDriver:
    """The floor: plain psycopg connections sending the backend's own statements."""

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.queries = Queries(schema)
        self.conns: list[psycopg.AsyncConnection[Any]] = []

    async def open(self, count: int) -> None:
        for _ in range(count):
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            set_json_loads(decode_value, conn)
            self.conns.append(conn)

    async def close(self) -> None:
        for conn in self.conns:
            await conn.close()

    async def store(self, key: str, value: Any, conn_index: int = 0) -> int:
        params = {
            "key": key,
            "value": orjson.dumps(value).decode(),
            "partition": "default",
            "ttl": None,
            "token": new_write_token(),
        }
        cur = await self.conns[conn_index].execute(self.queries["store"], params)
        row = await cur.fetchone()
        return row[0]  # type: ignore[index]

    async def store_on_own_connection(self, key: str) -> int:
        """A store on the connection of the writer that owns `key` (`.../<i>`: writer i % WRITERS)."""
        return await self.store(key, VALUE, int(key.rsplit("/", 1)[1]) % len(self.conns))

    async def retrieve(self, key: str) -> Any:
        cur = await self.conns[0].execute(self.queries["retrieve"], {"key": key})
        row = await cur.fetchone()
        return None if row is None else row[0]


class Pair:
    """Time spent and operations done by the backend and by the floor, measured in alternation."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0]
        self.ops = [0, 0]

    async def run(self, side: int, work: Callable[[], Awaitable[int]]) -> None:
        started = time.perf_counter()
        self.ops[side] += await work()
        self.seconds[side] += time.perf_counter() - started

    def rates(self) -> tuple[float, float]:
        return self.ops[0] / self.seconds[0], self.ops[1] / self.seconds[1]


def sequence(op: Callable[[str], Awaitable[Any]], keys: list[str], writers: int = 1) -> Callable[[], Awaitable[int]]:
    """Work: `writers` tasks, each awaiting `op(key)` for its share of `keys`, one after another."""

    async def work() -> int:
        async def writer(mine: list[str]) -> None:
            for key in mine:
                await op(key)

        await asyncio.gather(*(writer(keys[w::writers]) for w in range(writers)))
        return len(keys)

    return work


async def measure_round(memory: PostgresMemory, raw: RawDriver, r: int, chunks: int) -> dict[str, tuple[float, float]]:
    """One round: each measurement alternates backend and floor chunk by chunk; {name: (ops/s, floor ops/s)}."""
    pairs = {name: Pair() for name in TARGETS}

    async def store_many(batch: dict[str, Any]) -> int:
        return await memory.store_many(batch)

    for c in range(chunks):
        first, second = (0, 1) if c % 2 == 0 else (1, 0)
        work = {
            "single store": (
                sequence(lambda k: memory.store(k, VALUE), [f"s/{i}" for i in range(100)]),
                sequence(lambda k: raw.store(k, VALUE), [f"s/{i}" for i in range(100)]),
            ),
            "single retrieve": (
                sequence(memory.retrieve, [f"r/{i % 100}" for i in range(300)]),
                sequence(raw.retrieve, [f"r/{i % 100}" for i in range(300)]),
            ),
            "8 concurrent writers": (
                sequence(lambda k: memory.store(k, VALUE), [f"c/{r}/{c}/{i}" for i in range(200)], WRITERS),
                sequence(raw.store_on_own_connection, [f"rc/{r}/{c}/{i}" for i in range(200)], WRITERS),
            ),
            "store_many(1000)": (
                functools.partial(store_many, {f"m/{r}/{c}/{i:04d}": VALUE for i in range(1000)}),
                sequence(lambda k: memory.store(k, VALUE), [f"one/{r}/{c}/{i}" for i in range(100)]),
            ),
        }
        for name, sides in work.items():
            await pairs[name].run(first, sides[first])
            await pairs[name].run(second, sides[second])
    return {name: pair.rates() for name, pair in pairs.items()}


async def run(url: str, rounds: int, chunks: int) -> dict[str, dict[str, float]]:
    schema = f"aqe_bench_{uuid.uuid4().hex[:10]}"
    config = StorageConfig.for_production(url, min_connections=2, max_connections=12, db_schema=schema)
    memory = PostgresMemory(config)
    await memory.connect()
    raw = RawDriver(url, schema)
    await raw.open(WRITERS)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in TARGETS}
    try:
        await memory.store_many({f"r/{i}": VALUE for i in range(100)})
        for r in range(rounds):
            for name, pair in (await measure_round(memory, raw, r, chunks)).items():
                samples[name].append(pair)
    finally:
        await raw.close()
        await memory.disconnect()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return {
        name: {
            "ours_ops_per_s": statistics.median(o for o, _ in pairs),
            "floor_ops_per_s": statistics.median(f for _, f in pairs),
            "ratio": statistics.median(o / f for o, f in pairs),
            "target": TARGETS[name],
        }
        for name, pairs in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("AQE_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL URL (default: AQE_TEST_DATABASE_URL, DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median round is reported")
    parser.add_argument("--chunks", type=int, default=8, help="alternations of backend and floor per round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(run(args.url, args.rounds, args.chunks))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"PostgresMemory vs raw psycopg, same statements; median of {args.rounds} rounds "
        f"({time.perf_counter() - started:.0f}s)"
    )
    print(f"{'measurement':<22} {'backend ops/s':>14} {'floor ops/s':>12} {'ratio':>7} {'target':>7}")
    for name, figures in results.items():
        mark = "ok" if figures["ratio"] >= figures["target"] else "BELOW"
        print(
            f"{name:<22} {figures['ours_ops_per_s']:>14,.0f} {figures['floor_ops_per_s']:>12,.0f} "
            f"{figures['ratio']:>6.2f}x {figures['target']:>6.2f}x {mark}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
