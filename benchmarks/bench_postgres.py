"""PostgresMemory beside the raw psycopg driver and LangGraph's AsyncPostgresStore, side by side in one run.

    .venv/bin/pip install -e '.[bench]'                                # LangGraph's store (the peer)
    .venv/bin/python benchmarks/bench_postgres.py                      # AQE_TEST_DATABASE_URL / DATABASE_URL
    .venv/bin/python benchmarks/bench_postgres.py --url postgresql://postgres@127.0.0.1:5432/test --json

Three sides run the same workload against the same database:

- PostgresMemory, the backend of production mode (pool 2-12);
- the floor: psycopg connections in autocommit mode sending exactly the SQL the
  backend sends (`store`, `retrieve` of `storage/sql/queries.sql`) with the
  same JSON encoding: what any backend pays for one round trip and one commit;
- the peer: LangGraph's `AsyncPostgresStore` on its own psycopg pool of the
  same size, in a schema of its own (`aput`, `aget`, `abatch` of 1000 `PutOp`s).

Each measurement alternates the sides in small chunks, rotating which goes
first, so all see the same machine (other load, checkpoints); the median of
the rounds is reported. Ratios are throughputs; targets (of the direct backend):

    single store, single retrieve      >= 0.85x the raw driver
    8 concurrent writers               >= 3x  8 raw writers committing one statement per write,
                                       >= 1.5x LangGraph's store with 8 writers
    store_many(1000)                   >= 30x 1000 single stores (per value)

The same workload runs, in the same alternation, on two more PostgresMemory
backends: the direct one without server-side prepared statements (what
AQE_DB_POOLER=transaction costs on a direct connection), and one through
PgBouncer in transaction mode (Debian package `pgbouncer`, started here on a
free loopback port in front of the server, as the tests start it;
`--no-pgbouncer` leaves it out).

Runs in throwaway schemas, dropped at the end; takes two or three minutes.
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
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.storage.codec import decode_value
from lionagi_qe.storage.pg_sql import Queries
from lionagi_qe.storage.postgres import PostgresMemory, new_write_token

try:
    from langgraph.store.base import PutOp
    from langgraph.store.postgres.aio import AsyncPostgresStore
except ImportError:  # pragma: no cover - said at start-up
    sys.exit("LangGraph's store is the peer of this benchmark: pip install -e '.[bench]'")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.pgbouncer import PgBouncer, config_through, find_binary

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
WRITERS = 8
POOL = {"min": 2, "max": 12}
NAMESPACE = ("aqe", "bench")
VALUE = {
    "run_id": "20261126T101500Z-3fa9c1",
    "module": "sample_project/pricing.py",
    "line_coverage": 85.5,
    "missing_lines": [40, 42, 44, 61],
    "gate": {"passed": True},
}
MEASUREMENTS = {
    # name: (what the baseline is, target vs baseline, target vs LangGraph)
    "single store": ("raw", 0.85, None),
    "single retrieve": ("raw", 0.85, None),
    "8 concurrent writers": ("raw", 3.0, 1.5),
    "store_many(1000)": ("single", 30.0, None),
}


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


class LangGraphPeer:
    """LangGraph's AsyncPostgresStore with the same workload: one namespace, the same value."""

    def __init__(self, store: AsyncPostgresStore) -> None:
        self.store = store

    async def put(self, key: str) -> None:
        await self.store.aput(NAMESPACE, key, VALUE)

    async def get(self, key: str) -> Any:
        item = await self.store.aget(NAMESPACE, key)
        return None if item is None else item.value

    async def put_many(self, keys: list[str]) -> int:
        await self.store.abatch([PutOp(NAMESPACE, key, VALUE) for key in keys])
        return len(keys)


class Sides:
    """Time spent and operations done by each side of one measurement, measured in alternation."""

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


Work = dict[str, Callable[[], Awaitable[int]]]


