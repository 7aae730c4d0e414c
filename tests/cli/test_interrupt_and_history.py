"""Ctrl-C during `aqe run`: exit 130 at once, say what was interrupted, mark the run for `aqe history`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.agents.memory_keys import report_key, run_status_key
from lionagi_qe.agents.records import RunStatusRecord
from lionagi_qe.cli.memory_cmd import history_rows
from lionagi_qe.storage import SessionMemory

AQE = str(Path(sys.executable).parent / "aqe")
SLOW_PROJECT = {
    "src/pkg/__init__.py": "def one():\n    return 1\n",
    "tests/test_slow.py": "import time\n\nfrom pkg import one\n\n\ndef test_slow():\n    time.sleep(120)\n"
    "    assert one() == 1\n",
}


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line mentions `text` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def _wait_for_a_running_test(root: Path, proc: subprocess.Popen[str]) -> None:
    """Until the probe reports that a test started (the suite is running in a child process)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for events in root.glob(".aqe/runs/*/events-*.jsonl"):
            if any(json.loads(line)["e"] == "start" for line in events.read_text().splitlines() if line.strip()):
                return
        time.sleep(0.1)
    raise AssertionError("the suite never started")


@pytest.mark.postgres
@pytest.mark.slow
def test_ctrl_c_exits_130_marks_the_run_and_stops_the_suite(postgres_url: str, pg_schema: str, tmp_path: Path) -> None:
    root = write_project(tmp_path / "slow", SLOW_PROJECT)
    env = {
        **os.environ, "AQE_STORAGE_MODE": "production", "DATABASE_URL": postgres_url, "AQE_DB_SCHEMA": pg_schema,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    for name in ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [AQE, "run", str(root), "--no-generate", "--json", "--test-timeout", "300"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_for_a_running_test(root, proc)
        proc.send_signal(signal.SIGINT)  # to aqe alone: it must stop its own children
        out, err = proc.communicate(timeout=10)  # the test sleeps 120s: only an interrupt ends this early
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    report = json.loads(out)
    run_id = report["run_id"]
    assert report["exit_code"] == 130 and report["error"]["kind"] == "interrupted"
    expected = f"interrupted: test-executor was running in run {run_id}; marked interrupted in memory"
    assert expected in err and report["error"]["message"].startswith(expected)

    deadline = time.monotonic() + 10
    while _processes_mentioning(str(root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(root)) == []

    for project, cwd in ((str(root / "src"), None), ("slow", tmp_path)):  # a folder inside it; a relative path
        shown = subprocess.run(
            [AQE, "history", "--json", "--project", project], env=env, cwd=cwd, capture_output=True, text=True,
            timeout=60, check=False,
        )
        assert shown.returncode == 0, shown.stderr
        rows = json.loads(shown.stdout)
        assert [(r["run_id"], r["gate"], r["coverage"], r["project"]) for r in rows] == [
            (run_id, "interrupted", None, str(root))
        ]
    text = subprocess.run([AQE, "history"], env=env, capture_output=True, text=True, timeout=60, check=False).stdout
    assert any(run_id in line and "interrupted" in line for line in text.splitlines())


async def test_history_rows_mark_interrupted_runs_and_resolve_the_project(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"pkg/__init__.py": ""})
    memory = SessionMemory()
    await memory.connect()
    report = {
        "run_id": "r1", "project": str(root), "finished_at": "t1", "totals": {"percent": 50.0, "line_percent": 60.0,
        "branch_percent": 40.0}, "functions": {}, "files": {}, "data_file": "", "gap_count": 0, "trend": {},
    }
    await memory.store(report_key("r1"), report)
    await memory.store(report_key("r2"), {**report, "run_id": "r2", "project": str(tmp_path / "other")})
    for run_id in ("r1", "r3"):
        record = RunStatusRecord(run_id=run_id, project=str(root), status="interrupted", agent="test-generator", at="t")
        await memory.store(run_status_key(run_id), record.to_json())
    rows = await history_rows(memory, str(root / "pkg"))
    shown = [(r["run_id"], r["gate"], r["coverage"]) for r in rows]
    assert shown == [("r1", "interrupted", 50.0), ("r3", "interrupted", None)]
    assert [r["run_id"] for r in await history_rows(memory, None, limit=2)] == ["r2", "r3"]
