"""Shared pieces of the `aqe` commands: consoles, failing with a message, running coroutines.

    @app.command()
    def config() -> None:
        run_async(_show_config())     # QEError -> message on stderr, exit 2

`console` and `err_console` wrap at the terminal's width on a terminal;
writing to a file or a pipe (CI logs, `> out.txt`) they never wrap, so paths
and tables stay whole, and print no colours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

from lionagi_qe.errors import QEError
from lionagi_qe.fleet.report import ExitCode

NO_TERMINAL_WIDTH = 10_000
"""Columns when not writing to a terminal: wide enough that nothing wraps."""


class UnwrappedConsole(Console):
    """A rich Console that wraps at the terminal's width, and not at all when its output is not a terminal."""

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size; off a terminal, NO_TERMINAL_WIDTH columns."""
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(NO_TERMINAL_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self.width, self.height = new_size


console = UnwrappedConsole()
err_console = UnwrappedConsole(stderr=True)

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