def workloads(memory: PostgresMemory, tag: str) -> Work:
    """Each measurement's work on `memory`; `tag` keeps the keys written apart (the same keys are re-read)."""
    return {
        "single store": sequence(lambda k: memory.store(k, VALUE), [f"s/{i}" for i in range(100)]),
        "single retrieve": sequence(memory.retrieve, [f"r/{i % 100}" for i in range(300)]),
        "8 concurrent writers": sequence(
            lambda k: memory.store(k, VALUE), [f"c/{tag}/{i}" for i in range(200)], WRITERS
        ),
        "store_many(1000)": functools.partial(memory.store_many, {f"m/{tag}/{i:04d}": VALUE for i in range(1000)}),
    }


def peer_workloads(peer: LangGraphPeer, tag: str) -> Work:
    """The same measurements on LangGraph's store."""
    return {
        "single store": sequence(peer.put, [f"s/{i}" for i in range(100)]),
        "single retrieve": sequence(peer.get, [f"r/{i % 100}" for i in range(300)]),
        "8 concurrent writers": sequence(peer.put, [f"c/{tag}/{i}" for i in range(200)], WRITERS),
        "store_many(1000)": functools.partial(peer.put_many, [f"m/{tag}/{i:04d}" for i in range(1000)]),
    }


def floors(memory: PostgresMemory, raw: RawDriver, tag: str) -> Work:
    """Each measurement's baseline: the raw driver, and for store_many the backend's own single stores."""
    return {
        "single store": sequence(lambda k: raw.store(k, VALUE), [f"s/{i}" for i in range(100)]),
        "single retrieve": sequence(raw.retrieve, [f"r/{i % 100}" for i in range(300)]),
        "8 concurrent writers": sequence(raw.store_on_own_connection, [f"rc/{tag}/{i}" for i in range(200)], WRITERS),
        "store_many(1000)": sequence(lambda k: memory.store(k, VALUE), [f"one/{tag}/{i}" for i in range(100)]),
    }


async def measure_round(
    memories: dict[str, PostgresMemory], peer: LangGraphPeer, raw: RawDriver, r: int, chunks: int
) -> dict[str, tuple[float, ...]]:
    """One round, each measurement rotating its sides chunk by chunk; {name: (backends..., peer, baseline)}."""
    count = len(memories) + 2
    found = {name: Sides(count) for name in MEASUREMENTS}
    direct = memories["direct"]
    for c in range(chunks):
        work = [workloads(memory, f"{r}/{c}/{v}") for v, memory in enumerate(memories.values())]
        work.append(peer_workloads(peer, f"{r}/{c}"))
        work.append(floors(direct, raw, f"{r}/{c}"))
        order = [(c + i) % count for i in range(count)]
        for name in MEASUREMENTS:
            for side in order:
                await found[name].run(side, work[side][name])
    return {name: sides.rates() for name, sides in found.items()}


COLUMNS = {"direct": "ours_ops_per_s", "unprepared": "unprepared_ops_per_s", "pgbouncer": "pgbouncer_ops_per_s"}
"""The backends measured, in order, and their figure's name in the results."""


async def run(url: str, rounds: int, chunks: int, bouncer: PgBouncer | None) -> dict[str, dict[str, Any]]:
    schema = f"aqe_bench_{uuid.uuid4().hex[:10]}"
    peer_schema = f"{schema}_langgraph"
    config = StorageConfig.for_production(
        url, min_connections=POOL["min"], max_connections=POOL["max"], db_schema=schema
    )
    configs = {"direct": config, "unprepared": config.model_copy(update={"pooler": PoolerMode.TRANSACTION})}
    if bouncer is not None:
        configs["pgbouncer"] = config_through(bouncer, config)
    memories = {name: PostgresMemory(settings) for name, settings in configs.items()}
    for memory in memories.values():
        await memory.connect()
    raw = RawDriver(url, schema)
    samples: dict[str, list[tuple[float, ...]]] = {name: [] for name in MEASUREMENTS}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        await admin.execute(f'CREATE SCHEMA "{peer_schema}"')
    pool_config = {
        "min_size": POOL["min"],
        "max_size": POOL["max"],
        "kwargs": {"options": f"-c search_path={peer_schema}"},
    }
    try:
        await memories["direct"].store_many({f"r/{i}": VALUE for i in range(100)})
        await raw.open(WRITERS)
        async with AsyncPostgresStore.from_conn_string(url, pool_config=pool_config) as store:  # type: ignore[arg-type]
            await store.setup()
            peer = LangGraphPeer(store)
            await peer.put_many([f"r/{i}" for i in range(100)])
            for r in range(rounds):
                for name, rates in (await measure_round(memories, peer, raw, r, chunks)).items():
                    samples[name].append(rates)
    finally:
        await raw.close()
        for memory in memories.values():
            await memory.disconnect()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            for name in (schema, peer_schema):
                await admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    return {name: summary(name, list(memories), rates) for name, rates in samples.items()}


