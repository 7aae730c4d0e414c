"""A separate OS process for the PostgreSQL tests: `python pg_worker.py COMMAND ARGS...`.

    connect-and-store URL SCHEMA GO_FILE N    connect when GO_FILE appears (10 at once: migrations race)
    increment URL SCHEMA GO_FILE TIMES        update() one counter TIMES times, starting with the others
    write-acks URL SCHEMA PREFIX WRITERS      store forever from WRITERS tasks, print 'ack KEY' once committed
    guide-example-3                           the guide's Example 3, as written (settings from the environment)
    read KEY                                  print the value under KEY as JSON (settings from the environment)

Commands that wait for the others print 'ready' first.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.postgres import PostgresMemory


def config(url: str, schema: str) -> StorageConfig:
    """A small pool on `url`; AQE_DB_POOLER and AQE_DB_DIRECT_URL, when set, say `url` is a pooler's."""
    return StorageConfig.for_production(
        url,
        min_connections=1,
        max_connections=4,
        connection_timeout=30,
        db_schema=schema,
        pooler=os.environ.get("AQE_DB_POOLER", "none"),
        direct_url=os.environ.get("AQE_DB_DIRECT_URL"),
    )


def wait_for_go(go_file: str) -> None:
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.005)


async def connect_and_store(url: str, schema: str, go_file: str, n: str) -> None:
    memory = PostgresMemory(config(url, schema))
    wait_for_go(go_file)
    await memory.connect()
    try:
        await memory.store(f"race/{n}", int(n))
        print(json.dumps({"schema_version": memory.schema_version}))
    finally:
        await memory.disconnect()


async def increment(url: str, schema: str, go_file: str, times: str) -> None:
    memory = PostgresMemory(config(url, schema))
    await memory.connect()
    wait_for_go(go_file)
    try:
        for _ in range(int(times)):
            await memory.update("aqe/counter", lambda n: n + 1, default=0)
    finally:
        await memory.disconnect()


async def write_acks(url: str, schema: str, prefix: str, writers: str) -> None:
    memory = PostgresMemory(config(url, schema))
    await memory.connect()
    print("ready", flush=True)

    async def writer(w: int) -> None:
        i = 0
        while True:
            i += 1
            key = f"{prefix}/{w}/{i}"
            await memory.store(key, {"w": w, "i": i})
            print(f"ack {key}", flush=True)

    await asyncio.gather(*(writer(w) for w in range(int(writers))))


async def guide_example_3() -> None:
    from helpers import guide_samples

    namespace: dict[str, object] = {"__name__": "guide_reader"}
    code = compile(guide_samples.EXAMPLE_3_PRODUCTION, "<guide sample>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        await result
    print(json.dumps(namespace["metrics"]))


async def read(key: str) -> None:
    from lionagi_qe.core.orchestrator import QEOrchestrator

    orchestrator = QEOrchestrator.from_environment()
    try:
        await orchestrator.connect()
        print(json.dumps(await orchestrator.memory.retrieve(key)))
    finally:
        await orchestrator.disconnect()


COMMANDS = {
    "connect-and-store": connect_and_store,
    "increment": increment,
    "write-acks": write_acks,
    "guide-example-3": guide_example_3,
    "read": read,
}

if __name__ == "__main__":
    asyncio.run(COMMANDS[sys.argv[1]](*sys.argv[2:]))
