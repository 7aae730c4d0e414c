"""Bad cases of embedded mode: each a clear EmbeddedServerError, and nothing stored before is lost.

The faults are real: a read-only mount (or mode 0555 when not root), a tmpfs
that fills up, a cluster made by another PostgreSQL major version (the
machine's own initdb when one is installed).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.embedded import aqe, embedded_env, read_only
from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import EmbeddedServerError, StorageError
from lionagi_qe.storage.embedded import EmbeddedMemory
from lionagi_qe.storage.embedded_server import SERVER_USER, EmbeddedServer, binaries_version


def fingerprint(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under `folder`."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def store_some(folder: Path, count: int = 20) -> dict[str, int]:
    memory = EmbeddedMemory(StorageConfig.for_embedded(folder))
    async with memory:
        values = {f"aqe/kept/{n}": n for n in range(count)}
        await memory.store_many(values)
    return values


async def read_all(folder: Path, prefix: str = "aqe/") -> dict[str, object]:
    async with EmbeddedMemory(StorageConfig.for_embedded(folder)) as memory:
        return await memory.search(f"{prefix}*")


async def test_a_folder_that_cannot_be_written_is_named_and_its_data_kept(made_folder: Path) -> None:
    stored = await store_some(made_folder)
    with read_only(made_folder):
        with pytest.raises(EmbeddedServerError) as raised:
            EmbeddedServer(made_folder).acquire()
        done = aqe(embedded_env(made_folder), "memory", "ls", "aqe/")
    message = str(raised.value)
    assert message.startswith(f"the embedded data folder {made_folder} is not writable (")
    assert "AQE_EMBEDDED_DATA=" in message and "nothing in it was changed" in message
    assert done.returncode == 2 and "is not writable" in done.stderr and "Traceback" not in done.stderr
    assert await read_all(made_folder) == stored


def another_major_cluster(target: Path) -> str:
    """Make a cluster at `target` with an installed PostgreSQL of another major version; return that version.

    Without one on the machine, our own cluster's PG_VERSION is set to the previous major, which is
    all a data folder of another version looks like before PostgreSQL refuses it.
    """
    ours = binaries_version().split(".")[0]
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")):
        major = Path(initdb).parts[-3]
        if major != ours:
            target.mkdir(mode=0o700)
            user = SERVER_USER if os.geteuid() == 0 else None
            if user:
                target.parent.chmod(0o711)
                shutil.chown(target, user, user)
            subprocess.run(
                [initdb, "-D", str(target), "-U", "postgres", "--auth=trust"],
                check=True, capture_output=True, user=user, group=user, cwd="/",
            )
            return major
    EmbeddedServer(target.parent).acquire().release()
    (target / "PG_VERSION").write_text(f"{int(ours) - 1}\n")
    return str(int(ours) - 1)


def test_a_cluster_of_another_major_version_is_kept_with_what_to_do(folder: Path) -> None:
    major = another_major_cluster(folder / "pgdata")
    before = fingerprint(folder / "pgdata")
    with pytest.raises(EmbeddedServerError) as raised:
        EmbeddedServer(folder).acquire()
    message = str(raised.value)
    assert f"holds a PostgreSQL {major} cluster, but the installed pgserver ships PostgreSQL {binaries_version()}" in (
        message
    )
    assert "the folder is kept as it is" in message
    assert "aqe memory export > runs.jsonl" in message and "aqe memory import runs.jsonl" in message
    assert fingerprint(folder / "pgdata") == before

    done = aqe(embedded_env(folder), "history")
    assert done.returncode == 2
    assert f"holds a PostgreSQL {major} cluster" in done.stderr
    assert fingerprint(folder / "pgdata") == before


def test_a_folder_that_is_no_cluster_is_left_alone(folder: Path) -> None:
    (folder / "pgdata").mkdir()
    (folder / "pgdata" / "notes.txt").write_text("mine")
    with pytest.raises(EmbeddedServerError, match=r"pgdata is not a PostgreSQL cluster .* nothing was deleted"):
        EmbeddedServer(folder).acquire()
    assert (folder / "pgdata" / "notes.txt").read_text() == "mine"


async def test_a_full_disk_stops_writes_clearly_and_loses_no_acknowledged_one(small_disk: Path) -> None:
    folder = small_disk / "embedded"
    config = StorageConfig.for_embedded(folder, connection_timeout=5)
    memory = EmbeddedMemory(config)
    memory.server.min_free_bytes = 8 * 2**20  # room enough to start on this small disk
    memory.server.stop_grace = 5.0
    await memory.connect()
    acknowledged: dict[str, str] = {}
    with pytest.raises(StorageError) as raised:
        for number in range(10_000):
            key, value = f"aqe/fill/{number:05d}", os.urandom(96 * 1024).hex()  # incompressible
            await memory.store(key, value)
            acknowledged[key] = value
    assert "No space left on device" in str(raised.value), raised.value
    await memory.disconnect()
    assert len(acknowledged) > 100

    with pytest.raises(EmbeddedServerError) as full:
        EmbeddedServer(folder).acquire()
    message = str(full.value)
    assert re.match(rf"the disk holding the embedded data folder {folder} is full \(\d+ MB free", message)
    assert "Every write acknowledged before is kept" in message

    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)
    async with EmbeddedMemory(config) as reader:
        found = await reader.retrieve_many(list(acknowledged))
    assert found == acknowledged


DOCUMENTED = [
    "is not writable",
    "the disk holding the embedded data folder",
    "No space left on device [SQLSTATE 53100]",
    "is not a PostgreSQL cluster",
    "embedded mode needs psycopg 3 and pgserver",
    "embedded mode runs its own PostgreSQL server: drop database_url",
    "has been starting or stopping the embedded server",
    "is not a folder",
]
"""The messages of embedded mode that users meet, which docs/storage-modes.md explains."""


def test_docs_explain_every_message_of_embedded_mode() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "storage-modes.md").read_text(encoding="utf-8")
    assert [phrase for phrase in DOCUMENTED if phrase not in docs] == []
    assert "holds a PostgreSQL 15 cluster, but the installed pgserver ships PostgreSQL 16" in docs
