"""Embedded mode from the command line: runs kept across `aqe` processes with no setup, crashes, moving a store."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from helpers.embedded import AQE, aqe, data_folder, embedded_env, embedded_template
from helpers.fleet import copy_sample
from lionagi_qe.cli.main import app
from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.embedded import EmbeddedMemory
from lionagi_qe.storage.embedded_server import EmbeddedServer, binaries_version

WORKER = Path(__file__).resolve().parents[1] / "helpers" / "embedded_worker.py"
__all__ = ["embedded_template"]


@pytest.fixture
def folder(embedded_template: Path) -> Iterator[Path]:
    """A data folder of this test's own with a cluster already made (a copy), server stopped."""
    with data_folder(embedded_template) as path:
        yield path


def server_state(folder: Path) -> tuple[str, int]:
    """The server's state and how many processes hold it."""
    status = EmbeddedServer(folder).status()
    return status["state"], len(status["users"])


@pytest.mark.slow
def test_runs_from_two_processes_are_kept_for_history_and_memory(folder: Path, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    env = embedded_env(folder)
    command = [AQE, "run", str(root), "--no-generate", "--json"]
    together = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in together]
    assert [process.returncode for process in together] == [0, 0], [err.decode()[-2000:] for _, err in outputs]
    runs = [json.loads(out) for out, _ in outputs]
    assert {run["mode"] for run in runs} == {"embedded"}
    first, second = sorted(run["run_id"] for run in runs)
    assert server_state(folder) == ("stopped", 0)

    third = aqe(env, "run", str(root), "--no-generate", "--json")
    assert third.returncode == 0, third.stderr
    trend = json.loads(third.stdout)["coverage"]["trend"]
    assert (trend["previous_run"], trend["runs_seen"], trend["delta"]) == (second, 2, 0.0)

    history = aqe(env, "history", "--json", "--project", str(root))
    assert history.returncode == 0, history.stderr
    rows = json.loads(history.stdout)
    assert [row["run_id"] for row in rows][:2] == [first, second] and len(rows) == 3
    assert rows[0]["delta"] is None and rows[1]["delta"] in (None, 0.0) and rows[2]["delta"] == 0.0
    assert all(row["gate"] == "passed" for row in rows)
    listed = aqe(env, "memory", "ls", "aqe/coverage/")
    assert listed.returncode == 0, listed.stderr
    for run_id in (first, second):
        assert f"aqe/coverage/{run_id}/report" in listed.stdout.split()
        assert f"aqe/coverage/{run_id}/gaps" in listed.stdout.split()
    text = aqe({**env, "COLUMNS": "200"}, "history")
    assert text.returncode == 0 and first in text.stdout and "+0.00" in text.stdout
    assert "note:" not in history.stderr + listed.stderr + text.stderr
    assert server_state(folder) == ("stopped", 0)


async def _wait_for_key(folder: Path, pattern: str, timeout: float = 120) -> str:
    async with EmbeddedMemory(StorageConfig.for_embedded(folder)) as memory:
        deadline = time.monotonic() + timeout
        while not (found := await memory.search(pattern)):
            assert time.monotonic() < deadline, f"nothing stored under {pattern} within {timeout}s"
            await asyncio.sleep(0.05)
        return next(iter(found))


@pytest.mark.slow
async def test_an_aqe_killed_during_a_run_leaves_a_store_the_next_one_reads(folder: Path, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    env = embedded_env(folder)
    running = subprocess.Popen([AQE, "run", str(root), "--no-generate"], env=env, stdout=subprocess.DEVNULL)
    try:
        key = await _wait_for_key(folder, "aqe/test-plan/*/execution")
    finally:
        running.send_signal(signal.SIGKILL)
        running.wait()
    listed = aqe(env, "memory", "ls", "aqe/")
    assert listed.returncode == 0, listed.stderr
    assert key in listed.stdout.split()
    stored = aqe(env, "memory", "get", key)
    assert stored.returncode == 0 and json.loads(stored.stdout)["project"] == str(root)
    assert server_state(folder) == ("stopped", 0)


def test_every_acknowledged_write_survives_a_sigkill(folder: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, str(WORKER), "write", str(folder), "100000"], stdout=subprocess.PIPE, text=True
    )
    acknowledged = [writer.stdout.readline().strip() for _ in range(300)]  # type: ignore[union-attr]
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    acknowledged += [line.strip() for line in writer.stdout if line.endswith("\n")]  # type: ignore[union-attr]

    exported = aqe(embedded_env(folder), "memory", "export", "aqe/crash/")
    assert exported.returncode == 0, exported.stderr
    found = {entry["key"]: entry["value"] for entry in map(orjson.loads, exported.stdout.splitlines())}
    assert set(acknowledged) <= set(found)
    assert all(found[key]["n"] == int(key.rsplit("/", 1)[1]) for key in acknowledged)
    assert server_state(folder) == ("stopped", 0)


