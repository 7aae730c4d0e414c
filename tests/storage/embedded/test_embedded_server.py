"""The embedded server: one per data folder, shared by leases, started once, stopped by the last user."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from lionagi_qe.config import StorageConfig
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage.embedded import EmbeddedMemory
from lionagi_qe.storage.embedded_server import EmbeddedServer, binaries_version
from lionagi_qe.storage.factory import create_memory

MAJOR = binaries_version().split(".")[0]
WORKER = Path(__file__).resolve().parents[2] / "helpers" / "embedded_worker.py"


def answers(server: EmbeddedServer) -> bool:
    """True if the server answers a query on its socket."""
    try:
        with psycopg.connect(server.url, connect_timeout=5) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_leases_share_one_server_and_the_last_release_stops_it(folder: Path) -> None:
    server = EmbeddedServer(folder)
    assert server.status()["state"] == "not created yet"
    first = server.acquire()
    second = EmbeddedServer(folder).acquire()
    assert (first.started_server, second.started_server) == (True, False)
    assert first.server_pid == second.server_pid
    status = server.status()
    assert (status["state"], status["pid"], status["postgres_version"]) == ("running", first.server_pid, MAJOR)
    assert [user["pid"] for user in status["users"]] == [os.getpid(), os.getpid()]

    first.release()
    first.release()  # idempotent
    assert answers(server)
    assert len(server.status()["users"]) == 1
    second.release()
    assert server.status() | {"users": None} == status | {"state": "stopped", "pid": None, "users": None}
    assert not answers(server)
    assert list((folder / "users").iterdir()) == []


def test_processes_starting_together_wait_for_the_one_that_starts(folder: Path, tmp_path: Path) -> None:
    go, done = tmp_path / "go", tmp_path / "done"
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "lease", str(folder), str(go), str(done)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(4)
    ]
    go.touch()
    leases = [json.loads(worker.stdout.readline() or "{}") for worker in workers]  # type: ignore[union-attr]
    assert sorted(lease.get("started") for lease in leases) == [False, False, False, True], leases
    assert len({lease["pid"] for lease in leases}) == 1
    assert len(EmbeddedServer(folder).status()["users"]) == 4
    done.touch()
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read()  # type: ignore[union-attr]
    assert EmbeddedServer(folder).status()["state"] == "stopped"


def test_a_killed_user_holds_nothing_and_the_next_one_stops_the_server(made_folder: Path, tmp_path: Path) -> None:
    go, never = tmp_path / "go", tmp_path / "never"
    go.touch()
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), "lease", str(made_folder), str(go), str(never)], stdout=subprocess.PIPE, text=True
    )
    pid = json.loads(worker.stdout.readline())["pid"]  # type: ignore[union-attr]
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    server = EmbeddedServer(made_folder)
    status = server.status()
    assert (status["state"], status["pid"], status["users"]) == ("running", pid, [])
    assert len(list((made_folder / "users").glob("*.lease"))) == 1  # left behind, but no longer locked

    lease = server.acquire()
    assert (lease.started_server, lease.server_pid) == (False, pid)
    lease.release()
    assert server.status()["state"] == "stopped"
    assert list((made_folder / "users").iterdir()) == []


async def test_stale_pid_file_of_a_killed_server_is_cleared_and_every_write_is_kept(made_folder: Path) -> None:
    config = StorageConfig.for_embedded(made_folder, connection_timeout=5)
    memory = EmbeddedMemory(config)
    await memory.connect()
    stored = {f"aqe/k/{n}": {"n": n} for n in range(50)}
    for key, value in stored.items():
        await memory.store(key, value)
    killed = memory.server.status()["pid"]
    os.kill(killed, signal.SIGKILL)
    while memory.server.status()["pid"] is not None:
        time.sleep(0.01)
    assert int((made_folder / "pgdata" / "postmaster.pid").read_text().split()[0]) == killed  # stale, left behind

    reader = EmbeddedMemory(config)
    await reader.connect()
    try:
        assert reader.lease is not None and reader.lease.started_server and reader.lease.server_pid != killed
        assert await reader.search("aqe/k/*") == dict(sorted(stored.items()))
    finally:
        await reader.disconnect()
        await memory.disconnect()
    assert memory.server.status()["state"] == "stopped"


def test_pid_file_naming_a_reused_pid_is_not_taken_for_the_server(made_folder: Path) -> None:
    server = EmbeddedServer(made_folder)
    server.acquire().release()
    impostor = subprocess.Popen(["sleep", "60"])
    try:
        lines = ["0"] * 8
        lines[0], lines[1], lines[7] = str(impostor.pid), str(server.pgdata), "ready"
        (server.pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")
        assert server.status()["state"] == "stopped"
        lease = server.acquire()
        assert lease.started_server and lease.server_pid != impostor.pid
        assert answers(server)
        lease.release()
        assert impostor.poll() is None  # the unrelated process was left alone
    finally:
        impostor.kill()
        impostor.wait()


def test_leftover_of_a_killed_initdb_is_replaced(folder: Path) -> None:
    leftover = folder / "pgdata.init-99999999"
    leftover.mkdir()
    (leftover / "PG_VERSION").write_text("16\n")
    lease = EmbeddedServer(folder).acquire()
    lease.release()
    assert not leftover.exists()
    assert (folder / "pgdata" / "PG_VERSION").read_text().strip() == MAJOR


def test_a_long_folder_path_puts_the_socket_in_the_temp_dir(folder: Path) -> None:
    deep = folder / ("d" * 60) / ("e" * 60)
    server = EmbeddedServer(deep)
    assert server.socket_dir != server.pgdata and len(str(server.socket_dir)) < 60
    lease = server.acquire()
    try:
        assert answers(server)
        assert (server.socket_dir / ".s.PGSQL.5432").is_socket()
    finally:
        lease.release()


@pytest.mark.parametrize("users", [1, 3])
async def test_memories_in_one_process_share_the_server(made_folder: Path, users: int) -> None:
    memories = [EmbeddedMemory(StorageConfig.for_embedded(made_folder)) for _ in range(users)]
    for memory in memories:
        await memory.connect()
    await memories[0].store("aqe/shared", users)
    assert [await m.retrieve("aqe/shared") for m in memories] == [users] * users
    assert len({m.lease.server_pid for m in memories if m.lease}) == 1
    for memory in memories:
        await memory.disconnect()
        await memory.disconnect()
    assert EmbeddedServer(made_folder).status()["state"] == "stopped"


def test_without_pgserver_the_error_names_the_extra(made_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pgserver" else real(name, *a))
    with pytest.raises(ConfigurationError, match=r"pgserver is missing\); install them with: pip install "):
        create_memory(StorageConfig.for_embedded(made_folder))
    monkeypatch.undo()
    assert isinstance(create_memory(StorageConfig.for_embedded(made_folder)), EmbeddedMemory)
