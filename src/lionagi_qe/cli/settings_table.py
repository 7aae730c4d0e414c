"""The effective fleet settings as `aqe config` and `aqe run -v` show them: key, value, where it came from.

    console.print(settings_table(settings.values()))
    settings_json(settings.values())    # {"coverage-threshold": {"value": 90.0, "origin": "[tool.aqe] in ..."}, ...}
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from rich.markup import escape
from rich.table import Table

from lionagi_qe.cli.project_settings import Setting


def shown(value: Any) -> Any:
    """A setting's value as JSON shows it (enums by their value, tuples as lists)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [shown(item) for item in value]
    return value


def settings_json(settings: Iterable[Setting]) -> dict[str, dict[str, Any]]:
    """{key: {"value", "origin"}} in the order given."""
    return {s.key: {"value": shown(s.value), "origin": s.origin} for s in settings}


def settings_table(settings: Iterable[Setting], title: str = "fleet settings") -> Table:
    """A rich table of the settings (values `None` shown as '-')."""
    table = Table(title=title, title_justify="left")
    for column in ("setting", "value", "from"):
        table.add_column(column, overflow="fold")
    for setting in settings:
        value = shown(setting.value)
        table.add_row(setting.key, "-" if value is None else escape(str(value)), escape(setting.origin))
    return table
