"""A process that uses an embedded data folder, for the sharing and crash tests.

    python embedded_worker.py lease FOLDER GO DONE   # wait for GO, acquire, print {"started", "pid"}, wait for DONE
    python embedded_worker.py write FOLDER COUNT     # store COUNT keys one by one, printing each once stored

`write` prints a key only after `store` returned: every printed key is an
acknowledged write that must survive the process being killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.embedded import EmbeddedMemory
from lionagi_qe.storage.embedded_server import EmbeddedServer


def wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.005)


def lease(folder: Path, go: Path, done: Path) -> None:
    wait_for(go)
    held = EmbeddedServer(folder).acquire()
    print(json.dumps({"started": held.started_server, "pid": held.server_pid}), flush=True)
    wait_for(done)
    held.release()


async def write(folder: Path, count: int) -> None:
    memory = EmbeddedMemory(StorageConfig.for_embedded(folder))
    await memory.connect()
    for number in range(count):
        key = f"aqe/crash/{number:06d}"
        await memory.store(key, {"n": number, "payload": "x" * 200})
        print(key, flush=True)
    await memory.disconnect()


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "lease":
        lease(folder, Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        asyncio.run(write(folder, int(sys.argv[3])))
