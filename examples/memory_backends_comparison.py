"""The same operations on each memory backend, side by side: same values, and timing.

    python examples/memory_backends_comparison.py     # SessionMemory only

    export DATABASE_URL=postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning
    python examples/memory_backends_comparison.py     # SessionMemory and PostgresMemory

Every check runs on each backend and the results are compared: code that passes
in development behaves the same in production. PostgreSQL settings come from the
environment as in production mode (DATABASE_URL, DB_POOL_*, AQE_DB_SCHEMA). The
run writes under its own key prefix and partition and removes them at the end.
Exit codes: 0 identical results; 1 a backend differs; 2 bad configuration or
database unreachable (message on stderr).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import QEError
from lionagi_qe.storage import MemoryBackend, create_memory

SINGLE_OPS = 200
BATCH_SIZE = 1000

Check = Callable[[MemoryBackend, str, str], Awaitable[Any]]


async def round_trip(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """A nested value comes back equal, as JSON gives it back (the tuple becomes a list)."""
    value = {"module": "user_service", "coverage": 85.5, "tags": ("unit", "fast"), "owner": "Zoë", "ok": True}
    await memory.store(f"{prefix}/plan", value, partition=partition)
    return await memory.retrieve(f"{prefix}/plan")


async def missing_key(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """Absent keys give the default; `exists` agrees."""
    return await memory.retrieve(f"{prefix}/absent", "none"), await memory.exists(f"{prefix}/absent")


async def versions(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """Each write adds one to the version; a compare-and-set on a stale version loses."""
    first = await memory.store(f"{prefix}/versioned", "a", partition=partition)
    second = await memory.store(f"{prefix}/versioned", "b", partition=partition)
    stale = await memory.compare_and_set(f"{prefix}/versioned", "c", expected_version=first, partition=partition)
    return first, second, stale, await memory.retrieve_versioned(f"{prefix}/versioned")


async def atomic_update(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """`update` applies a function atomically; ten concurrent increments give ten."""
    key = f"{prefix}/counter"
    await asyncio.gather(*(memory.update(key, lambda n: n + 1, default=0, partition=partition) for _ in range(10)))
    return await memory.retrieve(key)


async def glob_search(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """Glob search: `*` and `?` are wildcards; `%` and `_` in keys match only themselves."""
    await memory.store_many(
        {f"{prefix}/cov/run-1": 1, f"{prefix}/cov/run-2": 2, f"{prefix}/cov/100%_x": 3, f"{prefix}/cov/100ab": 4},
        partition=partition,
    )
    return await memory.search(f"{prefix}/cov/run-?"), await memory.search(f"{prefix}/cov/100%_*")


async def keys_and_batches(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """`store_many` then `retrieve_many` and `list_keys`: sorted, absent keys left out."""
    await memory.store_many({f"{prefix}/batch/{i}": {"i": i} for i in range(3)}, partition=partition)
    wanted = [f"{prefix}/batch/2", f"{prefix}/batch/0", f"{prefix}/batch/9"]
    return await memory.retrieve_many(wanted), await memory.list_keys(f"{prefix}/batch/")


async def expiry(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """A value with a TTL is there, then invisible once the TTL has passed."""
    await memory.store(f"{prefix}/short-lived", "soon gone", ttl=0.3, partition=partition)
    before = await memory.exists(f"{prefix}/short-lived")
    await asyncio.sleep(0.6)
    return before, await memory.exists(f"{prefix}/short-lived")


async def deletion(memory: MemoryBackend, prefix: str, partition: str) -> Any:
    """`delete` says whether a live entry went."""
    await memory.store(f"{prefix}/doomed", 1, partition=partition)
    return await memory.delete(f"{prefix}/doomed"), await memory.delete(f"{prefix}/doomed")


CHECKS: list[Check] = [
    round_trip,
    missing_key,
    versions,
    atomic_update,
    glob_search,
    keys_and_batches,
    expiry,
    deletion,
]


async def run_checks(memory: MemoryBackend, prefix: str, partition: str) -> dict[str, Any]:
    """{check name: result} for every check, on one backend."""
    return {check.__name__: await check(memory, prefix, partition) for check in CHECKS}


async def run_timings(memory: MemoryBackend, prefix: str, partition: str) -> dict[str, float]:
    """Operations per second for single and batch operations on one backend."""
    single = {f"{prefix}/timed/{i}": {"i": i, "score": i / 7} for i in range(SINGLE_OPS)}
    batch = {f"{prefix}/timed-batch/{i}": {"i": i, "score": i / 7} for i in range(BATCH_SIZE)}
    rates: dict[str, float] = {}

    started = time.perf_counter()
    for key, value in single.items():
        await memory.store(key, value, partition=partition)
    rates[f"store x{SINGLE_OPS}"] = SINGLE_OPS / (time.perf_counter() - started)

    started = time.perf_counter()
    for key in single:
        await memory.retrieve(key)
    rates[f"retrieve x{SINGLE_OPS}"] = SINGLE_OPS / (time.perf_counter() - started)

    started = time.perf_counter()
    await memory.store_many(batch, partition=partition)
    rates[f"store_many({BATCH_SIZE})"] = BATCH_SIZE / (time.perf_counter() - started)

    started = time.perf_counter()
    await memory.retrieve_many(batch)
    rates[f"retrieve_many({BATCH_SIZE})"] = BATCH_SIZE / (time.perf_counter() - started)
    return rates


async def measure(memory: MemoryBackend, prefix: str, partition: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Connect, run the checks and timings under `prefix`, remove `partition`, disconnect."""
    async with memory:
        try:
            return await run_checks(memory, prefix, partition), await run_timings(memory, prefix, partition)
        finally:
            await memory.clear_partition(partition)


