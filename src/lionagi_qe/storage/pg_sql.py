"""The SQL of the PostgreSQL backend, one statement per file in `storage/sql/`.

    queries = Queries("aqe")
    await conn.execute(queries["retrieve"], {"key": "aqe/coverage/run-1"})

Files write the schema as `{schema}`; it is filled in once, as a quoted
identifier (the name is already validated by `StorageConfig`). Every value is
a query parameter (`%(name)s`, or `%(name)b` for arrays sent in binary).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from psycopg import sql

_PACKAGE = "lionagi_qe.storage"


@cache
def read_sql(folder: str, name: str) -> str:
    """The text of `storage/<folder>/<name>.sql`."""
    return (files(_PACKAGE) / folder / f"{name}.sql").read_text(encoding="utf-8")


def render(text: str, schema: str, **literals: str) -> str:
    """Fill `{schema}` with a quoted identifier and other `{name}`s with quoted literals."""
    values = {name: sql.Literal(value) for name, value in literals.items()}
    return sql.SQL(text).format(schema=sql.Identifier(schema), **values).as_string()  # type: ignore[arg-type]


class Queries:
    """The named statements of `storage/sql/`, rendered for one schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._rendered: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        query = self._rendered.get(name)
        if query is None:
            query = self._rendered[name] = render(read_sql("sql", name), self.schema)
        return query

    def __repr__(self) -> str:
        return f"<Queries schema={self.schema!r}>"
