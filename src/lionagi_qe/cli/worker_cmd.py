"""`aqe worker`: run fleet jobs from the PostgreSQL queue (production mode), or report on that queue.

    aqe worker                                   # one job at a time, every queue, until SIGTERM / Ctrl-C
    aqe worker --concurrency 4 --queues tests    # four at once, test shards and flaky re-runs only
    aqe worker --check                           # waiting, running, failed jobs and live workers
    aqe worker --check --json

Same DATABASE_URL and AQE_DB_SCHEMA as the runs. On SIGTERM the worker takes
no new job, gives running ones --grace seconds to finish, then puts them
back in the queue for another worker.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import typer
from rich.table import Table

from lionagi_qe.cli.common import console, fail, run_async
from lionagi_qe.config import StorageConfig

WORKERS_EXTRA = "pip install 'lionagi-qe-fleet[workers]'"
_QUEUES = typer.Option(
    None, "--queues", "-q",
    help="Queues to take jobs from (repeat; default all): 'tests' (test shards, flaky re-runs), 'generation' "
    "(generated tests' verification and confirmation), 'mutants' (mutant batches).",
)


def worker(
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Jobs this worker runs at once."),
    queues: list[str] | None = _QUEUES,
    name: str | None = typer.Option(None, "--name", help="Name shown in reports (default host:pid)."),
    grace: float = typer.Option(
        60.0, "--grace", min=0, help="Seconds running jobs may take to finish after SIGTERM before they are requeued."
    ),
    cache: str | None = typer.Option(
        None, "--cache", help="Folder for --from-git checkouts (default $AQE_WORKER_CACHE or ~/.cache/aqe/checkouts)."
    ),
    check: bool = typer.Option(False, "--check", help="Report the queue (jobs per state, live workers) and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --check: print the report as JSON."),
) -> None:
    """Run fleet jobs (the heavy work of `aqe run --distributed`) from the PostgreSQL queue."""
    try:
        from lionagi_qe.workers import queue_report, serve
        from lionagi_qe.workers.project_source import CACHE_VARIABLE
    except ModuleNotFoundError as exc:
        fail(f"aqe worker needs {exc.name}: {WORKERS_EXTRA}")
    config = run_async(_config())
    if check:
        report = run_async(queue_report(config))
        typer.echo(json.dumps(report, indent=2)) if as_json else _print_check(report)
        return
    if cache:
        import os

        os.environ[CACHE_VARIABLE] = cache
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console.print(f"[bold]aqe worker[/] {config.get_description()}; concurrency {concurrency}; Ctrl-C or SIGTERM stops")
    run_async(serve(config, concurrency=concurrency, queues=queues, name=name, grace=grace))


async def _config() -> StorageConfig:
    return StorageConfig.from_environment()


def _print_check(report: dict[str, Any]) -> None:
    table = Table(title=f"job queue {report['schema']}", title_justify="left")
    for column in ("waiting", "running", "failed", "live workers", "stalled workers"):
        table.add_column(column, justify="right")
    table.add_row(*(str(report[k]) for k in ("waiting", "running", "failed", "live_workers", "stalled_workers")))
    console.print(table)
