"""`aqe memory ls|get` and `aqe history`: browse what the fleet stored.

    aqe memory ls aqe/coverage/           # keys under a prefix
    aqe memory get aqe/quality/<run>/verdict
    aqe history                           # coverage trend across runs
    aqe memory export aqe/ > runs.jsonl   # entries as JSON lines (key, value, TTL left, partition)
    aqe memory import runs.jsonl          # into the store of the current mode

Development and testing modes keep memory inside one process, so a new `aqe`
process finds nothing: use embedded mode (AQE_STORAGE_MODE=embedded, no setup)
or production mode (AQE_STORAGE_MODE=production, DATABASE_URL) to keep runs
across processes. `aqe memory get` exits 1 when
the key holds no value; configuration errors exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from lionagi_qe.agents.memory_keys import (
    REPORT_PATTERN,
    RUN_STATUS_PATTERN,
    VERDICT_PATTERN,
    run_id_of,
    verdict_key,
)
from lionagi_qe.agents.records import CoverageRecord, RunStatusRecord
from lionagi_qe.analysis.project_root import find_project_root
from lionagi_qe.cli.common import console, err_console, fail, run_async

if TYPE_CHECKING:
    from lionagi_qe.storage.base import MemoryBackend

T = TypeVar("T")
RecordT = TypeVar("RecordT", CoverageRecord, RunStatusRecord)
EXIT_NOT_FOUND = 1

app = typer.Typer(help="Browse the fleet's shared memory (aqe/...).", no_args_is_help=True)


def _in_process_note() -> None:
    err_console.print(
        "[yellow]note:[/] this is development/testing mode, where memory lives inside one process: "
        "a new `aqe` process sees nothing from earlier runs. To keep runs with no setup, set "
        "AQE_STORAGE_MODE=embedded (PostgreSQL started on demand, data in a folder of yours); "
        "to share them across machines, AQE_STORAGE_MODE=production and DATABASE_URL=postgresql://...",
        highlight=False,
        soft_wrap=True,
    )


async def _with_memory(work: Callable[[MemoryBackend], Awaitable[T]]) -> T:
    from lionagi_qe.core.orchestrator import QEOrchestrator

    orchestrator = QEOrchestrator.from_environment()
    async with orchestrator:
        if not orchestrator.memory.persistent:
            _in_process_note()
        return await work(orchestrator.memory)


@app.command("ls")
def ls(
    prefix: str = typer.Argument("aqe/", help="Key prefix, e.g. aqe/coverage/"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List the keys that start with PREFIX."""

    async def work(memory: MemoryBackend) -> list[str]:
        return await memory.list_keys(prefix)

    keys = run_async(_with_memory(work))
    if as_json:
        typer.echo(json.dumps(keys))
    else:
        for key in keys:
            typer.echo(key)


@app.command("get")
def get(key: str = typer.Argument(..., help="The key, e.g. aqe/quality/<run>/verdict")) -> None:
    """Print the value stored under KEY as JSON (exit 1 if there is none)."""
    missing = object()

    async def work(memory: MemoryBackend) -> Any:
        return await memory.retrieve(key, missing)

    value = run_async(_with_memory(work))
    if value is missing:
        err_console.print(
            f"[bold red]error:[/] no value under {escape(repr(key))}; list keys with `aqe memory ls aqe/`",
            highlight=False,
        )
        raise typer.Exit(EXIT_NOT_FOUND)
    typer.echo(json.dumps(value, indent=2))


def _history_row(run_id: str, report: CoverageRecord, verdict: object) -> dict[str, Any]:
    """One line of `aqe history --json`; a figure that is missing or not a number is None."""
    trend = report.trend if isinstance(report.trend, dict) else {}
    passed = verdict.get("passed") if isinstance(verdict, dict) else None
    return {
        "run_id": run_id,
        "finished_at": report.finished_at,
        "project": report.project,
        "coverage": _number(report.totals.get("percent")),
        "line": _number(report.totals.get("line_percent")),
        "branch": _number(report.totals.get("branch_percent")),
        "delta": _number(trend.get("delta")),
        "gate": None if not isinstance(passed, bool) else ("passed" if passed else "failed"),
    }


def _interrupted_row(record: RunStatusRecord) -> dict[str, Any]:
    """A line of `aqe history --json` for a run stopped before its coverage report."""
    return {
        "run_id": record.run_id, "finished_at": record.at, "project": record.project,
        "coverage": None, "line": None, "branch": None, "delta": None, "gate": record.status,
    }


