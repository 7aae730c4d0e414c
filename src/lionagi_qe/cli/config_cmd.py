"""`aqe config`: which storage mode is in use, why, and (with `--check`) whether it works; the fleet settings.

    aqe config                 # mode, the variable that chose it, the description; `aqe run`'s settings
    aqe config --check         # production: connect, report server, schema, pool and connection budget
                               # embedded: also the data folder and the server's state
    aqe config --check --json  # the same as one JSON object on stdout
    aqe config --project app --coverage-threshold 95   # the settings `aqe run app --coverage-threshold 95` uses

The fleet settings are `aqe run`'s options as a run of the project
(`--project`, default the working folder) would take them: each one's value
and where it came from (default, `[tool.aqe]` in the project's
pyproject.toml, or the command line: any option of `aqe run` may follow).
The storage mode comes from the environment, else from `storage` in
`[tool.aqe]`, else the default.

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

from lionagi_qe.analysis.coverage_config import read_coverage_config
from lionagi_qe.analysis.interpreter import resolve_interpreter
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.quality_gate import Thresholds
from lionagi_qe.analysis.verification import first_line
from lionagi_qe.cli.common import console, fail, run_async
from lionagi_qe.cli.project_settings import (
    DEFAULT,
    ProjectConfig,
    Setting,
    configured_storage,
    read_project_config,
    settle,
    storage_setting,
)
from lionagi_qe.cli.run_cmd import run_command
from lionagi_qe.cli.settings_table import settings_json, settings_table
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.config.storage_config import MODE_VARIABLES
from lionagi_qe.errors import ConfigurationError, TargetProjectError
from lionagi_qe.storage.factory import create_memory

TOOL_AQE = "[tool.aqe]"


def config(
    ctx: typer.Context,
    check: bool = typer.Option(False, "--check", help="Connect to the storage and report on it (production)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    project: str = typer.Option(
        ".", "--project", help="The project whose [tool.aqe] to read (any `aqe run` option may follow)."
    ),
) -> None:
    """Show the storage mode, where it came from and its settings, and the fleet settings; --check also connects."""
    try:
        project_config, fleet = fleet_settings(project, ctx.args)
        settings = StorageConfig.from_environment(mode=configured_storage(project_config))
    except ConfigurationError as exc:
        fail(str(exc))
    report = describe(settings, os.environ, project_config)
    report["fleet"] = {
        "project": str(project_config.root),
        "config_file": str(project_config.file) if project_config.file else None,
        "settings": settings_json(fleet),
    }
    if check:
        report["check"] = run_async(check_storage(settings))
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        _print_report(report)
    if check and not report["check"].get("ok", False):
        fail("the storage answered but reports itself unhealthy; see the check report above")


def fleet_settings(project: str, args: list[str]) -> tuple[ProjectConfig, list[Setting]]:
    """The project's `[tool.aqe]` and the settings `aqe run PROJECT ARGS` would use (storage last)."""
    try:
        ctx = run_command().make_context("run", [project, *args])
    except Exception as exc:  # the run command's own usage error (unknown option, bad value)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise ConfigurationError(
            f"{message} (aqe config takes --check, --json, --project and aqe run's options)"
        ) from None
    project_config = read_project_config(project)
    settled = settle(ctx, project_config)
    threshold = settled["coverage_threshold"]
    if threshold.value is None:
        settled["coverage_threshold"] = _threshold_from_coverage_config(
            threshold.key, project, ctx.params.get("python"), ctx.params.get("venv")
        )
    return project_config, [*settled.values(), storage_setting(project_config)]


def _threshold_from_coverage_config(key: str, project: str, python: Any, venv: Any) -> Setting:
    """The gate's coverage threshold when no option sets it: the project's `fail_under`, else the gate's default."""
    default = Setting(key, Thresholds().min_coverage, f"{DEFAULT} (the project's coverage config sets no fail_under)")
    try:
        target = inspect_project(project, check_syntax=False)
        coverage = read_coverage_config(target, resolve_interpreter(python, venv))
    except TargetProjectError as exc:
        return Setting(key, Thresholds().min_coverage, f"{DEFAULT} (fail_under not read: {first_line(str(exc))})")
    if coverage.fail_under is None:
        return default
    return Setting(key, coverage.fail_under, f"fail_under in {coverage.file}")


