"""Everything the storage modes guide points at exists and works.

The two examples run as a user runs them (a subprocess, from another directory):
without DATABASE_URL the production parts are skipped with a clear message; with
DATABASE_URL set to the test server they run for real. The compose files are
for users (no Docker engine here), so they are checked by parsing. The docs
page is checked against the code's spellings, variables and defaults.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from lionagi_qe.config import StorageConfig
from lionagi_qe.config.storage_config import (
    _MODE_ALIASES,
    DEFAULT_CONNECTION_TIMEOUT,
    DEFAULT_DB_SCHEMA,
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_MIN_CONNECTIONS,
    DEFAULT_POOL_RECYCLE,
    MODE_VARIABLES,
)
from lionagi_qe.storage import create_memory

ROOT = Path(__file__).resolve().parents[2]
MODES_EXAMPLE = ROOT / "examples" / "storage_modes_example.py"
COMPARISON = ROOT / "examples" / "memory_backends_comparison.py"
COMPOSE_FILES = [ROOT / "examples" / "docker-compose.storage-example.yml", ROOT / "docker" / "docker-compose.yml"]
DOCS = ROOT / "docs" / "storage-modes.md"
GUIDE_DATABASE = {
    "POSTGRES_DB": "lionagi_qe_learning",
    "POSTGRES_USER": "qe_agent",
    "POSTGRES_PASSWORD": "qe_secure_password_123",
}


def run_example(script: Path, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run `python script` from `cwd` with the (cleaned) environment plus `variables`."""
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **variables},
        timeout=180,
    )


async def keys_left(config: StorageConfig, prefix: str) -> list[str]:
    """The live keys under `prefix` in the database `config` names."""
    async with create_memory(config) as memory:
        return await memory.list_keys(prefix)


# -- paths the guide names -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "examples/storage_modes_example.py",
        "examples/docker-compose.storage-example.yml",
        "examples/memory_backends_comparison.py",
        "docker/docker-compose.yml",
        "src/lionagi_qe/config/storage_config.py",
        "src/lionagi_qe/core/orchestrator.py",
        "docs/storage-modes.md",
    ],
)
def test_every_file_the_guide_names_exists(path: str) -> None:
    assert (ROOT / path).is_file()


# -- examples/storage_modes_example.py -------------------------------------------


