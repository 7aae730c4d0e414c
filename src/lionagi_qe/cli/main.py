"""`aqe`: the fleet's command line (typer + rich). Reads a `.env` file in the working directory.

    aqe config             # detected storage mode and its description, the fleet settings and their origin
    aqe config --check     # also connect (production) and report the server
    aqe --version

Help is plain text (options and flags as pytest and coverage show theirs).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import typer
from dotenv import find_dotenv, load_dotenv

from lionagi_qe.cli import adopt_cmd, config_cmd, mcp_cmd, memory_cmd, report_cmd, run_cmd, worker_cmd

app = typer.Typer(
    name="aqe",
    help="lionagi-qe-fleet: an agentic quality-engineering fleet for Python projects.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _show_version(wanted: bool) -> None:
    if wanted:
        try:
            installed = version("lionagi-qe-fleet")
        except PackageNotFoundError:
            installed = "(not installed: run from a source tree)"
        typer.echo(f"aqe (lionagi-qe-fleet) {installed}")
        raise typer.Exit()


@app.callback()
def _load_environment(
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Load .env (without overriding variables already set)."""
    load_dotenv(find_dotenv(usecwd=True), override=False)


app.command("config", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
    config_cmd.config
)
app.command("run", cls=run_cmd.RunCommand)(run_cmd.run)
app.add_typer(memory_cmd.app, name="memory")
app.command("history")(memory_cmd.history)
app.command("report")(report_cmd.report)
app.command("adopt")(adopt_cmd.adopt)
app.command("mcp")(mcp_cmd.mcp)
app.command("worker")(worker_cmd.worker)
