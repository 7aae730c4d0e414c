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

The same workload runs, in the same alternation, on two more backends: the
direct one without server-side prepared statements (what AQE_DB_POOLER=transaction
costs on a direct connection), and one through PgBouncer in transaction mode
(Debian package `pgbouncer`, started here on a free loopback port in front of
the server, as the tests start it; `--no-pgbouncer` leaves it out).

Runs in a throwaway schema, dropped at the end; takes about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.storage.codec import decode_jsonb
from lionagi_qe.storage.pg_sql import Queries
from lionagi_qe.storage.postgres import PostgresMemory, new_write_token

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.pgbouncer import PgBouncer, config_through, find_binary

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
            set_json_loads(decode_jsonb, conn)
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


class Sides:
    """Time spent and operations done by each backend and by the floor (the last side), measured in alternation."""

    def __init__(self, count: int) -> None:
        self.seconds = [0.0] * count
        self.ops = [0] * count

    async def run(self, side: int, work: Callable[[], Awaitable[int]]) -> None:
        started = time.perf_counter()
        self.ops[side] += await work()
        self.seconds[side] += time.perf_counter() - started

    def rates(self) -> tuple[float, ...]:
        return tuple(ops / seconds for ops, seconds in zip(self.ops, self.seconds, strict=True))


def sequence(op: Callable[[str], Awaitable[Any]], keys: list[str], writers: int = 1) -> Callable[[], Awaitable[int]]:
    """Work: `writers` tasks, each awaiting `op(key)` for its share of `keys`, one after another."""

    async def work() -> int:
        async def writer(mine: list[str]) -> None:
            for key in mine:
                await op(key)

        await asyncio.gather(*(writer(keys[w::writers]) for w in range(writers)))
        return len(keys)

    return work


def workloads(memory: PostgresMemory, tag: str) -> dict[str, Callable[[], Awaitable[int]]]:
    """Each measurement's work on `memory`; `tag` keeps the keys written apart (the same keys are re-read)."""

    async def store_many() -> int:
        return await memory.store_many({f"m/{tag}/{i:04d}": VALUE for i in range(1000)})

    return {
        "single store": sequence(lambda k: memory.store(k, VALUE), [f"s/{i}" for i in range(100)]),
        "single retrieve": sequence(memory.retrieve, [f"r/{i % 100}" for i in range(300)]),
        "8 concurrent writers": sequence(
            lambda k: memory.store(k, VALUE), [f"c/{tag}/{i}" for i in range(200)], WRITERS
        ),
        "store_many(1000)": store_many,
    }


def floors(memory: PostgresMemory, raw: RawDriver, tag: str) -> dict[str, Callable[[], Awaitable[int]]]:
    """Each measurement's floor: the raw driver, and for store_many the backend's own single stores."""
    return {
        "single store": sequence(lambda k: raw.store(k, VALUE), [f"s/{i}" for i in range(100)]),
        "single retrieve": sequence(raw.retrieve, [f"r/{i % 100}" for i in range(300)]),
        "8 concurrent writers": sequence(raw.store_on_own_connection, [f"rc/{tag}/{i}" for i in range(200)], WRITERS),
        "store_many(1000)": sequence(lambda k: memory.store(k, VALUE), [f"one/{tag}/{i}" for i in range(100)]),
    }


async def measure_round(
    memories: dict[str, PostgresMemory], raw: RawDriver, r: int, chunks: int
) -> dict[str, tuple[float, ...]]:
    """One round: each measurement rotates the backends and the floor chunk by chunk; {name: (ops/s..., floor)}."""
    count = len(memories) + 1
    found = {name: Sides(count) for name in TARGETS}
    direct = next(iter(memories.values()))
    for c in range(chunks):
        work = [workloads(memory, f"{r}/{c}/{v}") for v, memory in enumerate(memories.values())]
        work.append(floors(direct, raw, f"{r}/{c}"))
        order = [(c + i) % count for i in range(count)]
        for name in TARGETS:
            for side in order:
                await found[name].run(side, work[side][name])
    return {name: sides.rates() for name, sides in found.items()}


