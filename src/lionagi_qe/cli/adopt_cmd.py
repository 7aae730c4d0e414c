"""`aqe adopt [RUN]`: move a run's kept tests into the project's test folder, so the next run counts them.

    aqe adopt                    # the latest run of the project in the working folder
    aqe adopt RUN --project app  # a given run of another project
    aqe adopt --to tests/unit    # another destination (default tests/ or test/, else where the tests are)

Nothing is overwritten: a taken name gets `_2`, `_3`, ...; a test already
adopted (same content) is not copied again. Exit 0; 2 when the run is not
on disk.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from lionagi_qe.analysis.adoption import adopt_tests, suite_folder
from lionagi_qe.cli.common import console, fail
from lionagi_qe.cli.project_settings import read_project_config
from lionagi_qe.cli.render_markdown import relative
from lionagi_qe.cli.run_files import load_report
from lionagi_qe.errors import QEError


def adopt(
    run_id: str | None = typer.Argument(None, help="The run whose kept tests to adopt (default: the latest on disk)."),
    project: str = typer.Option(".", "--project", help="The project folder (as given to `aqe run`)."),
    to: str | None = typer.Option(None, "--to", help="Test folder to move them into (default: see above)."),
) -> None:
    """Move a run's kept tests into the project's test folder (never overwriting a file)."""
    try:
        root = read_project_config(project).root
        saved = load_report(root, run_id)
    except QEError as exc:
        fail(str(exc))
    kept = ((saved.get("generation") or {}).get("kept")) or []
    if not kept:
        console.print(f"run {saved['run_id']} kept no tests: nothing to adopt", highlight=False)
        return
    folder = Path(to).expanduser().resolve() if to else suite_folder(root)
    for adopted in adopt_tests([Path(k["file"]) for k in kept], folder):
        source = escape(relative(str(adopted.source), str(root)))
        if adopted.destination is None:
            line = f"[yellow]missing[/] {source} (adopted or deleted since run {saved['run_id']})"
        else:
            destination = escape(relative(str(adopted.destination), str(root)))
            line = f"[green]{adopted.outcome}[/] {source} -> {destination}"
        console.print(line, highlight=False, soft_wrap=True)
