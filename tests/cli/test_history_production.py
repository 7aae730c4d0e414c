"""Production mode: runs from separate `aqe` processes persist in PostgreSQL for `aqe history` and `aqe memory`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.fleet import copy_sample


def _aqe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "aqe"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_share_history(postgres_url: str, pg_schema: str, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    env = {
        **os.environ, "AQE_STORAGE_MODE": "production", "DATABASE_URL": postgres_url, "AQE_DB_SCHEMA": pg_schema,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    for name in ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "ENVIRONMENT", "NODE_ENV"):
        env.pop(name, None)
    runs = []
    for _ in range(2):
        done = _aqe(env, "run", str(root), "--no-generate", "--json")
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    assert runs[0]["mode"] == "production"
    assert runs[1]["coverage"]["trend"]["previous_run"] == runs[0]["run_id"]

    history = _aqe(env, "history", "--json", "--project", str(root))
    assert history.returncode == 0, history.stderr
    rows = json.loads(history.stdout)
    assert [row["run_id"] for row in rows] == [runs[0]["run_id"], runs[1]["run_id"]]
    assert all(row["coverage"] == runs[0]["coverage"]["percent"] and row["gate"] == "passed" for row in rows)

    first = runs[0]["run_id"]
    stored = _aqe(env, "memory", "get", f"aqe/quality/{first}/verdict")
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["passed"] is True
    listed = _aqe(env, "memory", "ls", f"aqe/coverage/{first}/")
    assert listed.stdout.split() == [f"aqe/coverage/{first}/gaps", f"aqe/coverage/{first}/report"]
    assert "note:" not in history.stderr + stored.stderr