COLUMNS = {"direct": "ours_ops_per_s", "unprepared": "unprepared_ops_per_s", "pgbouncer": "pgbouncer_ops_per_s"}
"""The backends measured, in order, and their figure's name in the results."""


async def run(url: str, rounds: int, chunks: int, bouncer: PgBouncer | None) -> dict[str, dict[str, float]]:
    schema = f"aqe_bench_{uuid.uuid4().hex[:10]}"
    config = StorageConfig.for_production(url, min_connections=2, max_connections=12, db_schema=schema)
    configs = {"direct": config, "unprepared": config.model_copy(update={"pooler": PoolerMode.TRANSACTION})}
    if bouncer is not None:
        configs["pgbouncer"] = config_through(bouncer, config)
    memories = {name: PostgresMemory(settings) for name, settings in configs.items()}
    for memory in memories.values():
        await memory.connect()
    raw = RawDriver(url, schema)
    await raw.open(WRITERS)
    samples: dict[str, list[tuple[float, ...]]] = {name: [] for name in TARGETS}
    try:
        await memories["direct"].store_many({f"r/{i}": VALUE for i in range(100)})
        for r in range(rounds):
            for name, rates in (await measure_round(memories, raw, r, chunks)).items():
                samples[name].append(rates)
    finally:
        await raw.close()
        for memory in memories.values():
            await memory.disconnect()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    results = {}
    for name, rates in samples.items():
        figures = {COLUMNS[side]: statistics.median(r[i] for r in rates) for i, side in enumerate(memories)}
        figures["floor_ops_per_s"] = statistics.median(r[-1] for r in rates)
        figures["ratio"] = statistics.median(r[0] / r[-1] for r in rates)
        for i, side in enumerate(memories):
            if i:
                figures[f"{side}_vs_direct"] = statistics.median(r[i] / r[0] for r in rates)
        figures["target"] = TARGETS[name]
        results[name] = figures
    return results


def start_pgbouncer(url: str, wanted: bool, stack: ExitStack) -> PgBouncer | None:
    """PgBouncer in transaction mode in front of `url`, stopped with `stack`; None if not wanted or installed."""
    if not wanted:
        return None
    if find_binary() is None:
        print("PgBouncer column left out: pgbouncer is not installed (apt-get install -y pgbouncer)", file=sys.stderr)
        return None
    return stack.enter_context(PgBouncer(url, "transaction"))


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
    parser.add_argument("--no-pgbouncer", action="store_true", help="leave out the column through PgBouncer")
    args = parser.parse_args()
    started = time.perf_counter()
    with ExitStack() as stack:
        bouncer = start_pgbouncer(args.url, not args.no_pgbouncer, stack)
        results = asyncio.run(run(args.url, args.rounds, args.chunks, bouncer))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"PostgresMemory vs raw psycopg, same statements; median of {args.rounds} rounds "
        f"({time.perf_counter() - started:.0f}s). direct: prepared statements; unprepared: direct, "
        "AQE_DB_POOLER=transaction; PgBouncer: pool_mode = transaction"
    )
    print(
        f"{'measurement':<22} {'direct ops/s':>13} {'unprepared':>11} {'PgBouncer':>10} {'floor ops/s':>12} "
        f"{'ratio':>7} {'target':>7}"
    )
    for name, figures in results.items():
        mark = "ok" if figures["ratio"] >= figures["target"] else "BELOW"
        bounced = figures.get("pgbouncer_ops_per_s")
        print(
            f"{name:<22} {figures['ours_ops_per_s']:>13,.0f} {figures['unprepared_ops_per_s']:>11,.0f} "
            f"{'n/a' if bounced is None else format(bounced, ',.0f'):>10} {figures['floor_ops_per_s']:>12,.0f} "
            f"{figures['ratio']:>6.2f}x {figures['target']:>6.2f}x {mark}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
