"""Every sample of the storage-modes guide, run as written (samples in tests/helpers/guide_samples.py)."""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from helpers import guide_samples as guide
from lionagi_qe.config import StorageMode
from lionagi_qe.config.storage_config import STORAGE_VARIABLES
from lionagi_qe.core.memory import QEMemory
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage import SessionMemory

GUIDE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "storage-modes-guide.md"
PRINT_CONFIG = (
    "import json; from lionagi_qe.config import StorageConfig; c = StorageConfig.from_environment(); "
    "print(json.dumps({'mode': c.mode.value, 'url': c.safe_database_url, 'min': c.min_connections, "
    "'max': c.max_connections, 'recycle': c.pool_recycle, 'description': c.get_description()}))"
)


async def run_sample(*samples: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run guide samples in order in one namespace, top-level `await` allowed, as a reader would."""
    ns = {"__name__": "guide_reader"} if namespace is None else namespace
    for sample in samples:
        code = compile(sample, "<guide sample>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, ns)
        if inspect.iscoroutine(result):
            await result
    return ns


def shell_then_config(sample: str, env: dict[str, str]) -> dict[str, Any]:
    """Run a bash sample, then read the configuration a process started by that shell sees."""
    script = f"{sample}\n{sys.executable} -c \"{PRINT_CONFIG}\"\n"
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def shell_env() -> dict[str, str]:
    """The current environment less every storage variable."""
    return {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES}


@pytest.fixture
def prod_env(clean_env: pytest.MonkeyPatch, postgres_url: str, pg_schema: str) -> str:
    """DATABASE_URL (and this test's schema) set as a production user would."""
    clean_env.setenv("DATABASE_URL", postgres_url)
    clean_env.setenv("AQE_DB_SCHEMA", pg_schema)
    return postgres_url


# -- the guide is covered ----------------------------------------------------


def test_every_guide_sample_is_here_verbatim() -> None:
    if not GUIDE.exists():
        pytest.skip(f"the guide is not beside this checkout ({GUIDE})")
    blocks = re.findall(r"```(?:python|bash)\n(.*?)```", GUIDE.read_text(), re.S)
    assert [textwrap.dedent(b) for b in blocks] == guide.GUIDE_ORDER


# -- Quick Start -------------------------------------------------------------


async def test_quick_start_development(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.QUICK_START_DEVELOPMENT)
    orchestrator = ns["orchestrator"]
    assert orchestrator.storage_config.mode is StorageMode.DEV
    assert isinstance(orchestrator.memory, SessionMemory)
    assert orchestrator.memory.session is orchestrator.session


async def test_quick_start_testing(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.QUICK_START_DEVELOPMENT, guide.QUICK_START_TESTING)
    assert ns["orchestrator"].storage_config.mode is StorageMode.TEST


async def test_quick_start_production_without_database_url_says_what_to_set(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="set DATABASE_URL"):
        await run_sample(guide.QUICK_START_DEVELOPMENT, guide.QUICK_START_PRODUCTION)


async def test_quick_start_production(prod_env: str) -> None:
    ns = await run_sample(guide.QUICK_START_DEVELOPMENT, guide.QUICK_START_PRODUCTION)
    orchestrator = ns["orchestrator"]
    try:
        assert orchestrator.memory.backend_name == "postgres"
        await orchestrator.memory.store("aqe/quick-start", {"ok": True})
        assert await orchestrator.memory.retrieve("aqe/quick-start") == {"ok": True}
    finally:
        await orchestrator.disconnect()


# -- Environment detection and configuration ---------------------------------


def test_setting_environment_variables(shell_env: dict[str, str]) -> None:
    seen = shell_then_config(guide.SETTING_ENVIRONMENT_VARIABLES, shell_env)
    assert seen["mode"] == "production"
    assert seen["url"] == "postgresql://user:***@localhost:5432/db"
    testing_only = guide.SETTING_ENVIRONMENT_VARIABLES.split("# Production")[0]
    assert shell_then_config(testing_only, shell_env)["mode"] == "testing"
    development_only = guide.SETTING_ENVIRONMENT_VARIABLES.split("# Testing")[0]
    assert shell_then_config(development_only, shell_env)["mode"] == "development"


async def test_storage_config_class(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.QUICK_START_DEVELOPMENT, guide.STORAGE_CONFIG_CLASS)
    config = ns["config"]
    assert (config.mode, config.min_connections, config.max_connections) == (StorageMode.PROD, 5, 20)
    orchestrator = ns["orchestrator"]
    assert orchestrator.storage_config is config
    assert orchestrator.memory.backend_name == "postgres"


def test_connection_pool_variables_as_an_env_file(shell_env: dict[str, str], tmp_path: Path) -> None:
    env_file = tmp_path / "pool.env"
    env_file.write_text(guide.CONNECTION_POOL_VARIABLES)
    shell_env.update(AQE_STORAGE_MODE="production", DATABASE_URL="postgresql://qe@db:5432/qe")
    seen = shell_then_config(f"set -a; . {env_file}; set +a", shell_env)
    assert (seen["min"], seen["max"], seen["recycle"]) == (5, 25, 3600.0)
    assert "timeout 30s" in seen["description"]


async def test_connection_pool_programmatic(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.QUICK_START_DEVELOPMENT, guide.STORAGE_CONFIG_CLASS, guide.CONNECTION_POOL_PROGRAMMATIC)
    config = ns["config"]
    assert (config.min_connections, config.max_connections) == (10, 50)
    assert (config.connection_timeout, config.pool_recycle) == (60, 7200)


# -- Usage examples ----------------------------------------------------------


async def test_example_1_development_mode(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.EXAMPLE_1_DEVELOPMENT)
    assert ns["plan"] == {"module": "user_service", "priority": "high"}
    assert ns["orchestrator"].storage_config.mode is StorageMode.DEV


def test_example_2_testing_mode_runs_under_pytest(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    pytester.makepyfile(test_guide_example_2=guide.EXAMPLE_2_TESTING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


async def test_example_3_production_mode(prod_env: str, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AQE_STORAGE_MODE", "production")
    ns = await run_sample(guide.EXAMPLE_3_PRODUCTION)
    assert ns["metrics"] == {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2}
    reader = await run_sample("from lionagi_qe.core.orchestrator import QEOrchestrator\n"
                              "orchestrator = QEOrchestrator.from_environment()\n"
                              "await orchestrator.connect()\n"
                              "stats = await orchestrator.memory.get_stats()\n"
                              "metrics = await orchestrator.memory.retrieve('aqe/quality/metrics')\n"
                              "await orchestrator.disconnect()\n")
    assert reader["metrics"] == ns["metrics"]
    assert reader["stats"]["partitions"] == {"production_metrics": 1}


async def test_example_4_multi_agent_coordination(prod_env: str) -> None:
    ns = await run_sample("import os\n", guide.EXAMPLE_4_MULTI_AGENT)
    orchestrator = ns["orchestrator"]
    try:
        assert ns["test_plan"] == {"tests": [None]}
        assert ns["test_gen"].memory is ns["coverage"].memory is orchestrator.memory
        assert orchestrator.memory.backend_name == "postgres"
        assert orchestrator.list_agents() == ["test-generator", "coverage-analyzer"]
    finally:
        await orchestrator.disconnect()


# -- Docker setup: the guide's database, user and password -------------------


@pytest.fixture
def guide_database(postgres_url: str) -> Iterator[str]:
    """The guide's database and user on the test server; its URL as the guide writes it."""
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'qe_agent'").fetchone():
            admin.execute("CREATE ROLE qe_agent LOGIN PASSWORD 'qe_secure_password_123'")
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = 'lionagi_qe_learning'").fetchone():
            admin.execute("CREATE DATABASE lionagi_qe_learning OWNER qe_agent")
    written = urlsplit(guide.DOCKER_CONFIGURE_ENVIRONMENT.split("DATABASE_URL=")[1].strip())
    server = urlsplit(postgres_url)
    if (server.hostname, server.port) in {("localhost", 5432), ("127.0.0.1", 5432)}:
        url = written.geturl()
    else:
        netloc = written.netloc.split("@")[0] + "@" + server.netloc.rpartition("@")[2]
        url = urlunsplit(written._replace(netloc=netloc, query=server.query))
    yield url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS aqe CASCADE")


async def test_docker_configure_environment_then_run_application(
    guide_database: str, shell_env: dict[str, str], clean_env: pytest.MonkeyPatch
) -> None:
    exported = guide.DOCKER_CONFIGURE_ENVIRONMENT.replace(
        "postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning", f"'{guide_database}'"
    )
    seen = shell_then_config(exported, shell_env)
    assert seen["mode"] == "production"
    assert "qe_secure_password_123" not in json.dumps(seen)
    clean_env.setenv("AQE_STORAGE_MODE", "production")
    clean_env.setenv("DATABASE_URL", guide_database)
    ns = await run_sample(guide.DOCKER_RUN_APPLICATION)
    orchestrator = ns["orchestrator"]
    try:
        await orchestrator.memory.store("aqe/docker/ready", True)
        assert await orchestrator.memory.retrieve("aqe/docker/ready") is True
    finally:
        await orchestrator.disconnect()


def test_troubleshooting_psql_reaches_the_guide_database(guide_database: str) -> None:
    psql = shutil.which("psql")
    if psql is None:
        with psycopg.connect(guide_database) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("qe_agent",)
        return
    done = subprocess.run(
        [psql, guide_database, "-Atc", "SELECT current_user"], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "qe_agent"


# -- Migration guide ---------------------------------------------------------


async def test_migration_before_uses_exactly_the_given_memory(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.MIGRATION_BEFORE)
    assert ns["orchestrator"].memory is ns["memory"]
    assert ns["orchestrator"].router is ns["router"]
    assert ns["orchestrator"].storage_config is None


async def test_migration_after(prod_env: str) -> None:
    ns = await run_sample("import os\n", guide.MIGRATION_AFTER)
    orchestrator = ns["orchestrator"]
    try:
        assert orchestrator.storage_config.mode is StorageMode.PROD
        await orchestrator.memory.store("aqe/migrated", 1)
        assert await orchestrator.memory.exists("aqe/migrated")
    finally:
        await orchestrator.disconnect()


async def test_backward_compatibility(clean_env: pytest.MonkeyPatch) -> None:
    ns = await run_sample(guide.MIGRATION_BEFORE, guide.BACKWARD_COMPATIBILITY)
    orchestrator = ns["orchestrator"]
    assert type(ns["memory"]) is QEMemory
    assert orchestrator.memory is ns["memory"]
    await orchestrator.memory.store("aqe/legacy", {"still": "works"})
    assert await ns["memory"].retrieve("aqe/legacy") == {"still": "works"}


# -- Best practices ----------------------------------------------------------

PRACTICES = (
    guide.QUICK_START_DEVELOPMENT,
    guide.STORAGE_CONFIG_CLASS,
    guide.PRACTICE_AUTO_DETECT,
    guide.PRACTICE_CONNECT_IN_PRODUCTION,
    guide.PRACTICE_TRY_FINALLY,
    guide.PRACTICE_CHECK_MODE,
)


async def test_practices_in_development(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ns = await run_sample(*PRACTICES)
    assert ns["orchestrator"].storage_config.mode is StorageMode.DEV
    assert capsys.readouterr().out.splitlines() == [
        "Mode: development",
        "Development mode: in-process memory bound to the orchestrator's LionAGI Session (zero setup, not persistent)",
    ]
    ns = await run_sample(guide.PRACTICE_EXPLICIT_TEST_MODE, namespace=ns)
    assert ns["orchestrator"].storage_config.mode is StorageMode.TEST


async def test_practices_in_production(
    prod_env: str, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("AQE_STORAGE_MODE", "prod")
    ns = await run_sample(*PRACTICES)
    assert ns["orchestrator"].storage_config.mode is StorageMode.PROD
    out = capsys.readouterr().out
    assert out.startswith("Mode: production\nProduction mode: PostgreSQL at ")
    assert "password" not in out.lower()


# -- Troubleshooting ---------------------------------------------------------


def test_troubleshooting_set_database_url(shell_env: dict[str, str]) -> None:
    shell_env["AQE_STORAGE_MODE"] = "production"
    assert shell_then_config(guide.TROUBLESHOOT_SET_DATABASE_URL, shell_env)["url"] == "postgresql://user:***@localhost:5432/db"


def test_troubleshooting_pool_exhausted_variables(shell_env: dict[str, str]) -> None:
    shell_env.update(AQE_STORAGE_MODE="production", DATABASE_URL="postgresql://qe@db:5432/qe")
    seen = shell_then_config(guide.TROUBLESHOOT_POOL_VARIABLES, shell_env)
    assert (seen["min"], seen["max"]) == (10, 50)


async def test_troubleshooting_pool_programmatic(clean_env: pytest.MonkeyPatch) -> None:
    config_part = guide.STORAGE_CONFIG_CLASS.split("# Create orchestrator")[0]
    ns = await run_sample(config_part, guide.TROUBLESHOOT_POOL_PROGRAMMATIC)
    assert (ns["config"].min_connections, ns["config"].max_connections) == (10, 50)


def test_troubleshooting_stale_connections(shell_env: dict[str, str]) -> None:
    shell_env.update(AQE_STORAGE_MODE="production", DATABASE_URL="postgresql://qe@db:5432/qe")
    assert shell_then_config(guide.TROUBLESHOOT_RECYCLE, shell_env)["recycle"] == 1800.0
