"""In-process memory vs the floor: a plain dict that stores JSON, side by side in one run.

    python benchmarks/bench_memory.py            # prints ops/s and ratios
    python benchmarks/bench_memory.py --ops 50000 --rounds 9 --json

The baseline does the least any backend must: encode the value to JSON bytes
on store, decode a fresh copy on retrieve, behind the same async call. The
ratio is SessionMemory's throughput over the baseline's (1.0 = as fast as the
floor). The two alternate in chunks of 500 operations, with the garbage
collector paused, so both see the same machine state.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
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


async def seconds(op: Callable[[str], Awaitable[Any]], keys: list[str]) -> float:
    started = time.perf_counter()
    for key in keys:
        await op(key)
    return time.perf_counter() - started


async def compare(payload: Any, ops: int, rounds: int, chunk: int = 500) -> dict[str, float]:
    """Alternate short chunks of floor and memory work, so drift in machine speed hits both alike."""
    keys = [f"aqe/bench/{i}" for i in range(ops)]
    chunks = [keys[i : i + chunk] for i in range(0, ops, chunk)]
    floor, memory = JsonDict(), SessionMemory()
    pairs = {
        "store": (lambda k: floor.store(k, payload), lambda k: memory.store(k, payload)),
        "retrieve": (floor.retrieve, memory.retrieve),
    }
    totals = {f"{side} {op}": 0.0 for op in pairs for side in ("floor", "memory")}
    gc.disable()
    try:
        for _ in range(rounds):
            for op, (floor_op, memory_op) in pairs.items():
                for part in chunks:
                    totals[f"floor {op}"] += await seconds(floor_op, part)
                    totals[f"memory {op}"] += await seconds(memory_op, part)
    finally:
        gc.enable()
    result = {name: ops * rounds / total for name, total in totals.items()}
    for op in pairs:
        result[f"{op} ratio"] = result[f"memory {op}"] / result[f"floor {op}"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20000, help="operations per round (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the keys (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = {name: asyncio.run(compare(payload, args.ops, args.rounds)) for name, payload in PAYLOADS.items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"SessionMemory vs dict-of-JSON floor ({args.ops} ops x {args.rounds} rounds, interleaved in chunks)")
    for name, r in results.items():
        print(
            f"  {name:16} store {r['memory store']:>10,.0f}/s vs {r['floor store']:>10,.0f}/s"
            f" = {r['store ratio']:.2f}x   retrieve {r['memory retrieve']:>10,.0f}/s"
            f" vs {r['floor retrieve']:>10,.0f}/s = {r['retrieve ratio']:.2f}x"
        )


if __name__ == "__main__":
    main()
