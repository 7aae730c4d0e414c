"""StorageConfig: detection order, spellings, pool variables, validation, and no password anywhere."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.config.storage_config import redact_url
from lionagi_qe.errors import ConfigurationError

PASSWORD = "s3cr3t-Pa55"
URL = f"postgresql://qe_agent:{PASSWORD}@db.internal:6543/lionagi_qe_learning"
PROD = {"AQE_STORAGE_MODE": "prod", "DATABASE_URL": URL}
PROD_SETTINGS = {"mode": "prod", "database_url": URL}

SPELLINGS = {
    StorageMode.DEV: ["dev", "development", "develop", "local"],
    StorageMode.TEST: ["test", "testing", "ci"],
    StorageMode.PROD: ["prod", "production", "live"],
}


def case_variants(word: str) -> st.SearchStrategy[str]:
    """The word in any mix of upper and lower case, with optional surrounding blanks."""
    letters = st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)
    return st.tuples(st.sampled_from(["", " "]), letters, st.sampled_from(["", "\t"])).map("".join)


spelled_modes = st.sampled_from([(mode, word) for mode, words in SPELLINGS.items() for word in words]).flatmap(
    lambda pair: case_variants(pair[1]).map(lambda text: (pair[0], text))
)


# -- detection -------------------------------------------------------------


def test_default_is_development(clean_env: pytest.MonkeyPatch) -> None:
    config = StorageConfig.from_environment()
    assert config.mode is StorageMode.DEV
    assert config.database_url is None


@given(spelled=spelled_modes)
def test_every_accepted_spelling_in_any_case(spelled: tuple[StorageMode, str]) -> None:
    mode, text = spelled
    env = {"AQE_STORAGE_MODE": text, "DATABASE_URL": URL}
    assert StorageConfig.from_environment(env).mode is mode


@given(
    aqe=st.sampled_from(["", "dev", "test", "prod"]),
    environment=st.sampled_from(["", "development", "testing", "production"]),
    node_env=st.sampled_from(["", "development", "test", "production"]),
)
def test_detection_order(aqe: str, environment: str, node_env: str) -> None:
    env = {"AQE_STORAGE_MODE": aqe, "ENVIRONMENT": environment, "NODE_ENV": node_env, "DATABASE_URL": URL}
    first_set = next((v for v in (aqe, environment, node_env) if v), "development")
    mode, source = StorageConfig.detect_mode(env)
    assert mode is StorageMode.parse(first_set)
    assert StorageConfig.from_environment(env).mode is mode
    variables = ("AQE_STORAGE_MODE", "ENVIRONMENT", "NODE_ENV")
    assert source == next((n for n, v in zip(variables, (aqe, environment, node_env), strict=True) if v), None)


ACCEPTED = {word for words in SPELLINGS.values() for word in words}


@given(word=st.text(min_size=1, max_size=12).filter(lambda w: w.strip() and w.strip().lower() not in ACCEPTED))
def test_unknown_mode_is_an_error_never_another_mode(word: str) -> None:
    with pytest.raises(ConfigurationError, match=r"AQE_STORAGE_MODE=.* is not a storage mode; use one of"):
        StorageConfig.from_environment({"AQE_STORAGE_MODE": word})


# -- pool variables --------------------------------------------------------


def test_pool_defaults() -> None:
    config = StorageConfig.from_environment(PROD)
    assert (config.min_connections, config.max_connections) == (5, 25)
    assert (config.connection_timeout, config.pool_recycle) == (30.0, 3600.0)
    assert config.db_schema == "aqe"


@given(size=st.integers(0, 500), overflow=st.integers(0, 500))
def test_max_connections_is_pool_size_plus_overflow(size: int, overflow: int) -> None:
    env = {**PROD, "DB_POOL_SIZE": str(size), "DB_POOL_MAX_OVERFLOW": f" {overflow} "}
    if size + overflow == 0:
        with pytest.raises(ConfigurationError, match="DB_POOL_MAX_OVERFLOW"):
            StorageConfig.from_environment(env)
        return
    config = StorageConfig.from_environment(env)
    assert (config.min_connections, config.max_connections) == (size, size + overflow)


def test_troubleshooting_pool_pair_gives_fifty() -> None:
    env = {"AQE_STORAGE_MODE": "production", "DATABASE_URL": URL, "DB_POOL_SIZE": "10", "DB_POOL_MAX_OVERFLOW": "40"}
    config = StorageConfig.from_environment(env)
    assert (config.min_connections, config.max_connections) == (10, 50)


@given(timeout=st.floats(1, 3600), recycle=st.integers(1, 365 * 86400))
def test_timeouts_parse_as_seconds(timeout: float, recycle: int) -> None:
    env = {**PROD, "DB_CONNECTION_TIMEOUT": repr(timeout), "DB_POOL_RECYCLE": str(recycle)}
    config = StorageConfig.from_environment(env)
    assert config.connection_timeout == timeout
    assert config.pool_recycle == recycle


def test_arguments_override_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AQE_STORAGE_MODE", "test")
    clean_env.setenv("DATABASE_URL", "postgresql://env@envhost/envdb")
    config = StorageConfig.from_environment(mode="prod", database_url=URL)
    assert config.mode is StorageMode.PROD
    assert config.database_url is not None
    assert config.database_url.get_secret_value() == URL


def test_pool_variables_ignored_outside_production() -> None:
    config = StorageConfig.from_environment({"AQE_STORAGE_MODE": "dev", "DB_POOL_SIZE": "not-a-number"})
    assert config.mode is StorageMode.DEV


# -- the bad-input table ---------------------------------------------------

BAD_ENVIRONMENTS = [
    ({"AQE_STORAGE_MODE": "staging"}, "AQE_STORAGE_MODE='staging' is not a storage mode; use one of"),
    ({"ENVIRONMENT": "qa"}, "ENVIRONMENT='qa' is not a storage mode"),
    ({"NODE_ENV": "prodution"}, "NODE_ENV='prodution' is not a storage mode"),
    ({"AQE_STORAGE_MODE": URL}, r"AQE_STORAGE_MODE='postgresql://qe_agent:\*\*\*@db.internal.*' is not a"),
    ({"AQE_STORAGE_MODE": "prod"}, "set DATABASE_URL or pass database_url="),
    ({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": "  "}, "set DATABASE_URL"),
    ({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": "mysql://u:p@h/db"}, "must be a PostgreSQL URL starting with postgresql://"),
    ({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": "postgresql+asyncpg://u@h/db"}, "drop the '\\+driver' part"),
    ({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": "localhost:5432"}, "must be a PostgreSQL URL"),
    ({"AQE_STORAGE_MODE": "prod", "DATABASE_URL": "postgresql://u@h:99999/db"}, "check the host and port"),
    ({**PROD, "DB_POOL_SIZE": "five"}, "DB_POOL_SIZE must be a whole number >= 0 and <= 1000, got 'five'"),
    ({**PROD, "DB_POOL_SIZE": "-1"}, "DB_POOL_SIZE must be a whole number >= 0"),
    ({**PROD, "DB_POOL_SIZE": "2.5"}, "DB_POOL_SIZE must be a whole number"),
    ({**PROD, "DB_POOL_MAX_OVERFLOW": "-3"}, "DB_POOL_MAX_OVERFLOW must be a whole number >= 0"),
    ({**PROD, "DB_POOL_SIZE": "0", "DB_POOL_MAX_OVERFLOW": "0"}, "raise DB_POOL_MAX_OVERFLOW"),
    ({**PROD, "DB_CONNECTION_TIMEOUT": "0"}, "DB_CONNECTION_TIMEOUT must be a positive number of seconds"),
    ({**PROD, "DB_CONNECTION_TIMEOUT": "soon"}, "DB_CONNECTION_TIMEOUT must be a positive number"),
    ({**PROD, "DB_POOL_RECYCLE": "-60"}, "DB_POOL_RECYCLE must be a positive number of seconds"),
    ({**PROD, "DB_POOL_RECYCLE": "inf"}, "DB_POOL_RECYCLE must be a positive number"),
    ({**PROD, "AQE_DB_SCHEMA": "drop table; --"}, "AQE_DB_SCHEMA=.* is not a schema name"),
]


@pytest.mark.parametrize(("env", "message"), BAD_ENVIRONMENTS)
def test_bad_environment_names_the_fix(env: dict[str, str], message: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigurationError, match=message) as raised:
        StorageConfig.from_environment(env)
    assert PASSWORD not in str(raised.value)
    assert PASSWORD not in caplog.text


BAD_CALLS = [
    (lambda: StorageConfig(mode="qa"), "mode='qa' is not a storage mode"),
    (lambda: StorageConfig(mode=StorageMode.PROD), "set DATABASE_URL or pass database_url="),
    (lambda: StorageConfig.for_production(None), "set DATABASE_URL"),  # type: ignore[arg-type]
    (lambda: StorageConfig.for_production("sqlite:///x.db"), "must be a PostgreSQL URL"),
    (
        lambda: StorageConfig.for_production(URL, min_connections=10, max_connections=5),
        "min_connections=10 is more than max_connections=5",
    ),
    (lambda: StorageConfig.for_production(URL, min_connections=-1), "min_connections must be a whole number >= 0"),
    (lambda: StorageConfig.for_production(URL, max_connections=0), "max_connections must be a whole number >= 1"),
    (lambda: StorageConfig.for_production(URL, max_connections=True), "max_connections must be a whole number"),
    (lambda: StorageConfig.for_production(URL, connection_timeout=-5), "connection_timeout must be a positive number"),
    (lambda: StorageConfig.for_production(URL, pool_recycle="hourly"), "pool_recycle must be a positive number"),
    (lambda: StorageConfig.for_production(URL, db_schema="1abc"), "db_schema='1abc' is not a schema name"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_bad_call_names_the_fix(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match=message) as raised:
        call()
    assert PASSWORD not in str(raised.value)


def test_configuration_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        StorageConfig(mode="nope")


# -- secrets ---------------------------------------------------------------


def test_password_never_shown() -> None:
    config = StorageConfig.for_production(URL + "?sslmode=require&password=" + PASSWORD)
    shown = (
        repr(config),
        str(config),
        f"{config!r}",
        config.get_description(),
        config.safe_database_url,
        repr(config.model_dump()),
        str(config.model_dump()),
        repr(config.model_dump(mode="json")),
        config.model_dump_json(),
        repr(config.database_url),
        str(config.database_url),
    )
    for text in shown:
        assert text is not None
        assert PASSWORD not in text
    assert "db.internal:6543/lionagi_qe_learning" in config.get_description()
    assert config.database_url is not None
    assert config.database_url.get_secret_value().startswith("postgresql://qe_agent:" + PASSWORD)


URL_SAFE = st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="!$&'()*+,;=-._~")


@given(password=st.text(alphabet=URL_SAFE, min_size=4, max_size=30))
def test_redaction_hides_any_password(password: str) -> None:
    url = f"postgresql://user:{password}@host:5432/db"
    assert redact_url(url) == "postgresql://user:***@host:5432/db"


def test_descriptions_name_mode_and_backend() -> None:
    assert StorageConfig.for_development().get_description().startswith("Development mode: in-process memory")
    assert StorageConfig.for_testing().get_description().startswith("Testing mode: in-process memory isolated")
    prod = StorageConfig.for_production("postgresql://u:p@localhost:5432/db", min_connections=5, max_connections=20)
    assert prod.get_description() == (
        "Production mode: PostgreSQL at localhost:5432/db (schema aqe), pool 5-20 connections, "
        "timeout 30s, recycle 3600s (durable, shared)"
    )


def test_config_is_immutable() -> None:
    config = StorageConfig.for_testing()
    with pytest.raises(ConfigurationError, match="StorageConfig is frozen: build a new one instead of setting mode"):
        config.mode = StorageMode.PROD  # type: ignore[misc]
    assert config.mode is StorageMode.TEST


def test_a_dumped_config_validates_back_to_an_equal_one() -> None:
    config = StorageConfig.for_production(URL, min_connections=2, max_connections=9, db_schema="qe")
    data = {**config.model_dump(), "database_url": config.database_url}
    assert StorageConfig(**data) == config


# -- pydantic stays inside -------------------------------------------------

SETTING_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["prod", "test", URL, "postgres://h/db", "aqe", "nan", "1e3"]),
    st.lists(st.integers(), max_size=2),
)


@given(settings=st.dictionaries(st.sampled_from([*StorageConfig.model_fields, "bogus"]), SETTING_VALUES))
def test_any_settings_give_a_config_or_a_configuration_error(settings: dict[str, object]) -> None:
    for build in (lambda: StorageConfig(**settings), lambda: StorageConfig.model_validate(settings)):
        try:
            config = build()
        except ConfigurationError as exc:
            assert not isinstance(exc.__context__, ConfigurationError)
            assert exc.__suppress_context__
            assert PASSWORD not in str(exc)
            assert "input_value" not in str(exc)
        else:
            assert config.min_connections <= config.max_connections
            assert config.mode is not StorageMode.PROD or config.database_url is not None


def test_json_input_is_validated_the_same_way() -> None:
    with pytest.raises(ConfigurationError, match="mode=3 is not a storage mode"):
        StorageConfig.model_validate_json('{"mode": 3}')
    config = StorageConfig.model_validate_json(f'{{"mode": "prod", "database_url": "{URL}"}}')
    assert config.location == "db.internal:6543/lionagi_qe_learning"


def test_unknown_setting_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="max_conections is not a StorageConfig setting; use mode, "):
        StorageConfig(mode="prod", database_url=URL, max_conections=9)


def test_several_bad_settings_are_reported_together() -> None:
    with pytest.raises(ConfigurationError) as raised:
        StorageConfig(mode="qa", pool_recycle=0, db_schema="x y")
    message = str(raised.value)
    assert "mode='qa' is not a storage mode" in message
    assert "pool_recycle must be a positive number of seconds" in message
    assert "db_schema='x y' is not a schema name" in message


def test_context_names_the_variable_of_a_bad_field() -> None:
    variables = {"db_schema": "AQE_DB_SCHEMA", "database_url": "DATABASE_URL"}
    with pytest.raises(ConfigurationError, match=r"^AQE_DB_SCHEMA='1x' is not a schema name"):
        StorageConfig.model_validate({**PROD_SETTINGS, "db_schema": "1x"}, context={"variables": variables})
    with pytest.raises(ConfigurationError, match=r"^DATABASE_URL must be a PostgreSQL URL"):
        StorageConfig.model_validate({**PROD_SETTINGS, "database_url": "ftp://h"}, context={"variables": variables})


def test_min_above_max_names_both_variables() -> None:
    variables = {"min_connections": "DB_POOL_SIZE", "max_connections": "DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW"}
    settings = {**PROD_SETTINGS, "min_connections": 12, "max_connections": 4}
    with pytest.raises(ConfigurationError) as raised:
        StorageConfig.model_validate(settings, context={"variables": variables})
    assert str(raised.value) == (
        "DB_POOL_SIZE=12 is more than DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW=4; the minimum pool size cannot "
        "exceed the maximum: lower DB_POOL_SIZE or raise DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW"
    )
    with pytest.raises(ConfigurationError, match="lower min_connections or raise max_connections"):
        StorageConfig(**settings)


# -- absurd values: refused at validation with the variable and its range -----

ABSURD = [
    ("DB_POOL_SIZE", "1000000000", "DB_POOL_SIZE must be a whole number >= 0 and <= 1000, got 1000000000"),
    ("DB_POOL_MAX_OVERFLOW", "1000000000", "DB_POOL_MAX_OVERFLOW must be a whole number >= 0 and <= 1000"),
    ("DB_CONNECTION_TIMEOUT", "0.001", "DB_CONNECTION_TIMEOUT must be a positive number of seconds, from 1 to 3600"),
    ("DB_CONNECTION_TIMEOUT", "1e9", "DB_CONNECTION_TIMEOUT must be a positive number of seconds, from 1 to 3600"),
    ("DB_POOL_RECYCLE", "1e300", "DB_POOL_RECYCLE must be a positive number of seconds, from 1 to 3.1536e+07"),
]


@pytest.mark.parametrize(("variable", "value", "message"), ABSURD, ids=[f"{v}={x}" for v, x, _ in ABSURD])
def test_absurd_settings_are_refused_naming_the_variable_and_a_sane_range(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        StorageConfig.from_environment({**PROD, variable: value})
    assert message in str(raised.value)


def test_a_pool_larger_than_the_range_in_total_is_refused() -> None:
    total = r"DB_POOL_SIZE \+ DB_POOL_MAX_OVERFLOW must be a whole number >= 1 and <= 1000"
    with pytest.raises(ConfigurationError, match=total):
        StorageConfig.from_environment({**PROD, "DB_POOL_SIZE": "600", "DB_POOL_MAX_OVERFLOW": "600"})
    with pytest.raises(ConfigurationError, match="max_connections must be a whole number >= 1 and <= 1000"):
        StorageConfig.for_production(URL, max_connections=10**9)