def summary(name: str, backends: list[str], rates: list[tuple[float, ...]]) -> dict[str, Any]:
    """Medians over the rounds of each side and of each ratio, with the targets.

    Each round's rates are the backends' (in `backends` order), then LangGraph's, then the baseline's.
    """
    baseline, target, peer_target = MEASUREMENTS[name]
    peer, floor = len(backends), len(backends) + 1
    figures: dict[str, Any] = {COLUMNS[side]: statistics.median(r[i] for r in rates) for i, side in enumerate(backends)}
    figures.update(
        {
            "baseline": baseline,
            "baseline_ops_per_s": statistics.median(r[floor] for r in rates),
            "langgraph_ops_per_s": statistics.median(r[peer] for r in rates),
            "vs_baseline": statistics.median(r[0] / r[floor] for r in rates),
            "vs_langgraph": statistics.median(r[0] / r[peer] for r in rates),
            "target_vs_baseline": target,
            "target_vs_langgraph": peer_target,
        }
    )
    for i, side in enumerate(backends[1:], start=1):
        figures[f"{side}_vs_direct"] = statistics.median(r[i] / r[0] for r in rates)
    return figures


def start_pgbouncer(url: str, wanted: bool, stack: ExitStack) -> PgBouncer | None:
    """PgBouncer in transaction mode in front of `url`, stopped with `stack`; None if not wanted or installed."""
    if not wanted:
        return None
    if find_binary() is None:
        print("PgBouncer column left out: pgbouncer is not installed (apt-get install -y pgbouncer)", file=sys.stderr)
        return None
    return stack.enter_context(PgBouncer(url, "transaction"))


def verdict(figures: dict[str, Any]) -> str:
    met = figures["vs_baseline"] >= figures["target_vs_baseline"]
    if figures["target_vs_langgraph"] is not None:
        met = met and figures["vs_langgraph"] >= figures["target_vs_langgraph"]
    return "ok" if met else "BELOW"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("AQE_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL URL (default: AQE_TEST_DATABASE_URL, DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median round is reported")
    parser.add_argument("--chunks", type=int, default=6, help="alternations of the sides per round")
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
        f"PostgresMemory, raw psycopg (same statements) and LangGraph's AsyncPostgresStore; "
        f"median of {args.rounds} rounds ({time.perf_counter() - started:.0f}s). ours: direct, prepared "
        "statements; unprepared: direct, AQE_DB_POOLER=transaction; PgBouncer: pool_mode = transaction"
    )
    print(
        f"{'measurement':<21} {'ours ops/s':>11} {'unprepared':>11} {'PgBouncer':>10} {'LangGraph':>10} "
        f"{'vs LG':>7} {'baseline ops/s':>20} {'vs base':>8}  targets"
    )
    for name, f in results.items():
        targets = f">= {f['target_vs_baseline']:g}x {f['baseline']}"
        if f["target_vs_langgraph"] is not None:
            targets += f", >= {f['target_vs_langgraph']:g}x LG"
        baseline = f"{f['baseline_ops_per_s']:,.0f} ({f['baseline']})"
        bounced = f.get("pgbouncer_ops_per_s")
        print(
            f"{name:<21} {f['ours_ops_per_s']:>11,.0f} {f['unprepared_ops_per_s']:>11,.0f} "
            f"{'n/a' if bounced is None else format(bounced, ',.0f'):>10} {f['langgraph_ops_per_s']:>10,.0f} "
            f"{f['vs_langgraph']:>6.2f}x {baseline:>20} {f['vs_baseline']:>7.2f}x  {targets} {verdict(f)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
