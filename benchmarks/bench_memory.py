"""In-process memory vs the floor: a plain dict that stores JSON, side by side in one run.

    python benchmarks/bench_memory.py            # prints ops/s and ratios
    python benchmarks/bench_memory.py --ops 50000 --rounds 9 --json

The baseline does the least any backend must: encode the value to JSON bytes
on store, decode a fresh copy on retrieve, behind the same async call. The
ratio is SessionMemory's throughput over the baseline's (1.0 = as fast as the
floor); rounds alternate between the two so both see the same machine state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from lionagi_qe.storage import SessionMemory

PAYLOADS: dict[str, Any] = {
    "small": {"line_coverage": 85.5, "status": "ok"},
    "coverage record": {
        "run_id": "20261126T101500Z-3fa9c1",
        "module": "sample_project/pricing.py",
        "line_coverage": 85.5,
        "branch_coverage": 71.25,
        "missing_lines": list(range(40, 72, 2)),
        "functions": [{"name": f"fn_{i}", "covered": i % 3 != 0, "complexity": i % 7} for i in range(8)],
        "gate": {"passed": True, "reasons": []},
    },
}


class JsonDict:
    """The floor: a dict of JSON bytes behind async store/retrieve."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def store(self, key: str, value: Any) -> None:
        self.data[key] = orjson.dumps(value)

    async def retrieve(self, key: str) -> Any:
        return orjson.loads(self.data[key])


async def ops_per_second(op: Callable[[str], Awaitable[Any]], keys: list[str]) -> float:
    started = time.perf_counter()
    for key in keys:
        await op(key)
    return len(keys) / (time.perf_counter() - started)


async def compare(payload: Any, ops: int, rounds: int) -> dict[str, float]:
    keys = [f"aqe/bench/{i}" for i in range(ops)]
    floor, memory = JsonDict(), SessionMemory()
    samples: dict[str, list[float]] = {name: [] for name in ("floor store", "memory store", "floor retrieve", "memory retrieve")}
    for _ in range(rounds):
        samples["floor store"].append(await ops_per_second(lambda k: floor.store(k, payload), keys))
        samples["memory store"].append(await ops_per_second(lambda k: memory.store(k, payload), keys))
        samples["floor retrieve"].append(await ops_per_second(floor.retrieve, keys))
        samples["memory retrieve"].append(await ops_per_second(memory.retrieve, keys))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    medians["store ratio"] = medians["memory store"] / medians["floor store"]
    medians["retrieve ratio"] = medians["memory retrieve"] / medians["floor retrieve"]
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20000, help="operations per round (default 20000)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds; the median is reported (default 7)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = {name: asyncio.run(compare(payload, args.ops, args.rounds)) for name, payload in PAYLOADS.items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"SessionMemory vs dict-of-JSON floor ({args.ops} ops x {args.rounds} rounds, medians)")
    for name, r in results.items():
        print(
            f"  {name:16} store {r['memory store']:>10,.0f}/s vs {r['floor store']:>10,.0f}/s = {r['store ratio']:.2f}x"
            f"   retrieve {r['memory retrieve']:>10,.0f}/s vs {r['floor retrieve']:>10,.0f}/s = {r['retrieve ratio']:.2f}x"
        )


if __name__ == "__main__":
    main()
