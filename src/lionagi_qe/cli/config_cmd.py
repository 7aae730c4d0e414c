"""`aqe config`: which storage mode is in use, why, and (with `--check`) whether it works.

    aqe config                 # mode, the variable that chose it, the description
    aqe config --check         # production: connect, report server, schema and pool
    aqe config --check --json  # the same as one JSON object on stdout

Exit codes: 0 all good; 2 the configuration is invalid (message on stderr
naming the variable to fix) or, with `--check`, the database cannot be
reached or reports itself unhealthy. No output ever shows a password.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

import typer
from rich.markup import escape

from lionagi_qe.cli.common import console, fail, run_async
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.config.storage_config import MODE_VARIABLES
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage.factory import create_memory


def config(
    check: bool = typer.Option(False, "--check", help="Connect to the storage and report on it (production)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
) -> None:
    """Show the storage mode, where it came from and its settings; --check also connects."""
    try:
        settings = StorageConfig.from_environment()
    except ConfigurationError as exc:
        fail(str(exc))
    report = describe(settings, os.environ)
    if check:
        report["check"] = run_async(check_storage(settings))
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        _print_report(report)
    if check and not report["check"].get("ok", False):
        fail("the storage answered but reports itself unhealthy; see the check report above")


def describe(settings: StorageConfig, env: Mapping[str, str]) -> dict[str, Any]:
    """The report of `aqe config` without a check: mode, its source, description, settings.

    `source` is the variable that chose the mode (None: the default); `overridden`
    lists the lower-priority mode variables that are set but were not used.
    """
    _, source = StorageConfig.detect_mode(env)
    lower = MODE_VARIABLES[MODE_VARIABLES.index(source) + 1 :] if source else ()
    report: dict[str, Any] = {
        "mode": settings.mode.value,
        "source": source,
        "source_value": env[source].strip() if source else None,
        "overridden": {name: env[name].strip() for name in lower if env.get(name, "").strip()},
        "description": settings.get_description(),
        "settings": None,
    }
    if settings.mode is StorageMode.PROD:
        report["settings"] = {
            "database_url": settings.safe_database_url,
            "db_schema": settings.db_schema,
            "min_connections": settings.min_connections,
            "max_connections": settings.max_connections,
            "connection_timeout": settings.connection_timeout,
            "pool_recycle": settings.pool_recycle,
        }
    return report


async def check_storage(settings: StorageConfig) -> dict[str, Any]:
    """Connect to the configured storage and return its `health()` plus `connect_seconds`.

    In development and testing memory is in process: nothing to connect to, always ok.
    In production the backend gives up after `connection_timeout` with a
    `StorageConnectionError` naming host and port.
    """
    if settings.mode is not StorageMode.PROD:
        return {"ok": True, "backend": "session", "detail": "nothing to connect to: memory is in process"}
    memory = create_memory(settings)
    started = time.perf_counter()
    try:
        await memory.connect()
        await memory.prepare()  # creates the schema if absent: the check proves the fleet can write
        elapsed = round(time.perf_counter() - started, 3)
        return {**await memory.health(), "connect_seconds": elapsed}
    finally:
        await memory.disconnect()


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield name, value


def _print_report(report: dict[str, Any]) -> None:
    if report["source"]:
        origin = f"from {report['source']}={report['source_value']}"
        if report["overridden"]:
            origin += " (overrides " + ", ".join(f"{k}={v}" for k, v in report["overridden"].items()) + ")"
    else:
        origin = "the default: none of " + ", ".join(MODE_VARIABLES) + " is set"
    console.print(f"[bold]Storage mode:[/] {report['mode']} ({escape(origin)})", soft_wrap=True, highlight=False)
    console.print(report["description"], markup=False, soft_wrap=True, highlight=False)
    if report["settings"]:
        console.print(
            f"DATABASE_URL: {report['settings']['database_url']}", markup=False, soft_wrap=True, highlight=False
        )
    check = report.get("check")
    if check is None:
        return
    status = "[green]ok[/]" if check.get("ok") else "[red]FAILED[/]"
    console.print(f"[bold]Check:[/] {status}", highlight=False)
    rows = list(_flatten({k: v for k, v in check.items() if k != "ok"}))
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        console.print(f"  {name:<{width}}  {value}", markup=False, soft_wrap=True, highlight=False)
