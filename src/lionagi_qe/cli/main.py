"""`aqe`: the fleet's command line (typer + rich). Reads a `.env` file in the working directory.

    aqe config             # detected storage mode and its description
    aqe config --check     # also connect (production) and report the server
"""

from __future__ import annotations

import typer
from dotenv import find_dotenv, load_dotenv

from lionagi_qe.cli import config_cmd, memory_cmd, run_cmd, worker_cmd

app = typer.Typer(
    name="aqe",
    help="lionagi-qe-fleet: an agentic quality-engineering fleet for Python projects.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _load_environment() -> None:
    """Load .env (without overriding variables already set)."""
    load_dotenv(find_dotenv(usecwd=True), override=False)


app.command("config")(config_cmd.config)
app.command("run")(run_cmd.run)
app.add_typer(memory_cmd.app, name="memory")
app.command("history")(memory_cmd.history)
app.command("worker")(worker_cmd.worker)
