"""queries.sql: every statement composed from fragments written once, values only as parameters."""

from __future__ import annotations

import re

import pytest

from lionagi_qe.storage import pg_sql
from lionagi_qe.storage.pg_sql import Queries, placeholders, read_sql, sections

WRITES = ("store", "store_batch", "store_many", "compare_and_insert", "compare_and_update", "delete", "clear_partition")


def test_each_fragment_is_written_once() -> None:
    text = read_sql("sql", "queries")
    for fragment in ("INSERT INTO {schema}.write_log", "ON CONFLICT (key) DO UPDATE", "expires_at IS NULL OR"):
        assert text.count(fragment) == 1, fragment


def test_every_write_logs_its_outcome_and_upserts_overwrite_the_same_way() -> None:
    queries = Queries("aqe")
    for name in WRITES:
        assert "{log_outcome}" in sections()[name], name
        assert 'INSERT INTO "aqe".write_log (token, result)' in queries[name], name
    for name in ("store", "store_batch", "store_many", "compare_and_insert"):
        assert "{overwrite}" in sections()[name], name
        assert "version = CASE WHEN m.expires_at <= now() THEN 1 ELSE m.version + 1 END" in queries[name], name


def test_sections_name_only_the_schema_and_other_sections() -> None:
    names = set(sections())
    for name, text in sections().items():
        assert placeholders(text) <= names | {"schema"}, name


def test_statements_take_values_only_as_parameters() -> None:
    queries = Queries("aqe")
    for name in sections():
        statement = queries[name]
        assert "{" not in statement, name
        assert "--" not in statement, f"{name}: comments stay in the file"
        assert "%" not in re.sub(r"%\(\w+\)[sb]", "", statement), f"{name}: values go in as %(name)s parameters"


def test_schema_is_a_quoted_identifier() -> None:
    assert 'FROM "odd""name".memory' in Queries('odd"name')["retrieve"]


def test_unknown_statement_names_the_file() -> None:
    with pytest.raises(KeyError, match=r"no section 'retreive' in storage/sql/queries.sql"):
        Queries("aqe")["retreive"]


def test_a_section_including_itself_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_sql, "sections", lambda: {"a": "SELECT {b}", "b": "1 + {a}"})
    with pytest.raises(ValueError, match=r"section 'a' includes itself via a -> b"):
        Queries("aqe")["a"]


def test_a_name_used_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "-- name: a\nSELECT 1\n\n-- name: a\nSELECT 2\n"
    monkeypatch.setattr(pg_sql, "read_sql", lambda folder, name: text)
    pg_sql.sections.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"section 'a' appears twice"):
            sections()
    finally:
        monkeypatch.undo()
        pg_sql.sections.cache_clear()
