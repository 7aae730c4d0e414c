"""`aqe report [RUN]`: a finished run's report again, in any format, or as an HTML site.

    aqe report                          # the latest run of the project in the working folder, as text
    aqe report RUN --format markdown    # text, json, markdown or github, as `aqe run --format` prints them
    aqe report --html site/             # site/index.html: verdict, coverage, trend chart, gaps, kept tests;
                                        # site/coverage/: coverage.py's pages for the run (suite plus kept tests)

The run's report and coverage data are read from PROJECT/.aqe/runs/<run>/
(kept for the newest `--keep-runs` runs). The trend covers every run of the
project in memory (production mode keeps them across processes) and on
disk. Exit 0; 2 when the run or its data is not there.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from lionagi_qe.analysis.coverage_html import write_coverage_html
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.cli.common import console, fail
from lionagi_qe.cli.memory_cmd import history_rows
from lionagi_qe.cli.project_settings import configured_storage, read_project_config
from lionagi_qe.cli.render_html import html_front_page
from lionagi_qe.cli.run_cmd import emit
from lionagi_qe.cli.run_files import load_report, run_path, saved_reports
from lionagi_qe.cli.run_output import OutputFormat, Style
from lionagi_qe.cli.trend_chart import TrendPoint
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import QEError
from lionagi_qe.storage.factory import create_memory

MAX_TREND_RUNS = 200


def report(
    run_id: str | None = typer.Argument(None, help="The run (default: the project's latest run on disk)."),
    project: str = typer.Option(".", "--project", help="The project folder (as given to `aqe run`)."),
    html: str | None = typer.Option(
        None, "--html", help="Write an HTML report into this folder (index.html, coverage.py's pages in coverage/)."
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", help="Without --html: print the report as text, json, markdown or github."
    ),
) -> None:
    """Show a finished run's report again (any --format), or write it as HTML with the coverage trend."""
    try:
        config = read_project_config(project)
        saved = load_report(config.root, run_id)
        if html is None:
            emit(saved, Style(output_format))
            return
        index = write_html(saved, config.root, Path(html), configured_storage(config))
    except QEError as exc:
        fail(str(exc))
    console.print(f"wrote {escape(str(index))}", highlight=False, soft_wrap=True)


def write_html(saved: dict[str, Any], root: Path, out_dir: Path, storage: StorageMode | None) -> Path:
    """The front page and coverage.py's pages of one saved report into `out_dir`; returns the front page."""
    folder = run_path(root, saved["run_id"])
    data_file, measured = folder / "generation" / "after.coverage", "suite plus kept tests"
    if not data_file.is_file():
        data_file, measured = folder / ".coverage", "suite"
    if not data_file.is_file():
        raise QEError(f"the coverage data of run {saved['run_id']} is gone ({data_file}); run `aqe run` again")
    target = inspect_project(root, check_syntax=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_coverage_html(data_file, target, out_dir / "coverage", title=f"aqe run {saved['run_id']}: {measured}")
    trend = trend_points(root, storage)
    page = html_front_page(saved, trend, coverage_href="coverage/index.html", measured=measured)
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def trend_points(root: Path, storage: StorageMode | None) -> list[TrendPoint]:
    """Every run of the project with a coverage figure, from memory and from disk, oldest first."""
    rows = asyncio.run(_memory_rows(str(root), storage))
    points = {row["run_id"]: (row["coverage"], row["gate"]) for row in rows if row["coverage"] is not None}
    for saved in saved_reports(root):
        if saved.get("coverage"):
            gate = None if saved["gate"] is None else ("passed" if saved["gate"]["passed"] else "failed")
            points[saved["run_id"]] = (saved["coverage"]["percent"], gate)
    return [TrendPoint(run, *points[run]) for run in sorted(points)]


async def _memory_rows(project: str, storage: StorageMode | None) -> list[dict[str, Any]]:
    memory = create_memory(StorageConfig.from_environment(mode=storage))
    await memory.connect()
    try:
        return await history_rows(memory, project, MAX_TREND_RUNS)
    finally:
        await memory.disconnect()