@pytest.mark.postgres
async def test_export_and_import_move_a_store_to_production_and_back(
    folder: Path, tmp_path: Path, postgres_url: str, pg_schema: str
) -> None:
    async with EmbeddedMemory(StorageConfig.for_embedded(folder)) as memory:
        await memory.store("aqe/coverage/run-1/report", {"percent": 91.5, "nested": [1, {"a": None}]})
        await memory.store("aqe/quality/run-1/verdict", {"passed": True}, ttl=3600, partition="verdicts")
        await memory.store("aqe/odd key %_\\", "ü€", partition="p")
    production = embedded_env(folder, AQE_STORAGE_MODE="production", DATABASE_URL=postgres_url)
    production["AQE_DB_SCHEMA"] = pg_schema

    dump = tmp_path / "runs.jsonl"
    exported = aqe(embedded_env(folder), "memory", "export", "aqe/", "--output", str(dump))
    assert exported.returncode == 0 and "exported 3 entries under 'aqe/'" in exported.stderr
    imported = aqe(production, "memory", "import", str(dump))
    assert imported.returncode == 0 and "imported 3 entries" in imported.stderr, imported.stderr

    with data_folder() as fresh:
        back = subprocess.run(
            [AQE, "memory", "import", "-"], input=aqe(production, "memory", "export").stdout,
            env=embedded_env(fresh), capture_output=True, text=True, timeout=300, check=False,
        )
        assert back.returncode == 0, back.stderr
        again = aqe(embedded_env(fresh), "memory", "export")
    original = [orjson.loads(line) for line in dump.read_text().splitlines()]
    returned = [orjson.loads(line) for line in again.stdout.splitlines()]
    assert [{**e, "ttl": e["ttl"] is None} for e in returned] == [{**e, "ttl": e["ttl"] is None} for e in original]
    verdict = {entry["key"]: entry for entry in returned}["aqe/quality/run-1/verdict"]
    assert 3500 < verdict["ttl"] <= original[2]["ttl"] and verdict["partition"] == "verdicts"


def test_a_bad_import_file_is_refused_before_writing(folder: Path, tmp_path: Path) -> None:
    dump = tmp_path / "broken.jsonl"
    dump.write_text('{"key": "aqe/a", "value": 1}\n{"key": "aqe/b"\n')
    done = aqe(embedded_env(folder), "memory", "import", str(dump))
    assert done.returncode == 2
    assert f"error: {dump} line 2: not JSON" in " ".join(done.stderr.split())
    assert aqe(embedded_env(folder), "memory", "ls", "aqe/").stdout == ""
    missing = aqe(embedded_env(folder), "memory", "import", str(tmp_path / "nowhere.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_config_shows_the_data_folder_and_the_servers_state(
    folder: Path, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.chdir(tmp_path)
    clean_env.setenv("AQE_STORAGE_MODE", "embedded")
    clean_env.setenv("AQE_EMBEDDED_DATA", str(tmp_path / "new"))
    runner = CliRunner()
    fresh = runner.invoke(app, ["config"])
    assert fresh.exit_code == 0, fresh.stderr
    assert f"AQE_EMBEDDED_DATA: {tmp_path / 'new'}\nEmbedded server: not created yet" in fresh.stdout
    assert not (tmp_path / "new").exists()
    clean_env.setenv("AQE_EMBEDDED_DATA", str(folder))
    assert "Embedded server: stopped" in runner.invoke(app, ["config"]).stdout

    lease = EmbeddedServer(folder).acquire()
    try:
        held = runner.invoke(app, ["config"])
        major = binaries_version().split(".")[0]
        assert f"running (pid {lease.server_pid}, PostgreSQL {major}), used by 1 aqe process(es)" in held.stdout
        checked = runner.invoke(app, ["config", "--check", "--json"])
        assert checked.exit_code == 0, checked.stderr
        report = json.loads(checked.stdout)
    finally:
        lease.release()
    assert report["settings"]["embedded_data"] == str(folder)
    assert report["settings"]["server"]["state"] == "running"
    assert report["check"]["backend"] == "embedded" and report["check"]["ok"] is True
    assert (report["check"]["data_folder"], report["check"]["server_pid"]) == (str(folder), lease.server_pid)
    assert "stopped" in runner.invoke(app, ["config"]).stdout


def test_in_process_modes_name_embedded_as_the_way_to_keep_runs(tmp_path: Path) -> None:
    env = embedded_env(tmp_path / "unused", AQE_STORAGE_MODE="development")
    for args in (("history",), ("memory", "ls", "aqe/")):
        done = aqe(env, *args)
        assert done.returncode == 0
        assert "AQE_STORAGE_MODE=embedded" in " ".join(done.stderr.split())
    assert not (tmp_path / "unused").exists()