def short(value: Any, prefix: str, width: int = 100) -> str:
    """`repr(value)` with `prefix/` left out of keys, cut to `width` characters."""
    text = repr(value).replace(f"{prefix}/", "")
    return text if len(text) <= width else text[: width - 3] + "..."


async def compare() -> int:
    """Run every backend available, print both tables; 1 if any result differs."""
    backends = {"session": create_memory(StorageConfig.for_development())}
    if os.getenv("DATABASE_URL"):
        backends["postgres"] = create_memory(StorageConfig.from_environment(mode="production"))
    else:
        print("PostgresMemory: skipped, DATABASE_URL is not set. To compare it too:")
        print("  docker compose -f examples/docker-compose.storage-example.yml up -d")
        print("  export DATABASE_URL=postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning")

    run = uuid.uuid4().hex[:8]
    prefix, partition = f"aqe/comparison/{run}", f"comparison-{run}"
    measured = {name: await measure(memory, prefix, partition) for name, memory in backends.items()}
    names = list(measured)
    differences = 0
    for check in CHECKS:
        results = [measured[name][0][check.__name__] for name in names]
        same = all(result == results[0] for result in results)
        differences += not same
        verdict = ("  same on every backend" if same else "  DIFFERENT") if len(names) > 1 else ""
        print(f"\n{check.__name__}: {check.__doc__}{verdict}")
        for name, result in zip(names, results, strict=True):
            print(f"  {name:<10}{short(result, prefix)}")

    print(f"\n{'operations/second':<24}" + "".join(f"{name:>14}" for name in names))
    for label in measured[names[0]][1]:
        print(f"{label:<24}" + "".join(f"{measured[name][1][label]:>14,.0f}" for name in names))

    if differences:
        print(f"\n{differences} check(s) differ between backends", file=sys.stderr)
        return 1
    if len(names) > 1:
        print("\nevery check returned the same values on " + " and ".join(names))
    return 0


def main() -> int:
    """Run the comparison; the project's own errors become a message on stderr and exit code 2."""
    try:
        return asyncio.run(compare())
    except QEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
