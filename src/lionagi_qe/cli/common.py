"""Shared pieces of the `aqe` commands: consoles, failing with a message, running coroutines.

    @app.command()
    def config() -> None:
        run_async(_show_config())     # QEError -> message on stderr, exit 2
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lionagi_qe.errors import QEError
from lionagi_qe.fleet.report import ExitCode

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    """Print `message` on stderr and exit with `code` (2: usage or configuration error)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; the project's own errors become a clear message and exit code 2."""
    try:
        return asyncio.run(coro)
    except QEError as exc:
        fail(str(exc))
