"""`aqe memory ls|get` and `aqe history`: browse what the fleet stored.

    aqe memory ls aqe/coverage/           # keys under a prefix
    aqe memory get aqe/quality/<run>/verdict
    aqe history                           # coverage trend across runs

Development and testing modes keep memory inside one process, so a new `aqe`
process finds nothing: use production mode (AQE_STORAGE_MODE=production,
DATABASE_URL) to keep runs across processes. `aqe memory get` exits 1 when
the key holds no value; configuration errors exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from lionagi_qe.agents.memory_keys import REPORT_PATTERN, VERDICT_PATTERN, run_id_of, verdict_key
from lionagi_qe.agents.records import CoverageRecord
from lionagi_qe.cli.common import console, err_console, run_async

if TYPE_CHECKING:
    from lionagi_qe.storage.base import MemoryBackend

T = TypeVar("T")
EXIT_NOT_FOUND = 1

app = typer.Typer(help="Browse the fleet's shared memory (aqe/...).", no_args_is_help=True)


def _in_process_note() -> None:
    err_console.print(
        "[yellow]note:[/] this is development/testing mode, where memory lives inside one process: "
        "a new `aqe` process sees nothing from earlier runs. To keep runs across processes, set "
        "AQE_STORAGE_MODE=production and DATABASE_URL=postgresql://...",
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


def _read_report(stored: object) -> CoverageRecord | None:
    """The coverage report stored, or None if it is not one (a list, a string, no totals...)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("totals"), dict):
        return None
    try:
        return CoverageRecord.from_json(stored)
    except TypeError:  # a field missing
        return None


def _number(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def history(
    project: str | None = typer.Option(None, "--project", help="Only runs of this project folder."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show the latest N runs."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Coverage trend across runs (needs production mode to span processes)."""
    from pathlib import Path

    wanted = str(Path(project).resolve()) if project else None

    skipped: list[str] = []

    async def work(memory: MemoryBackend) -> list[dict[str, Any]]:
        reports = await memory.search(REPORT_PATTERN)
        verdicts = await memory.search(VERDICT_PATTERN)
        rows = []
        for key, stored in reports.items():
            report = _read_report(stored)
            if report is None:
                skipped.append(key)
                continue
            if wanted and report.project != wanted:
                continue
            verdict = verdicts.get(verdict_key(run_id_of(key)))
            rows.append(_history_row(run_id_of(key), report, verdict))
        return rows[-limit:]

    rows = run_async(_with_memory(work))
    if skipped:
        err_console.print(
            f"[yellow]note:[/] skipped {len(skipped)} malformed coverage records (not a coverage report): "
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