def describe(settings: StorageConfig, env: Mapping[str, str], project: ProjectConfig | None = None) -> dict[str, Any]:
    """The report of `aqe config` without a check: mode, its source, description, settings.

    `source` is the variable that chose the mode (None: the default), or
    '[tool.aqe]' when the project's `storage` key did; `overridden` lists the
    lower-priority mode variables that are set but were not used.
    """
    _, source = StorageConfig.detect_mode(env)
    lower = MODE_VARIABLES[MODE_VARIABLES.index(source) + 1 :] if source else ()
    source_value = env[source].strip() if source else None
    if source is None and project is not None and configured_storage(project, env) is not None:
        source, source_value = TOOL_AQE, str(project.values["storage"])
    report: dict[str, Any] = {
        "mode": settings.mode.value,
        "source": source,
        "source_value": source_value,
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
            "pooler": settings.pooler.value,
            "direct_url": settings.safe_direct_url,
        }
    if settings.mode is StorageMode.EMBEDDED:
        report["settings"] = embedded_settings(settings)
    return report


def embedded_settings(settings: StorageConfig) -> dict[str, Any]:
    """Embedded mode's data folder, schema, pool and its server's state (read without starting it)."""
    from lionagi_qe.storage.embedded_server import EmbeddedServer

    assert settings.embedded_data is not None
    server = EmbeddedServer(settings.embedded_data).status()
    return {
        "embedded_data": server.pop("data_folder"),
        "db_schema": settings.db_schema,
        "min_connections": settings.min_connections,
        "max_connections": settings.max_connections,
        "server": server,
    }


async def check_storage(settings: StorageConfig) -> dict[str, Any]:
    """Connect to the configured storage and return its `health()` plus `connect_seconds`.

    In development and testing memory is in process: nothing to connect to, always ok.
    In production the backend gives up after `connection_timeout` with a
    `StorageConnectionError` naming host and port.
    """
    if settings.mode in (StorageMode.DEV, StorageMode.TEST):
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


def _settings_of(shown: Mapping[str, Mapping[str, Any]]) -> list[Setting]:
    return [Setting(key, entry["value"], entry["origin"]) for key, entry in shown.items()]


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield name, value


def _print_embedded(settings: dict[str, Any]) -> None:
    server = settings["server"]
    users = server["users"]
    state = server["state"]
    if server["pid"] is not None:
        state += f" (pid {server['pid']}, PostgreSQL {server['postgres_version']})"
        state += f", used by {len(users)} aqe process(es)"
        if not users:
            state += ": left by a process that was killed; the next aqe command stops it when it is done"
    for line in (f"AQE_EMBEDDED_DATA: {settings['embedded_data']}", f"Embedded server: {state}"):
        console.print(line, markup=False, soft_wrap=True, highlight=False)


def _print_report(report: dict[str, Any]) -> None:
    if report["source"] == TOOL_AQE:
        origin = f"from storage = {report['source_value']} in [tool.aqe] of {report['fleet']['config_file']}"
    elif report["source"]:
        origin = f"from {report['source']}={report['source_value']}"
        if report["overridden"]:
            origin += " (overrides " + ", ".join(f"{k}={v}" for k, v in report["overridden"].items()) + ")"
    else:
        origin = "the default: none of " + ", ".join(MODE_VARIABLES) + " is set"
    console.print(f"[bold]Storage mode:[/] {report['mode']} ({escape(origin)})", soft_wrap=True, highlight=False)
    console.print(report["description"], markup=False, soft_wrap=True, highlight=False)
    if report["mode"] == StorageMode.EMBEDDED.value:
        _print_embedded(report["settings"])
    elif report["settings"]:
        shown = report["settings"]
        lines = [f"DATABASE_URL: {shown['database_url']}"]
        if shown["direct_url"]:
            lines.append(f"AQE_DB_DIRECT_URL: {shown['direct_url']}")
        if shown["pooler"] != "none":
            lines.append(f"AQE_DB_POOLER: {shown['pooler']}")
        for line in lines:
            console.print(line, markup=False, soft_wrap=True, highlight=False)
    fleet = report["fleet"]
    where = f"[tool.aqe] in {fleet['config_file']}" if fleet["config_file"] else "no [tool.aqe] table"
    console.print(f"[bold]Fleet settings[/] for {escape(fleet['project'])} ({escape(where)}):", highlight=False)
    console.print(settings_table(_settings_of(fleet["settings"]), title=""))
    check = report.get("check")
    if check is None:
        return
    status = "[green]ok[/]" if check.get("ok") else "[red]FAILED[/]"
    console.print(f"[bold]Check:[/] {status}", highlight=False)
    rows = list(_flatten({k: v for k, v in check.items() if k not in ("ok", "warning")}))
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        console.print(f"  {name:<{width}}  {value}", markup=False, soft_wrap=True, highlight=False)
    if check.get("warning"):
        console.print(f"[yellow]Warning:[/] {escape(check['warning'])}", soft_wrap=True, highlight=False)
