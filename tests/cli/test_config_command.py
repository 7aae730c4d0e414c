"""`aqe config`: the detected mode and its source, bad input (exit 2), and `--check`.

The production checks connect to the real test server (`postgres_url`); the
unreachable cases use a closed port and a port that accepts but never answers.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner, Result

from lionagi_qe.cli import config_cmd
from lionagi_qe.cli.main import app
from lionagi_qe.storage import SessionMemory
from lionagi_qe.storage.postgres_schema import latest_version

DOCS = Path(__file__).resolve().parents[2] / "docs" / "storage-modes.md"
PASSWORD = "s3cret-Pa55"
PROD_URL = f"postgresql://qe_agent:{PASSWORD}@db.internal:6543/lionagi_qe_learning"

PROD = {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": PROD_URL}
runner = CliRunner()


@pytest.fixture
def env(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No storage variables, and a working directory without a .env file."""
    clean_env.chdir(tmp_path)
    return clean_env


def aqe_config(*args: str) -> Result:
    """Run `aqe config ARGS` in process."""
    return runner.invoke(app, ["config", *args])


def with_password(url: str, password: str) -> str:
    """`url` with its user's password set to `password` (trust auth ignores it)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or 'postgres'}:{password}@{host}").geturl()


def assert_no_password(result: Result) -> None:
    assert PASSWORD not in result.stdout
    assert PASSWORD not in result.stderr


# -- the detected mode -------------------------------------------------------


def test_default_is_development_and_says_why(env: pytest.MonkeyPatch) -> None:
    result = aqe_config()
    assert result.exit_code == 0, result.stderr
    assert "Storage mode: development" in result.stdout
    assert "none of AQE_STORAGE_MODE, ENVIRONMENT, NODE_ENV is set" in result.stdout
    assert "Development mode: in-process memory" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("variables", "mode", "source"),
    [
        ({"AQE_STORAGE_MODE": "testing"}, "testing", "AQE_STORAGE_MODE"),
        ({"AQE_STORAGE_MODE": " CI "}, "testing", "AQE_STORAGE_MODE"),
        ({"ENVIRONMENT": "development"}, "development", "ENVIRONMENT"),
        ({"NODE_ENV": "test"}, "testing", "NODE_ENV"),
        ({"NODE_ENV": "Local"}, "development", "NODE_ENV"),
        ({"AQE_STORAGE_MODE": "", "ENVIRONMENT": "test"}, "testing", "ENVIRONMENT"),
        (
            {"AQE_STORAGE_MODE": "dev", "ENVIRONMENT": "production", "NODE_ENV": "test"},
            "development",
            "AQE_STORAGE_MODE",
        ),
        ({"ENVIRONMENT": "prod", "DATABASE_URL": PROD_URL}, "production", "ENVIRONMENT"),
        ({"NODE_ENV": "LIVE", "DATABASE_URL": PROD_URL}, "production", "NODE_ENV"),
    ],
)
def test_mode_and_the_variable_it_came_from(
    env: pytest.MonkeyPatch, variables: dict[str, str], mode: str, source: str
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    result = aqe_config()
    assert result.exit_code == 0, result.stderr
    assert f"Storage mode: {mode} (from {source}={variables[source].strip()}" in result.stdout

    report = json.loads(aqe_config("--json").stdout)
    assert (report["mode"], report["source"]) == (mode, source)


def test_lower_priority_variables_are_reported_as_overridden(env: pytest.MonkeyPatch) -> None:
    env.setenv("AQE_STORAGE_MODE", "test")
    env.setenv("ENVIRONMENT", "production")
    result = aqe_config()
    assert "(from AQE_STORAGE_MODE=test (overrides ENVIRONMENT=production))" in result.stdout
    assert json.loads(aqe_config("--json").stdout)["overridden"] == {"ENVIRONMENT": "production"}


def test_json_in_development_has_no_database_settings(env: pytest.MonkeyPatch) -> None:
    result = aqe_config("--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report == {
        "mode": "development",
        "source": None,
        "source_value": None,
        "overridden": {},
        "description": report["description"],
        "settings": None,
        "fleet": report["fleet"],
    }
    assert report["description"].startswith("Development mode")


def test_production_shows_settings_without_the_password(env: pytest.MonkeyPatch) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", PROD_URL)
    result = aqe_config()
    assert result.exit_code == 0, result.stderr
    assert "PostgreSQL at db.internal:6543/lionagi_qe_learning (schema aqe)" in result.stdout
    assert "pool 5-25 connections, timeout 30s, recycle 3600s" in result.stdout
    assert "DATABASE_URL: postgresql://qe_agent:***@db.internal:6543/lionagi_qe_learning" in result.stdout
    assert_no_password(result)

    report = json.loads(aqe_config("--json").stdout)
    assert report["settings"] == {
        "database_url": "postgresql://qe_agent:***@db.internal:6543/lionagi_qe_learning",
        "db_schema": "aqe",
        "min_connections": 5,
        "max_connections": 25,
        "connection_timeout": 30.0,
        "pool_recycle": 3600.0,
        "pooler": "none",
        "direct_url": None,
    }


def test_pooler_and_direct_url_are_shown_without_the_password(env: pytest.MonkeyPatch) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", PROD_URL)
    env.setenv("AQE_DB_POOLER", "Transaction")
    env.setenv("AQE_DB_DIRECT_URL", PROD_URL.replace(":6543/", ":5432/"))
    result = aqe_config()
    assert result.exit_code == 0, result.stderr
    assert "AQE_DB_DIRECT_URL: postgresql://qe_agent:***@db.internal:5432/lionagi_qe_learning" in result.stdout
    assert "AQE_DB_POOLER: transaction" in result.stdout
    assert "through a transaction pooler" in result.stdout
    assert_no_password(result)
    settings = json.loads(aqe_config("--json").stdout)["settings"]
    assert (settings["pooler"], settings["direct_url"]) == (
        "transaction",
        "postgresql://qe_agent:***@db.internal:5432/lionagi_qe_learning",
    )


def test_pool_variables_minimum_plus_overflow(env: pytest.MonkeyPatch) -> None:
    """The guide's troubleshooting pair: DB_POOL_SIZE=10, DB_POOL_MAX_OVERFLOW=40 is a 10-50 pool."""
    for name, value in {
        "AQE_STORAGE_MODE": "prod",
        "DATABASE_URL": PROD_URL,
        "DB_POOL_SIZE": "10",
        "DB_POOL_MAX_OVERFLOW": "40",
        "DB_CONNECTION_TIMEOUT": "60",
        "DB_POOL_RECYCLE": "1800",
        "AQE_DB_SCHEMA": "fleet_a",
    }.items():
        env.setenv(name, value)
    settings = json.loads(aqe_config("--json").stdout)["settings"]
    assert settings == {
        "database_url": "postgresql://qe_agent:***@db.internal:6543/lionagi_qe_learning",
        "db_schema": "fleet_a",
        "min_connections": 10,
        "max_connections": 50,
        "connection_timeout": 60.0,
        "pool_recycle": 1800.0,
        "pooler": "none",
        "direct_url": None,
    }


