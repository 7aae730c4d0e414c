"""No command, message, repr or traceback shows a password, whatever the URL's shape; bad URLs say what is wrong.

Every form a password can take in a PostgreSQL URL: the user part, `?password=`, a percent-encoded
parameter name (`?pass%77ord=`), malformed percent-encoding, `%00`, and an `@` left unencoded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.config import StorageConfig
from lionagi_qe.config.storage_config import STORAGE_VARIABLES, redact_url
from lionagi_qe.errors import ConfigurationError

SECRET = "S3cr"
"""Every password below contains this; none of it may ever be shown."""

MALFORMED = [
    # (DATABASE_URL, what the message must say)
    ("postgresql://qe:S3cr%zzet@127.0.0.1:5432/fleet", "the password in {} is not valid percent-encoding"),
    ("postgresql://qe@127.0.0.1:5432/fleet?password=S3cr%zzet", "the password in {} is not valid percent-encoding"),
    ("postgresql://qe:S3cr%00et@127.0.0.1:5432/fleet", "the password in {} contains %00"),
    ("postgresql://qe@127.0.0.1:5432/fleet?password=S3cr%00et", "the password in {} contains %00"),
    ("postgresql://qe:S3cr@Pw@127.0.0.1:5432/fleet", "the user name or password in {} contains '@'"),
    ("postgresql://qe:S3cr%2@127.0.0.1:5432/fleet", "encode % as %25"),
]
WELL_FORMED = [
    "postgresql://qe@127.0.0.1:5432/fleet?pass%77ord=S3cretPw",
    "postgresql://qe@127.0.0.1:5432/fleet?sslmode=disable&PASSWORD=S3cretPw",
    "postgresql://qe:S3cr%40t%25@127.0.0.1:5432/fleet",
    "postgresql://qe:S3cretPw@127.0.0.1:5432,127.0.0.2:5433/fleet",
]


def chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception linked to it by __cause__ or __context__."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    return seen


def shown(exc: BaseException) -> str:
    """Everything a user could see of `exc`: str, repr and the full traceback of its whole chain."""
    parts = []
    for linked in chain(exc):
        parts += [str(linked), repr(linked), *traceback.format_exception(linked)]
    return "\n".join(parts)


@pytest.mark.parametrize(("url", "says"), MALFORMED)
def test_a_malformed_url_is_refused_at_validation_saying_why_and_never_showing_the_password(
    url: str, says: str
) -> None:
    for source, build in (
        ("database_url", lambda: StorageConfig.for_production(url)),
        ("DATABASE_URL", lambda: StorageConfig.from_environment({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": url})),
    ):
        with pytest.raises(ConfigurationError) as caught:
            build()
        assert says.format(source) in str(caught.value)
        assert SECRET not in shown(caught.value)


@pytest.mark.parametrize("url", WELL_FORMED)
def test_every_password_form_is_masked_in_descriptions(url: str) -> None:
    config = StorageConfig.for_production(url)
    texts = [repr(config), str(config), config.get_description(), str(config.safe_database_url), redact_url(url)]
    for text in texts:
        assert SECRET not in text, text
    assert config.safe_database_url is not None and "***" in config.safe_database_url


def aqe(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "aqe"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def production_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES}
    env.update(AQE_STORAGE_MODE="production", DATABASE_URL=url, DB_CONNECTION_TIMEOUT="3")
    return env


COMMANDS = [
    ("config",),
    ("config", "--check"),
    ("config", "--check", "--json"),
    ("memory", "ls"),
    ("memory", "get", "aqe/x"),
    ("history",),
    ("history", "--json"),
    ("run", "project", "--json", "--no-generate"),
]


@pytest.mark.parametrize(("url", "says"), MALFORMED)
def test_every_command_names_the_problem_and_never_the_password(url: str, says: str, tmp_path: Path) -> None:
    write_project(tmp_path / "project", {"tests/test_a.py": "def test_a():\n    pass\n"})
    for args in COMMANDS:
        done = aqe(production_env(url), *args, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert SECRET not in output, f"aqe {' '.join(args)} showed the password:\n{output}"
        assert done.returncode == 2, f"aqe {' '.join(args)}: {output}"
        assert says.format("DATABASE_URL") in " ".join(done.stderr.split()), f"aqe {' '.join(args)}: {done.stderr}"
        assert "Traceback" not in output


def test_aqe_config_masks_an_encoded_password_parameter(tmp_path: Path) -> None:
    url = "postgresql://qe@db.internal:5432/fleet?pass%77ord=S3cretPw&sslmode=require"
    for args in (("config",), ("config", "--json")):
        done = aqe(production_env(url), *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert SECRET not in done.stdout + done.stderr
    settings = json.loads(aqe(production_env(url), "config", "--json", cwd=tmp_path).stdout)["settings"]
    assert settings["database_url"] == "postgresql://qe@db.internal:5432/fleet?pass%77ord=***&sslmode=require"
