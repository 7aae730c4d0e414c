"""AQE_DB_POOLER and AQE_DB_DIRECT_URL: read in production, validated, the direct URL kept secret."""

from __future__ import annotations

import pytest

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.errors import ConfigurationError

POOLED = "postgresql://qe:s3cret-pw@db-pooler.example.com:6543/qe"
DIRECT = "postgresql://qe:s3cret-pw@db.example.com:5432/qe"


def production(**env: str) -> StorageConfig:
    return StorageConfig.from_environment({"AQE_STORAGE_MODE": "production", "DATABASE_URL": POOLED, **env})


def test_without_them_there_is_no_pooler_and_the_session_url_is_database_url() -> None:
    config = production()
    assert config.pooler is PoolerMode.NONE and config.direct_url is None
    assert config.session_url == config.database_url
    assert config.safe_direct_url is None


def test_the_pair_of_a_managed_service_is_read_and_never_shown() -> None:
    config = production(AQE_DB_POOLER=" Transaction ", AQE_DB_DIRECT_URL=DIRECT)
    assert config.pooler is PoolerMode.TRANSACTION
    assert config.session_url is not None and config.session_url.get_secret_value() == DIRECT
    assert config.safe_direct_url == "postgresql://qe:***@db.example.com:5432/qe"
    for shown in (repr(config), str(config), config.model_dump_json(), str(config.model_dump())):
        assert "s3cret-pw" not in shown
    assert "through a transaction pooler" in str(config)


def test_for_production_takes_them_as_arguments() -> None:
    config = StorageConfig.for_production(POOLED, pooler="session", direct_url=DIRECT)
    assert (config.pooler, config.safe_direct_url) == (PoolerMode.SESSION, "postgresql://qe:***@db.example.com:5432/qe")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AQE_DB_POOLER": "pgbouncer"}, "AQE_DB_POOLER='pgbouncer' is not a pooler mode; use none, session"),
        ({"AQE_DB_DIRECT_URL": "mysql://qe:s3cret-pw@db/qe"}, "AQE_DB_DIRECT_URL must be a PostgreSQL URL"),
    ],
)
def test_bad_values_name_the_variable_and_hide_the_password(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        production(**env)
    assert message in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)