def test_modes_example_without_database_skips_production_clearly(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = run_example(MODES_EXAMPLE, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("== 1. Development", "== 2. Testing", "== 3. Production"):
        assert heading in out
    assert "Mode: development" in out
    assert "retrieved aqe/test-plan/example: {'module': 'user_service', 'priority': 'high'}" in out
    assert "coverage-analyzer read what test-generator stored" in out
    assert "retrieved aqe/coverage/test_run: {'line_coverage': 85.5}" in out
    assert "a second testing orchestrator sees that key: False" in out
    assert "skipped: DATABASE_URL is not set" in out
    assert "docker compose -f examples/docker-compose.storage-example.yml up -d" in out
    assert out.rstrip().endswith("done")


def test_modes_example_follows_the_detected_mode(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = run_example(MODES_EXAMPLE, tmp_path, AQE_STORAGE_MODE="testing")
    assert result.returncode == 0, result.stderr
    section_one = result.stdout.split("== 2.")[0]
    assert "Mode: testing" in section_one


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"AQE_STORAGE_MODE": "qa"}, "AQE_STORAGE_MODE='qa' is not a storage mode"),
        ({"AQE_STORAGE_MODE": "production"}, "production mode needs a PostgreSQL URL: set DATABASE_URL"),
    ],
)
def test_modes_example_bad_configuration_exits_2(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    result = run_example(MODES_EXAMPLE, tmp_path, **variables)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("detected", ["development", "production"])
def test_modes_example_runs_production_for_real(
    clean_env: pytest.MonkeyPatch,
    tmp_path: Path,
    postgres_url: str,
    pg_schema: str,
    pg_config: StorageConfig,
    detected: str,
) -> None:
    result = run_example(
        MODES_EXAMPLE, tmp_path, DATABASE_URL=postgres_url, AQE_DB_SCHEMA=pg_schema, AQE_STORAGE_MODE=detected
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "skipped" not in out
    production = out.split("== 3. Production")[1]
    assert "Mode: production" in production
    assert f"(schema {pg_schema})" in production
    metrics = re.search(r"retrieved aqe/quality/metrics: (.*)", production)
    assert metrics and ast.literal_eval(metrics[1]) == {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2}
    assert "a second orchestrator with its own connection pool reads the same: True" in production
    assert "coverage-analyzer read what test-generator stored: {'tests': ['test_login', 'test_logout']}" in production
    assert f"Mode: {detected}" in out.split("== 2.")[0]
    assert asyncio.run(keys_left(pg_config, "aqe/")) == [], "the example must remove what it wrote"


# -- examples/memory_backends_comparison.py ----------------------------------------

CHECK_NAMES = [
    "round_trip",
    "missing_key",
    "versions",
    "atomic_update",
    "glob_search",
    "keys_and_batches",
    "expiry",
    "deletion",
]


def test_comparison_without_database_runs_session_only(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = run_example(COMPARISON, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "PostgresMemory: skipped, DATABASE_URL is not set" in out
    for name in CHECK_NAMES:
        assert f"\n{name}: " in out
    assert "session   {'module': 'user_service', 'coverage': 85.5, 'tags': ['unit', 'fast']" in out
    assert "session   ({'cov/run-1': 1, 'cov/run-2': 2}, {'cov/100%_x': 3})" in out
    assert "session   10" in out
    assert re.search(r"store_many\(1000\)\s+[\d,]+\n", out)
    assert "postgres" not in out.split("operations/second")[1]


@pytest.mark.postgres
def test_comparison_with_database_returns_the_same_values(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str, pg_schema: str, pg_config: StorageConfig
) -> None:
    result = run_example(COMPARISON, tmp_path, DATABASE_URL=postgres_url, AQE_DB_SCHEMA=pg_schema)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "skipped" not in out
    assert out.count("same on every backend") == len(CHECK_NAMES)
    assert "DIFFERENT" not in out
    assert "postgres  ({'cov/run-1': 1, 'cov/run-2': 2}, {'cov/100%_x': 3})" in out
    assert re.search(r"store x200\s+[\d,]+\s+[\d,]+\n", out)
    assert "every check returned the same values on session and postgres" in out
    assert asyncio.run(keys_left(pg_config, "aqe/comparison/")) == []


# -- compose files ---------------------------------------------------------------


def resolve(value: Any) -> Any:
    """A compose value with `${VAR:-default}` replaced by its default (nothing set)."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value) if isinstance(value, str) else value


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compose_file_runs_the_guides_postgres(path: Path) -> None:
    compose = yaml.safe_load(path.read_text(encoding="utf-8"))
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:1[4-9](\.\d+)*(-\w+)?", postgres["image"])

    environment = {name: resolve(value) for name, value in postgres["environment"].items()}
    assert environment == GUIDE_DATABASE

    assert [resolve(port) for port in postgres["ports"]] == ["127.0.0.1:5432:5432"]

    volume, _, mount = postgres["volumes"][0].partition(":")
    assert mount == "/var/lib/postgresql/data"
    assert volume in compose["volumes"], "the data volume must be a named volume"

    health = postgres["healthcheck"]
    assert health["test"][0] == "CMD-SHELL"
    assert "pg_isready" in health["test"][1]
    assert "-U qe_agent" in health["test"][1] and "-d lionagi_qe_learning" in health["test"][1]
    assert all(re.fullmatch(r"\d+s", health[key]) for key in ("interval", "timeout"))
    assert health["retries"] >= 1


def test_compose_credentials_match_the_guides_database_url() -> None:
    config = StorageConfig.for_production(
        "postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning"
    )
    assert "PostgreSQL at localhost:5432/lionagi_qe_learning" in config.get_description()
    for path in COMPOSE_FILES:
        assert "postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning" in path.read_text()


# -- docs/storage-modes.md matches the code ----------------------------------------


def test_docs_list_every_accepted_spelling() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for spelling in _MODE_ALIASES:
        assert f"`{spelling}`" in docs, spelling


def test_docs_give_detection_order_and_variable_defaults() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    positions = [docs.index(f"`{name}`") for name in MODE_VARIABLES]
    assert positions == sorted(positions), "detection order in the docs must match MODE_VARIABLES"
    defaults = {
        "DB_POOL_SIZE": DEFAULT_MIN_CONNECTIONS,
        "DB_POOL_MAX_OVERFLOW": DEFAULT_MAX_OVERFLOW,
        "DB_CONNECTION_TIMEOUT": f"{DEFAULT_CONNECTION_TIMEOUT:g}",
        "DB_POOL_RECYCLE": f"{DEFAULT_POOL_RECYCLE:g}",
        "AQE_DB_SCHEMA": f"`{DEFAULT_DB_SCHEMA}`",
    }
    for name, default in defaults.items():
        row = next(line for line in docs.splitlines() if line.startswith(f"| `{name}`"))
        assert f"| {default} |" in row, row
    assert "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW" in docs
    assert "](postgres.md)" in docs
    assert "aqe config --check" in docs
