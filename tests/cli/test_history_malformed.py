"""`aqe history` reads whatever is stored under the report keys: malformed records are skipped and named."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from lionagi_qe.cli.main import app
from lionagi_qe.config import StorageConfig
from lionagi_qe.storage.postgres import PostgresMemory

runner = CliRunner()


def report(run_id: str, percent: float | None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "project": "/srv/project",
        "finished_at": "2026-11-27T10:00:00Z",
        "totals": {"percent": percent, "line_percent": percent, "branch_percent": percent},
        "functions": {},
        "files": {},
        "data_file": "/srv/project/.coverage",
        "gap_count": 0,
        "trend": {"delta": None},
    }


MALFORMED = {
    "a-list": [1, 2, 3],
    "b-string": "not a report",
    "c-no-totals": {k: v for k, v in report("c-no-totals", 80.0).items() if k != "totals"},
    "d-number": 42,
    "e-totals-not-a-dict": {**report("e-totals-not-a-dict", 80.0), "totals": "80%"},
}


async def store_records(postgres_url: str, schema: str) -> None:
    memory = PostgresMemory(StorageConfig.for_production(postgres_url, min_connections=1, db_schema=schema))
    async with memory:
        await memory.store_many({f"aqe/coverage/{run}/report": value for run, value in MALFORMED.items()})
        await memory.store("aqe/coverage/f-good/report", report("f-good", 91.5))
        await memory.store("aqe/coverage/g-null-percent/report", report("g-null-percent", None))
        await memory.store("aqe/quality/f-good/verdict", {"passed": True})
        await memory.store("aqe/quality/g-null-percent/verdict", "not a verdict")


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_history_skips_malformed_records_and_says_which(
    clean_env: pytest.MonkeyPatch, postgres_url: str, pg_schema: str, as_json: bool
) -> None:
    asyncio.run(store_records(postgres_url, pg_schema))
    clean_env.setenv("AQE_STORAGE_MODE", "production")
    clean_env.setenv("DATABASE_URL", postgres_url)
    clean_env.setenv("AQE_DB_SCHEMA", pg_schema)
    clean_env.setenv("COLUMNS", "200")  # a table wide enough that run ids are not folded

    result = runner.invoke(app, ["history", *(["--json"] if as_json else [])])
    assert result.exit_code == 0, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    skipped = " ".join(result.stderr.split())
    assert "skipped 5 malformed records" in skipped
    for run in MALFORMED:
        assert f"aqe/coverage/{run}/report" in skipped
    if as_json:
        rows = json.loads(result.stdout)
        assert [(row["run_id"], row["coverage"], row["gate"]) for row in rows] == [
            ("f-good", 91.5, "passed"),
            ("g-null-percent", None, None),
        ]
    else:
        assert "f-good" in result.stdout and "91.5%" in result.stdout
        null_row = next(line for line in result.stdout.splitlines() if "g-null-percent" in line)
        assert "│ -  " in null_row