# -- bad configuration: exit 2, message on stderr, quoted in the docs ----------

BAD_INPUT = [
    # (environment, what the message names, the phrase docs/storage-modes.md quotes)
    ({"AQE_STORAGE_MODE": "qa"}, "AQE_STORAGE_MODE='qa'", "is not a storage mode; use one of"),
    ({"ENVIRONMENT": "staging"}, "ENVIRONMENT='staging'", "is not a storage mode; use one of"),
    ({"NODE_ENV": "prodution"}, "NODE_ENV='prodution'", "is not a storage mode; use one of"),
    ({"AQE_STORAGE_MODE": "production"}, "DATABASE_URL", "production mode needs a PostgreSQL URL"),
    (
        {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": f"mysql://u:{PASSWORD}@h/db"},
        "got scheme 'mysql'",
        "must be a PostgreSQL URL starting with postgresql:// or postgres://",
    ),
    (
        {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": f"postgresql+psycopg://u:{PASSWORD}@h/db"},
        "DATABASE_URL",
        "drop the '+driver' part",
    ),
    (
        {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": f"postgresql://u:{PASSWORD}@h:99999/db"},
        "DATABASE_URL",
        "is not a valid URL (check the host and port)",
    ),
    ({**PROD, "DB_POOL_SIZE": "five"}, "DB_POOL_SIZE", "must be a whole number >= 0"),
    ({**PROD, "DB_POOL_SIZE": "-1"}, "DB_POOL_SIZE", "must be a whole number >= 0"),
    ({**PROD, "DB_POOL_MAX_OVERFLOW": "1.5"}, "DB_POOL_MAX_OVERFLOW", "must be a whole number >= 0"),
    (
        {**PROD, "DB_POOL_SIZE": "0", "DB_POOL_MAX_OVERFLOW": "0"},
        "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW",
        "must allow at least one connection",
    ),
    ({**PROD, "DB_CONNECTION_TIMEOUT": "0"}, "DB_CONNECTION_TIMEOUT", "must be a positive number of seconds"),
    ({**PROD, "DB_POOL_SIZE": "1000000000"}, "DB_POOL_SIZE", "must be a whole number >= 0"),
    ({**PROD, "DB_CONNECTION_TIMEOUT": "0.001"}, "DB_CONNECTION_TIMEOUT", "must be a positive number of seconds"),
    (
        {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": f"postgresql://u:{PASSWORD}%zz@h/db"},
        "DATABASE_URL",
        "is not valid percent-encoding: encode % as %25",
    ),
    ({**PROD, "DB_POOL_RECYCLE": "soon"}, "DB_POOL_RECYCLE", "must be a positive number of seconds"),
    ({**PROD, "AQE_DB_SCHEMA": "my-fleet"}, "AQE_DB_SCHEMA='my-fleet'", "is not a schema name"),
]
BAD_IDS = [f"{names}-{'-'.join(variables.values())}"[:60] for variables, names, _ in BAD_INPUT]


@pytest.mark.parametrize("check", [False, True], ids=["config", "config --check"])
@pytest.mark.parametrize(("variables", "names", "phrase"), BAD_INPUT, ids=BAD_IDS)
def test_bad_configuration_exits_2_with_the_fix_on_stderr(
    env: pytest.MonkeyPatch, variables: dict[str, str], names: str, phrase: str, check: bool
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    result = aqe_config(*(["--check"] if check else []))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert names in result.stderr
    assert phrase in result.stderr
    assert_no_password(result)


CONNECTION_PHRASES = ["cannot connect to PostgreSQL at", "newer than this lionagi-qe-fleet knows"]
"""Connection errors the tests below meet, which the docs explain too."""


def test_docs_quote_every_message_users_meet() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    missing = {phrase for _, _, phrase in BAD_INPUT if phrase not in docs}
    missing |= {phrase for phrase in CONNECTION_PHRASES if phrase not in docs}
    assert not missing, f"docs/storage-modes.md does not explain: {sorted(missing)}"


# -- --check -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["development", "testing"])
def test_check_in_memory_modes_has_nothing_to_connect_to(env: pytest.MonkeyPatch, mode: str) -> None:
    env.setenv("AQE_STORAGE_MODE", mode)
    result = aqe_config("--check")
    assert result.exit_code == 0, result.stderr
    assert "Check: ok" in result.stdout
    assert "nothing to connect to: memory is in process" in result.stdout
    check = json.loads(aqe_config("--check", "--json").stdout)["check"]
    assert check == {"ok": True, "backend": "session", "detail": "nothing to connect to: memory is in process"}


@pytest.mark.postgres
def test_check_in_production_reports_server_schema_and_pool(
    env: pytest.MonkeyPatch, postgres_url: str, pg_schema: str
) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", with_password(postgres_url, PASSWORD))
    env.setenv("AQE_DB_SCHEMA", pg_schema)
    env.setenv("DB_POOL_SIZE", "1")
    env.setenv("DB_POOL_MAX_OVERFLOW", "3")

    result = aqe_config("--check", "--json")
    assert result.exit_code == 0, result.stderr
    assert_no_password(result)
    report = json.loads(result.stdout)
    check = report["check"]
    assert check["ok"] is True
    assert check["backend"] == "postgres"
    assert check["schema"] == pg_schema
    assert re.match(r"\d+(\.\d+)?", check["server_version"])
    assert check["schema_version"] == latest_version()
    assert (check["pool"]["min"], check["pool"]["max"]) == (1, 4)
    assert 1 <= check["pool"]["size"] <= 4
    assert 0 <= check["connect_seconds"] < 10
    with psycopg.connect(postgres_url, autocommit=True) as db:
        max_connections, reserved = db.execute(
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int"
            " + coalesce(current_setting('reserved_connections', true)::int, 0)"
        ).fetchone() or (0, 0)
    budget = check["connections"]
    assert (budget["max_connections"], budget["reserved"], budget["pool_max"]) == (max_connections, reserved, 4)
    assert 1 <= budget["in_use"] < max_connections
    assert budget["free"] == max_connections - reserved - budget["in_use"]
    assert budget["fits"] is True and "warning" not in check

    text = aqe_config("--check")
    assert text.exit_code == 0, text.stderr
    assert_no_password(text)
    assert "Check: ok" in text.stdout
    assert re.search(r"^  server version +\d", text.stdout, re.M)
    assert re.search(r"^  schema version +[1-9]", text.stdout, re.M)
    assert re.search(r"^  pool\.max +4$", text.stdout, re.M)
    assert re.search(r"^  connections\.max connections +\d+$", text.stdout, re.M)
    assert re.search(r"^  connections\.reserved +\d+$", text.stdout, re.M)


@pytest.mark.postgres
def test_check_warns_when_the_pool_cannot_fit_the_server(
    env: pytest.MonkeyPatch, postgres_url: str, pg_schema: str
) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", postgres_url)
    env.setenv("AQE_DB_SCHEMA", pg_schema)
    env.setenv("DB_POOL_SIZE", "1")
    env.setenv("DB_POOL_MAX_OVERFLOW", "998")  # within MAX_POOL_CONNECTIONS, over the server's max_connections
    check = json.loads(aqe_config("--check", "--json").stdout)["check"]
    assert check["ok"] is True and check["connections"]["fits"] is False
    assert f"{check['connections']['free']} left" in check["warning"]
    text = aqe_config("--check")
    assert text.exit_code == 0, text.stderr
    assert "Warning: this process's pool may grow to 999 connections" in text.stdout
    assert "DB_POOL_MAX_OVERFLOW" in text.stdout and "transaction pooler" in text.stdout


@pytest.mark.postgres
def test_check_refuses_a_schema_newer_than_this_release(
    env: pytest.MonkeyPatch, postgres_url: str, pg_schema: str
) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", postgres_url)
    env.setenv("AQE_DB_SCHEMA", pg_schema)
    assert aqe_config("--check").exit_code == 0
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {}.schema_migrations (version, name) VALUES (%s, 'from_the_future')").format(
                sql.Identifier(pg_schema)
            ),
            (latest_version() + 1,),
        )
    result = aqe_config("--check")
    assert result.exit_code == 2
    assert f"is at version {latest_version() + 1}, {CONNECTION_PHRASES[1]}" in result.stderr
    assert "use another AQE_DB_SCHEMA" in result.stderr


class UnhealthyMemory(SessionMemory):
    """A backend that connects but reports itself unhealthy."""

    async def health(self) -> dict[str, Any]:
        return {**await super().health(), "ok": False, "schema_version": None}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_check_exits_2_when_the_backend_reports_unhealthy(env: pytest.MonkeyPatch, as_json: bool) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", PROD_URL)
    env.setattr(config_cmd, "create_memory", lambda settings: UnhealthyMemory())
    result = aqe_config("--check", *(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert "reports itself unhealthy" in result.stderr
    if as_json:
        assert json.loads(result.stdout)["check"]["ok"] is False
    else:
        assert "Check: FAILED" in result.stdout
        assert re.search(r"^  schema version +None$", result.stdout, re.M)


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts TCP connections but never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_check_unreachable_names_host_and_port(env: pytest.MonkeyPatch, as_json: bool) -> None:
    port = closed_port()
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", f"postgresql://qe_agent:{PASSWORD}@127.0.0.1:{port}/lionagi_qe_learning")
    env.setenv("DB_CONNECTION_TIMEOUT", "5")
    result = aqe_config("--check", *(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}" in result.stderr
    assert_no_password(result)


def test_check_gives_up_within_the_connection_timeout(env: pytest.MonkeyPatch, silent_port: int) -> None:
    env.setenv("AQE_STORAGE_MODE", "production")
    env.setenv("DATABASE_URL", f"postgresql://qe_agent:{PASSWORD}@127.0.0.1:{silent_port}/lionagi_qe_learning")
    env.setenv("DB_CONNECTION_TIMEOUT", "1.5")
    started = time.monotonic()
    result = aqe_config("--check")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{silent_port}" in result.stderr
    assert_no_password(result)
    assert elapsed < 1.5 + 3, f"--check took {elapsed:.1f}s with DB_CONNECTION_TIMEOUT=1.5"


# -- the installed command -----------------------------------------------------


def test_installed_aqe_reads_dotenv_and_lists_config(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    aqe = Path(sys.executable).with_name("aqe")
    listing = subprocess.run([aqe, "--help"], capture_output=True, text=True, check=True)
    assert "config" in listing.stdout

    (tmp_path / ".env").write_text("AQE_STORAGE_MODE=testing\n", encoding="utf-8")
    shown = subprocess.run([aqe, "config", "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["mode"] == "testing"

    (tmp_path / ".env").write_text("AQE_STORAGE_MODE=staging\n", encoding="utf-8")
    bad = subprocess.run([aqe, "config"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2
    assert "AQE_STORAGE_MODE='staging' is not a storage mode" in bad.stderr
