"""`aqe run PATH`: run the fleet on a Python project, report, and gate.

    aqe run examples/sample_project               # development mode, offline, live progress + summary
    aqe run . --venv .venv --coverage-threshold 90 --pytest-args "-m 'not slow'"
    aqe run . --json > report.json                # schema aqe.run/1 (docs/fleet.md)

Exit codes (`lionagi_qe.fleet.ExitCode`): 0 gate passed, 1 gate failed, 2
usage or configuration error or a project that cannot be analysed (missing
path, no tests, syntax error, test modules that cannot be imported).
Every option's default is `RunOptions`'s.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lionagi_qe.cli.common import console, err_console, fail, run_async
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.core.router import ModelRouter, TaskComplexity
from lionagi_qe.core.task import AgentResult
from lionagi_qe.fleet import RunOptions, run_fleet

_MARK = {"ok": "[green]✓[/]", "skipped": "[yellow]-[/]", "failed": "[red]✗[/]"}
_DEFAULT = RunOptions()
_DEFAULT_PYTEST_ARGS = shlex.join(_DEFAULT.pytest_args)
MAX_GAPS_SHOWN = 5
MAX_FAILING_SHOWN = 10
MAX_REJECTIONS_SHOWN = 10


def run(
    path: str = typer.Argument(_DEFAULT.code_path, help="Folder of the Python project (or a source folder inside it)."),
    python: str | None = typer.Option(
        _DEFAULT.python, "--python", help="Interpreter that runs the project's tests (default: the one running aqe)."
    ),
    venv: str | None = typer.Option(
        _DEFAULT.venv, "--venv", help="The project's virtualenv; its bin/python runs the tests."
    ),
    coverage_threshold: float = typer.Option(
        _DEFAULT.coverage_threshold, "--coverage-threshold", min=0, max=100,
        help="Gate: least total coverage in percent (coverage report's Cover).",
    ),
    max_failures: int = typer.Option(
        _DEFAULT.max_failures, "--max-failures", min=0, help="Gate: failing, erroring or timed-out tests allowed."
    ),
    max_flaky: int = typer.Option(
        _DEFAULT.max_flaky, "--max-flaky", min=0, help="Gate: flaky tests allowed (failed, then passed when re-run)."
    ),
    test_timeout: float = typer.Option(
        _DEFAULT.test_timeout, "--test-timeout", min=0, help="Seconds each test may take (0: no limit)."
    ),
    pytest_args: str = typer.Option(
        _DEFAULT_PYTEST_ARGS, "--pytest-args",
        help="Extra pytest arguments for the suite, e.g. \"-m 'not slow'\".",
    ),
    output: str | None = typer.Option(
        _DEFAULT.output_dir, "--output", "-o",
        help="Folder for generated tests (default PATH/.aqe/generated); files there are never overwritten.",
    ),
    no_generate: bool = typer.Option(
        not _DEFAULT.generate, "--no-generate", help="Measure and gate only; write no tests."
    ),
    max_gaps: int = typer.Option(
        _DEFAULT.max_gaps, "--max-gaps", min=0, help="How many of the riskiest gaps to write tests for."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Model for test generation (needs AQE_LLM_API_KEY or AQE_LLM_BASE_URL)."
    ),
    llm_timeout: float = typer.Option(
        _DEFAULT.llm_timeout, "--llm-timeout", min=1, help="Seconds to wait for each model reply."
    ),
    budget: float = typer.Option(
        _DEFAULT.budget, "--budget", min=1, help="Seconds the test generator may spend (search and verification)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the report as JSON (schema aqe.run/1) and nothing else."
    ),
) -> None:
    """Run the fleet (test-executor, coverage-analyzer, test-generator, quality-gate) on PATH."""
    try:
        extra_args = tuple(shlex.split(pytest_args))
    except ValueError as exc:
        fail(f"--pytest-args cannot be split like a shell line ({exc}); check its quotes")
    options = RunOptions(
        code_path=path, python=python, venv=venv, coverage_threshold=coverage_threshold,
        max_failures=max_failures, max_flaky=max_flaky, test_timeout=test_timeout, pytest_args=extra_args,
        generate=not no_generate, max_gaps=max_gaps, output_dir=output,
        llm_timeout=llm_timeout, budget=budget,
    )
    report = run_async(_run(options, model, as_json))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        print_report(report)
    if report["error"]:
        err_console.print(f"[bold red]error:[/] {escape(report['error']['message'])}", highlight=False, soft_wrap=True)
    raise typer.Exit(report["exit_code"])


async def _run(options: RunOptions, model_name: str | None, quiet: bool) -> dict[str, Any]:
    router = ModelRouter(models=dict.fromkeys(TaskComplexity, model_name) if model_name else None)
    if model_name and not router.online:
        fail(
            f"--model {model_name} needs a model endpoint: "
            "set AQE_LLM_API_KEY (or OPENAI_API_KEY) or AQE_LLM_BASE_URL"
        )
    orchestrator = QEOrchestrator(router=router)
    async with orchestrator:
        if quiet:
            return await run_fleet(orchestrator, options)
        mode = orchestrator.storage_config.mode.value if orchestrator.storage_config else "custom"
        source = f"model {model_name}" if model_name else "model from environment" if router.online else "offline"
        console.print(f"[bold]aqe run[/] {options.code_path}  ({mode} mode, {source})")
        columns = (SpinnerColumn(finished_text=" "), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            tasks: dict[str, Any] = {}

            def on_progress(agent_id: str, phase: str, result: AgentResult | None) -> None:
                if phase == "start":
                    tasks[agent_id] = progress.add_task(f"{agent_id}: running", total=1)
                elif result is not None:
                    line = f"{_MARK[result.status]} {agent_id}: {escape(result.summary)}"
                    progress.update(tasks[agent_id], completed=1, description=line)

            return await run_fleet(orchestrator, options, on_progress=on_progress)


def print_report(report: dict[str, Any]) -> None:
    """The human summary of an `aqe.run/1` report, one section after another."""
    for section in (_agents, _coverage, _gaps, _generation, _failing_tests, _gate, _where_stored):
        section(report)


def _print(text: str) -> None:
    console.print(text, highlight=False)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _agents(report: dict[str, Any]) -> None:
    table = Table(title=f"run {report['run_id']}", title_justify="left")
    for column in ("agent", "status", "summary", "time"):
        table.add_column(column, overflow="fold")
    for agent_id, info in report["agents"].items():
        status = f"{_MARK[info['status']]} {info['status']}"
        table.add_row(agent_id, status, escape(info["summary"]), f"{info['duration_s']:.1f}s")
    console.print(table)


def _coverage(report: dict[str, Any]) -> None:
    coverage = report["coverage"]
    if not coverage:
        return
    after = (report["generation"] or {}).get("coverage_after") or {}
    table = Table(title="coverage (as `coverage report` counts it)", title_justify="left")
    for column in ("", "suite", "with kept tests"):
        table.add_column(column, justify="right")
    table.add_row("total (Cover)", _percent(coverage["percent"]), _percent(after.get("percent")))
    table.add_row("lines", _percent(coverage["line_percent"]), _percent(after.get("line_percent")))
    table.add_row("branches", _percent(coverage["branch_percent"]), _percent(after.get("branch_percent")))
    table.add_row("functions", _percent(coverage["function_percent"]), "")
    console.print(table)
    trend = coverage["trend"]
    if trend["previous_run"]:
        console.print(
            f"trend: {trend['delta']:+.2f} points since run {trend['previous_run']} "
            f"({trend['runs_seen']} earlier run(s) in memory)"
        )


def _gaps(report: dict[str, Any]) -> None:
    if not report["gaps"]:
        return
    table = Table(title="riskiest gaps", title_justify="left")
    for column in ("function", "where", "missing lines", "missing branches", "risk"):
        table.add_column(column, overflow="fold")
    for gap in report["gaps"][:MAX_GAPS_SHOWN]:
        branches = ", ".join(f"{a}->{'exit' if b < 0 else b}" for a, b in gap["missing_branches"])
        lines = ", ".join(map(str, gap["missing_lines"]))
        where = escape(f"{gap['file']}:{gap['lineno']}")
        table.add_row(escape(gap["qualname"]), where, lines, branches, f"{gap['risk']:g}")
    console.print(table)


def _generation(report: dict[str, Any]) -> None:
    generation = report["generation"]
    if not generation or generation["status"] != "ok":
        return
    for kept in generation["kept"]:
        _print(f"[green]kept[/] {escape(kept['file'])}  ({kept['origin']}, {escape(kept['gap'])})")
    for fallback in generation["fallbacks"]:
        _print(f"[yellow]fallback[/] {escape(fallback['gap'])}: {escape(fallback['reason'])}; used the offline engine")
    _generation_why(generation)


def _generation_why(generation: dict[str, Any]) -> None:
    """Why candidates were rejected, the generator's notes, and possible bugs it ran into."""
    rejections = generation.get("rejections", [])
    for rejection in rejections[:MAX_REJECTIONS_SHOWN]:
        _print(f"[dim]rejected[/] {escape(rejection['gap'])} ({rejection['origin']}): {escape(rejection['reason'])}")
    if len(rejections) > MAX_REJECTIONS_SHOWN:
        _print(f"[dim]... and {len(rejections) - MAX_REJECTIONS_SHOWN} more rejected (see --json)[/]")
    for note in generation.get("notes", []):
        _print(f"[dim]note[/] {escape(note)}")
    for bug in generation.get("possible_bugs", []):
        where = f" at {bug['where']}" if bug["where"] else ""
        _print(f"[bold yellow]possible bug[/] {escape(bug['call'])} raised {escape(bug['exception'])}{where}")


def _failing_tests(report: dict[str, Any]) -> None:
    for failing in (report["tests"] or {}).get("failing", [])[:MAX_FAILING_SHOWN]:
        _print(f"[red]{failing['outcome']}[/] {escape(failing['nodeid'])}: {escape(failing['message'][:200])}")


def _gate(report: dict[str, Any]) -> None:
    if not report["gate"]:
        return
    word = "[bold green]PASSED[/]" if report["gate"]["passed"] else "[bold red]FAILED[/]"
    console.print(f"quality gate {word}")
    for reason in report["gate"]["reasons"]:
        _print(f"  - {escape(reason)}")


def _where_stored(report: dict[str, Any]) -> None:
    keys = [k for info in report["agents"].values() for k in info["stored_keys"]]
    if keys:
        _print(f"stored {len(keys)} results in memory under aqe/*/{report['run_id']}/ (browse: aqe memory ls aqe/)")
    if report["mode"] in ("development", "testing"):
        console.print(
            f"[dim]{report['mode']} mode: memory lives in this process only; set AQE_STORAGE_MODE=production "
            "and DATABASE_URL to keep runs for `aqe history` and `aqe memory`[/]"
        )
