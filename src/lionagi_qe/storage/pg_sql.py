"""The SQL of the PostgreSQL backend: named sections of `storage/sql/queries.sql`.

    queries = Queries("aqe")
    await conn.execute(queries["retrieve"], {"key": "aqe/coverage/run-1"})

Each section starts with `-- name: <name>`. A section names the schema as
`{schema}`, filled in as a quoted identifier (the name is already validated by
`StorageConfig`), and may include another section as `{<name>}`: fragments
such as the write log's tail are written once and composed where named, from
the file only, never from input. Every value is a query parameter
(`%(name)s`, or `%(name)b` for arrays sent in binary). Migrations are whole
files, `storage/migrations/NNN_name.sql`, read with `read_sql`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from string import Formatter

from psycopg import sql

_PACKAGE = "lionagi_qe.storage"
_SECTION = re.compile(r"^-- name: (\w+)[ \t]*\n", re.MULTILINE)


@cache
def read_sql(folder: str, name: str) -> str:
    """The text of `storage/<folder>/<name>.sql`."""
    return (files(_PACKAGE) / folder / f"{name}.sql").read_text(encoding="utf-8")


@cache
def sections() -> dict[str, str]:
    """The sections of `storage/sql/queries.sql`: {name: SQL text}, without whole-line comments."""
    parts = _SECTION.split(read_sql("sql", "queries"))
    found: dict[str, str] = {}
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        if name in found:
            raise ValueError(f"queries.sql: section {name!r} appears twice")
        found[name] = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()
    return found


def placeholders(text: str) -> set[str]:
    """The `{name}`s in `text`."""
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def render(text: str, schema: str, **literals: str) -> str:
    """Fill `{schema}` with a quoted identifier and other `{name}`s with quoted literals."""
    values = {name: sql.Literal(value) for name, value in literals.items()}
    return sql.SQL(text).format(schema=sql.Identifier(schema), **values).as_string()


class Queries:
    """The named statements of `queries.sql`, composed and rendered for one schema on first use."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._rendered: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        query = self._rendered.get(name)
        if query is None:
            query = self._rendered[name] = self._compose(name, ()).as_string()
        return query

    def _compose(self, name: str, including: tuple[str, ...]) -> sql.Composed:
        if name in including:
            raise ValueError(f"queries.sql: section {name!r} includes itself via {' -> '.join(including)}")
        text = sections().get(name)
        if text is None:
            raise KeyError(f"no section {name!r} in storage/sql/queries.sql")
        fragments = {part: self._compose(part, (*including, name)) for part in placeholders(text) - {"schema"}}
        return sql.SQL(text).format(schema=sql.Identifier(self.schema), **fragments)

    def __repr__(self) -> str:
        return f"<Queries schema={self.schema!r}>"
