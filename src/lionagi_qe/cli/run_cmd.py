"""`aqe run PATH`: run the fleet on a Python project, report, and gate.

    aqe run examples/sample_project               # development mode, offline, live progress + summary
    aqe run . --venv .venv --coverage-threshold 90 --pytest-args "-m 'not slow'"
    aqe run . --json > report.json                # schema aqe.run/1 (docs/fleet.md)

Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error or
a project that cannot be analysed (missing path, no tests, syntax error,
test modules that cannot be imported).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lionagi_qe.cli.common import EXIT_USAGE, console, err_console, fail, run_async

if TYPE_CHECKING:
    from lionagi_qe.fleet import RunOptions
    from lionagi_qe.core.task import AgentResult

_MARK = {"ok": "[green]✓[/]", "skipped": "[yellow]-[/]", "failed": "[red]✗[/]"}


def run(
    path: str = typer.Argument(".", help="Folder of the Python project (or a source folder inside it)."),
    python: Optional[str] = typer.Option(None, "--python", help="Interpreter that runs the project's tests (default: the one running aqe)."),
    venv: Optional[str] = typer.Option(None, "--venv", help="The project's virtualenv; its bin/python runs the tests."),
    coverage_threshold: float = typer.Option(80.0, "--coverage-threshold", min=0, max=100, help="Gate: least total coverage in percent (coverage report's Cover)."),
    max_failures: int = typer.Option(0, "--max-failures", min=0, help="Gate: failing, erroring or timed-out tests allowed."),
    max_flaky: int = typer.Option(0, "--max-flaky", min=0, help="Gate: flaky tests allowed (failed, then passed when re-run)."),
    test_timeout: float = typer.Option(60.0, "--test-timeout", min=0, help="Seconds each test may take (0: no limit)."),
    pytest_args: str = typer.Option("", "--pytest-args", help="Extra pytest arguments for the suite, e.g. \"-m 'not slow'\"."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Folder for generated tests (default PATH/.aqe/generated); files there are never overwritten."),
    no_generate: bool = typer.Option(False, "--no-generate", help="Measure and gate only; write no tests."),
    max_gaps: int = typer.Option(5, "--max-gaps", min=0, help="How many of the riskiest gaps to write tests for."),
    model: Optional[str] = typer.Option(None, "--model", help="Model for test generation (needs AQE_LLM_API_KEY or AQE_LLM_BASE_URL)."),
    llm_timeout: float = typer.Option(60.0, "--llm-timeout", min=1, help="Seconds to wait for each model reply."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (schema aqe.run/1) and nothing else."),
) -> None:
    """Run the fleet (test-executor, coverage-analyzer, test-generator, quality-gate) on PATH."""
    from lionagi_qe.fleet import RunOptions

    try:
        extra_args = shlex.split(pytest_args)
    except ValueError as exc:
        fail(f"--pytest-args cannot be split like a shell line ({exc}); check its quotes")
    options = RunOptions(
        code_path=path, python=python, venv=venv, coverage_threshold=coverage_threshold,
        max_failures=max_failures, max_flaky=max_flaky, test_timeout=test_timeout, pytest_args=extra_args,
        generate=not no_generate, max_gaps=max_gaps, output_dir=str(output) if output else None,
        llm_timeout=llm_timeout,
    )  # fmt: skip
    report = run_async(_run(options, model, as_json))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        _print_report(report)
    if report["error"]:
        err_console.print(f"[bold red]error:[/] {escape(report['error']['message'])}", highlight=False, soft_wrap=True)
    raise typer.Exit(report["exit_code"])


async def _run(options: RunOptions, model_name: str | None, quiet: bool) -> dict[str, Any]:
    from lionagi_qe.fleet import run_fleet
    from lionagi_qe.core.orchestrator import QEOrchestrator
    from lionagi_qe.core.router import ModelRouter, TaskComplexity

    router = ModelRouter(models=dict.fromkeys(TaskComplexity, model_name) if model_name else None)
    if model_name and not router.online:
        fail(f"--model {model_name} needs a model endpoint: set AQE_LLM_API_KEY (or OPENAI_API_KEY) or AQE_LLM_BASE_URL", EXIT_USAGE)
    orchestrator = QEOrchestrator(router=router)
    async with orchestrator:
        if quiet:
            return await run_fleet(orchestrator, options)
        mode = orchestrator.storage_config.mode.value if orchestrator.storage_config else "custom"
        console.print(f"[bold]aqe run[/] {options.code_path}  ({mode} mode, {'model ' + model_name if model_name else 'model from environment' if router.online else 'offline'})")
        with Progress(SpinnerColumn(finished_text=" "), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
            tasks: dict[str, Any] = {}

            def on_progress(agent_id: str, phase: str, result: AgentResult | None) -> None:
                if phase == "start":
                    tasks[agent_id] = progress.add_task(f"{agent_id}: running", total=1)
                elif result is not None:
                    progress.update(tasks[agent_id], completed=1, description=f"{_MARK[result.status]} {agent_id}: {escape(result.summary)}")

            return await run_fleet(orchestrator, options, on_progress=on_progress)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _print_report(report: dict[str, Any]) -> None:
    agents = Table(title=f"run {report['run_id']}", title_justify="left")
    for column in ("agent", "status", "summary", "time"):
        agents.add_column(column, overflow="fold")
    for agent_id, info in report["agents"].items():
        agents.add_row(agent_id, f"{_MARK[info['status']]} {info['status']}", escape(info["summary"]), f"{info['duration_s']:.1f}s")
    console.print(agents)
    coverage, generation = report["coverage"], report["generation"]
    if coverage:
        after = (generation or {}).get("coverage_after") or {}
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
            console.print(f"trend: {trend['delta']:+.2f} points since run {trend['previous_run']} ({trend['runs_seen']} earlier run(s) in memory)")
    if report["gaps"]:
        gaps = Table(title="riskiest gaps", title_justify="left")
        for column in ("function", "where", "missing lines", "missing branches", "risk"):
            gaps.add_column(column, overflow="fold")
        for gap in report["gaps"][:5]:
            branches = ", ".join(f"{a}->{'exit' if b < 0 else b}" for a, b in gap["missing_branches"])
            gaps.add_row(escape(gap["qualname"]), escape(f"{gap['file']}:{gap['lineno']}"), ", ".join(map(str, gap["missing_lines"])), branches, f"{gap['risk']:g}")
        console.print(gaps)
    if generation and generation["status"] == "ok":
        for kept in generation["kept"]:
            console.print(f"[green]kept[/] {escape(kept['file'])}  ({kept['origin']}, {escape(kept['gap'])})", highlight=False)
        for fallback in generation["fallbacks"]:
            console.print(f"[yellow]fallback[/] {escape(fallback['gap'])}: {escape(fallback['reason'])}; used the offline engine", highlight=False)
    tests = report["tests"]
    if tests:
        for failing in tests["failing"][:10]:
            console.print(f"[red]{failing['outcome']}[/] {escape(failing['nodeid'])}: {escape(failing['message'][:200])}", highlight=False)
    if report["gate"]:
        word = "[bold green]PASSED[/]" if report["gate"]["passed"] else "[bold red]FAILED[/]"
        console.print(f"quality gate {word}")
        for reason in report["gate"]["reasons"]:
            console.print(f"  - {escape(reason)}", highlight=False)
    keys = [k for info in report["agents"].values() for k in info["stored_keys"]]
    if keys:
        console.print(f"stored {len(keys)} results in memory under aqe/*/{report['run_id']}/ (browse: aqe memory ls aqe/)", highlight=False)
    if report["mode"] in ("development", "testing"):
        console.print(
            f"[dim]{report['mode']} mode: memory lives in this process only; set AQE_STORAGE_MODE=production "
            "and DATABASE_URL to keep runs for `aqe history` and `aqe memory`[/]"
        )