async def history_rows(
    memory: MemoryBackend, project: str | None = None, limit: int = 20, skipped: list[str] | None = None
) -> list[dict[str, Any]]:
    """The latest `limit` runs in memory (of `project`, a path resolved as `aqe run` does), oldest first.

    `gate` is 'passed', 'failed', None (no verdict) or 'interrupted' (Ctrl-C). Keys of malformed records
    are appended to `skipped`, never raised.
    """
    wanted = str(find_project_root(project)) if project else None
    reports = await memory.search(REPORT_PATTERN)
    verdicts = await memory.search(VERDICT_PATTERN)
    stored_statuses = await memory.search(RUN_STATUS_PATTERN)
    statuses = {}
    for key, value in stored_statuses.items():
        status = _read_record(value, RunStatusRecord)
        if status is None:
            _note(skipped, key)
        else:
            statuses[run_id_of(key)] = status
    rows = {}
    for key, stored in reports.items():
        report = _read_report(stored)
        if report is None:
            _note(skipped, key)
            continue
        if wanted and report.project != wanted:
            continue
        verdict = verdicts.get(verdict_key(run_id_of(key)))
        rows[run_id_of(key)] = _history_row(run_id_of(key), report, verdict)
    for run_id, status in statuses.items():
        if wanted and status.project != wanted:
            continue
        rows[run_id] = {**rows[run_id], "gate": status.status} if run_id in rows else _interrupted_row(status)
    return [rows[run_id] for run_id in sorted(rows)][-limit:]


def _read_report(stored: object) -> CoverageRecord | None:
    """The coverage report stored, or None if it is not one (a list, a string, no totals...)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("totals"), dict):
        return None
    return _read_record(stored, CoverageRecord)


def _read_record(stored: object, kind: type[RecordT]) -> RecordT | None:
    """`kind.from_json(stored)`, or None when `stored` is not such a record (not a dict, a field missing)."""
    if not isinstance(stored, dict):
        return None
    try:
        return kind.from_json(stored)
    except TypeError:
        return None


def _note(skipped: list[str] | None, key: str) -> None:
    if skipped is not None:
        skipped.append(key)


def _number(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def history(
    project: str | None = typer.Option(None, "--project", help="Only runs of this project folder."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show the latest N runs."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Coverage trend across runs (needs embedded or production mode to span processes)."""
    skipped: list[str] = []

    async def work(memory: MemoryBackend) -> list[dict[str, Any]]:
        return await history_rows(memory, project, limit, skipped)

    rows = run_async(_with_memory(work))
    if skipped:
        err_console.print(
            f"[yellow]note:[/] skipped {len(skipped)} malformed records (not a coverage report or run status): "
            f"{escape(', '.join(skipped))}; look at one with `aqe memory get KEY`",
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print("no runs in memory yet: run `aqe run PATH` first")
        return
    table = Table(title="coverage history", title_justify="left")
    for column in ("run", "finished", "project", "coverage", "lines", "branches", "change", "gate"):
        table.add_column(column, overflow="fold")
    for row in rows:
        change = "" if row["delta"] is None else f"{row['delta']:+.2f}"
        table.add_row(
            escape(str(row["run_id"])), escape(str(row["finished_at"] or "")), escape(str(row["project"] or "")),
            _percent(row["coverage"]), _percent(row["line"]), _percent(row["branch"]), change, row["gate"] or "-",
        )
    console.print(table)



@app.command("export")
def export(
    prefix: str = typer.Argument("", help="Only keys that start with this prefix (default: every key)."),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Write the store's live entries as JSON lines: key, value, seconds of TTL left, partition."""
    from lionagi_qe.storage.transfer import export_entries

    async def work(memory: MemoryBackend) -> int:
        if output is None:
            return await export_entries(memory, sys.stdout.buffer.write, prefix)
        with Path(output).open("wb") as out:
            return await export_entries(memory, out.write, prefix)

    count = run_async(_with_memory(work))
    sys.stdout.flush()
    err_console.print(f"exported {count} entries{f' under {prefix!r}' if prefix else ''}", highlight=False)


@app.command("import")
def import_(
    source: str = typer.Argument(..., help="A file written by `aqe memory export`, or - for stdin."),
) -> None:
    """Store the entries of an export file in the current mode's store (existing keys are replaced)."""
    from lionagi_qe.storage.transfer import import_entries

    try:
        lines = sys.stdin.buffer.readlines() if source == "-" else Path(source).read_bytes().splitlines()
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")

    async def work(memory: MemoryBackend) -> tuple[int, int]:
        return await import_entries(memory, lines, source="stdin" if source == "-" else source)

    stored, expired = run_async(_with_memory(work))
    skipped = f" ({expired} skipped: their TTL ran out)" if expired else ""
    err_console.print(f"imported {stored} entries{skipped}", highlight=False)
