"""Embedded mode's settings: its spelling, data folder, pool, and the three other modes left as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from lionagi_qe.config import StorageConfig, StorageMode, choose_storage_mode
from lionagi_qe.config.storage_config import EMBEDDED_MAX_CONNECTIONS, EMBEDDED_MIN_CONNECTIONS
from lionagi_qe.errors import ConfigurationError

URL = "postgresql://qe_agent:pw@db.internal:6543/lionagi_qe_learning"


@pytest.mark.parametrize("text", ["embedded", "EMBEDDED", " Embedded\t"])
def test_embedded_is_spelled_embedded(text: str) -> None:
    assert StorageMode.parse(text) is StorageMode.EMBEDDED


def test_the_guides_modes_keep_their_meaning() -> None:
    assert StorageMode.parse("local") is StorageMode.DEV
    assert StorageConfig.detect_mode({}) == (StorageMode.DEV, None)
    assert StorageConfig.detect_mode({"ENVIRONMENT": "embedded", "NODE_ENV": "production"}) == (
        StorageMode.EMBEDDED,
        "ENVIRONMENT",
    )
    assert StorageConfig.detect_mode({"AQE_STORAGE_MODE": "test", "ENVIRONMENT": "embedded"}) == (
        StorageMode.TEST,
        "AQE_STORAGE_MODE",
    )


def test_default_folder_is_per_user_and_follows_xdg(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    config = StorageConfig.from_environment({"AQE_STORAGE_MODE": "embedded"})
    assert config.embedded_data == tmp_path / "share" / "lionagi-qe" / "embedded"
    assert StorageConfig.for_embedded().embedded_data == config.embedded_data


def test_aqe_embedded_data_chooses_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"AQE_STORAGE_MODE": "embedded", "AQE_EMBEDDED_DATA": " store ", "AQE_DB_SCHEMA": "fleet_a"}
    config = StorageConfig.from_environment(env)
    assert config.embedded_data == tmp_path / "store"
    assert config.db_schema == "fleet_a"
    assert (config.min_connections, config.max_connections) == (EMBEDDED_MIN_CONNECTIONS, EMBEDDED_MAX_CONNECTIONS)
    assert config.database_url is None
    assert StorageConfig.for_embedded("~/x").embedded_data == Path.home() / "x"


def test_description_names_the_folder_and_no_url(tmp_path: Path) -> None:
    description = StorageConfig.for_embedded(tmp_path, db_schema="fleet_a").get_description()
    assert description.startswith(f"Embedded mode: PostgreSQL started on demand on this machine, data in {tmp_path}")
    assert "(schema fleet_a)" in description and "pool 1-10 connections" in description


def test_other_modes_have_no_embedded_folder() -> None:
    assert StorageConfig.for_development().embedded_data is None
    assert StorageConfig.from_environment({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": URL}).embedded_data is None
    assert StorageConfig.from_environment({"AQE_EMBEDDED_DATA": "/srv/aqe"}).embedded_data is None
    with pytest.raises(ConfigurationError, match="embedded_data is a setting of embedded mode only"):
        StorageConfig(mode="test", embedded_data="/srv/aqe")


@pytest.mark.parametrize("bad", ["", "   ", 3, ["/x"], "a\x00b"])
def test_a_bad_folder_is_refused_naming_the_variable(bad: object) -> None:
    with pytest.raises(ConfigurationError, match=r"embedded_data=.* is not a folder"):
        StorageConfig(mode="embedded", embedded_data=bad)


def test_the_variable_is_named_when_it_is_bad() -> None:
    with pytest.raises(ConfigurationError, match=r"^AQE_EMBEDDED_DATA='a\\x00b' is not a folder"):
        StorageConfig.from_environment({"AQE_STORAGE_MODE": "embedded", "AQE_EMBEDDED_DATA": "a\x00b"})


def test_embedded_mode_refuses_a_database_url() -> None:
    with pytest.raises(ConfigurationError, match="embedded mode runs its own PostgreSQL server: drop database_url"):
        StorageConfig.from_environment({"AQE_STORAGE_MODE": "embedded"}, database_url=URL)
    env = {"AQE_STORAGE_MODE": "embedded", "DATABASE_URL": URL}
    assert StorageConfig.from_environment(env).database_url is None  # production's variable is not read


def test_a_chosen_mode_applies_only_when_no_variable_decides() -> None:
    env: dict[str, str] = {}
    assert choose_storage_mode("Embedded", env=env) is StorageMode.EMBEDDED
    assert env == {"AQE_STORAGE_MODE": "embedded"}
    env = {"ENVIRONMENT": "production", "DATABASE_URL": URL}
    assert choose_storage_mode("embedded", env=env) is StorageMode.PROD
    assert "AQE_STORAGE_MODE" not in env
    with pytest.raises(ConfigurationError, match=r"^\[tool.aqe\] storage='sqlite' is not a storage mode"):
        choose_storage_mode("sqlite", env={})
