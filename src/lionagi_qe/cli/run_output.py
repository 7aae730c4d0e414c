"""How `aqe run` and `aqe report` speak: the report format, how much they say, and errors in either.

    style = choose_style(settings)               # from --format/--json/-q/-v after [tool.aqe]
    style.format                                 # OutputFormat.TEXT, JSON, MARKDOWN or GITHUB
    fail_run("'x' does not exist; ...", style)   # JSON formats: an aqe.run/1 error document on stdout too; exit 2

`--json` is `--format json`. With `--format json` or `markdown`, stdout holds
the document only; messages go to stderr. An error is one line on stderr
(exit 2); with `--format json` an `aqe.run/1` document with `error` set is
printed as well, so a CI step reading stdout always gets JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, NoReturn

import typer
from rich.markup import escape

from lionagi_qe.cli.common import err_console
from lionagi_qe.cli.project_settings import COMMAND_LINE, DEFAULT, Setting
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.fleet.report import ExitCode, error_report


class OutputFormat(str, Enum):
    """What `aqe run --format` prints on stdout."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


QUIET, NORMAL, VERBOSE = -1, 0, 1


@dataclass(frozen=True)
class Style:
    """The chosen format and verbosity (QUIET, NORMAL or VERBOSE)."""

    format: OutputFormat = OutputFormat.TEXT
    verbosity: int = NORMAL

    @property
    def document(self) -> bool:
        """Whether stdout holds one document only (JSON or markdown): no progress, no summary."""
        return self.format in (OutputFormat.JSON, OutputFormat.MARKDOWN)

    @property
    def progress(self) -> bool:
        """Whether to show the agents' progress (text and github formats, unless quiet)."""
        return not self.document and self.verbosity > QUIET


def choose_style(settings: Mapping[str, Setting]) -> Style:
    """The style the `output_format`, `as_json`, `quiet` and `verbose` settings ask for; contradictions refused."""
    chosen = OutputFormat(settings["output_format"].value)
    as_json = settings["as_json"]
    if as_json.value and chosen is not OutputFormat.JSON:
        chosen = _json_or_format(as_json, settings["output_format"], chosen)
    quiet, verbose = settings["quiet"].value, settings["verbose"].value
    if quiet and verbose:
        raise ConfigurationError("-q/--quiet and -v/--verbose contradict each other; pass one of them")
    return Style(chosen, QUIET if quiet else VERBOSE if verbose else NORMAL)


def _json_or_format(as_json: Setting, output_format: Setting, chosen: OutputFormat) -> OutputFormat:
    """`--json` beside another format: the one set closer to the command line wins; a tie is an error."""
    if output_format.origin == DEFAULT:
        return OutputFormat.JSON
    json_rank, format_rank = (int(s.origin == COMMAND_LINE) for s in (as_json, output_format))
    if json_rank == format_rank:
        raise ConfigurationError(
            f"--json means --format json, but --format is {chosen.value}; pass one of them"
        )
    return OutputFormat.JSON if json_rank > format_rank else chosen


def wants_json(params: Mapping[str, Any]) -> bool:
    """Whether parsed `aqe run` parameters ask for JSON (used before the style can be chosen)."""
    chosen = params.get("output_format")
    return bool(params.get("as_json")) or getattr(chosen, "value", chosen) == OutputFormat.JSON.value


def fail_run(
    message: str,
    as_json: bool,
    *,
    kind: str = "usage",
    code: int = ExitCode.ERROR,
    **fields: Any,
) -> NoReturn:
    """One error line on stderr (and the JSON error document on stdout when `as_json`), then exit `code`."""
    if as_json:
        typer.echo(json.dumps(error_report(message, kind=kind, code=code, **fields), indent=2))
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
