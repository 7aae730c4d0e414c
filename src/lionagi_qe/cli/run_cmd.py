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
from collections.abc import Awaitable, Callable
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
    llm_attempts: int = typer.Option(
        _DEFAULT.llm_attempts, "--llm-attempts", min=1,
        help="Model replies per gap, each after feedback on the one before (its failures, the lines it missed).",
    ),
    llm_concurrency: int = typer.Option(
        _DEFAULT.llm_concurrency, "--llm-concurrency", min=1, help="Gaps the model works on at once."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the report as JSON (schema aqe.run/1) and nothing else."
    ),
    distributed: bool = typer.Option(
        _DEFAULT.distributed, "--distributed",
        help="Run the suite as test-file shards on `aqe worker` processes (production mode; docs/scaling.md).",
    ),
    from_git: str | None = typer.Option(
        _DEFAULT.from_git, "--from-git", help="With --distributed: workers check out URL@COMMIT instead of PATH."
    ),
    shards: int = typer.Option(
        _DEFAULT.shards, "--shards", min=0, help="With --distributed: shards (0: twice the live workers)."
    ),
    worker_wait: float = typer.Option(
        _DEFAULT.worker_wait, "--worker-wait", min=0,
        help="With --distributed: seconds to wait with no live worker before giving up.",
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
        llm_timeout=llm_timeout, llm_attempts=llm_attempts, llm_concurrency=llm_concurrency,
        distributed=distributed, from_git=from_git, shards=shards, worker_wait=worker_wait,
    )
    if (from_git or shards) and not distributed:
        fail("--from-git and --shards go with --distributed")
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
    router.check()
    orchestrator = QEOrchestrator(router=router)
    async with orchestrator:
        runner = _distributed_runner() if options.distributed else None
        if quiet:
            return await runner(orchestrator, options) if runner else await run_fleet(orchestrator, options)
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

            if runner:
                return await runner(orchestrator, options, on_progress=on_progress, on_shard=_shard_progress(progress))
            return await run_fleet(orchestrator, options, on_progress=on_progress)


def _distributed_runner() -> Callable[..., Awaitable[dict[str, Any]]]:
    try:
        from lionagi_qe.fleet.distributed import run_distributed
    except ModuleNotFoundError as exc:
        fail(f"--distributed needs {exc.name}: pip install 'lionagi-qe-fleet[workers]'")
    return run_distributed


def _shard_progress(progress: Progress) -> Any:
    """A line per shard: queued, running on which worker, done or failed."""
    tasks: dict[str, Any] = {}

    def on_shard(key: str, phase: str, info: dict[str, Any]) -> None:
        if key not in tasks:
            tasks[key] = progress.add_task(f"  {key}: queued", total=1)
        if phase == "running":
            progress.update(tasks[key], description=f"  {key}: running on {escape(str(info['name']))} "
                            f"(attempt {info['attempt']})")
        elif phase in ("done", "failed"):
            result = info.get("result") or {}
            what = f"{len(result.get('tests', []))} tests" if phase == "done" else escape(str(info.get("error")))[:160]
            mark = _MARK["ok" if phase == "done" else "failed"]
            progress.update(tasks[key], completed=1, description=f"  {mark} {key}: {what} on {info['worker']['name']}")

    return on_shard


def print_report(report: dict[str, Any]) -> None:
    """The human summary of an `aqe.run/1` report, one section after another."""
    for section in (_agents, _distributed, _coverage, _gaps, _generation, _failing_tests, _gate, _where_stored):
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


def _distributed(report: dict[str, Any]) -> None:
    distributed = report.get("distributed")
    if not distributed:
        return
    for shard in distributed["shards"]:
        files = f"{len(shard['files'])} file(s)" + (" + the rest" if shard["takes_the_rest"] else "")
        _print(f"{shard['shard']}: {files}, {shard['tests']} tests on {escape(str(shard['worker']))} "
               f"(attempt {shard['attempts']})")
    if distributed.get("note"):
        console.print(f"[dim]{escape(distributed['note'])}[/]")


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
    calls = generation.get("model_calls")
    if calls:
        line = f"model: {calls['requests']} request(s), {calls['answered']} answered"
        line += f", {calls['retries']} retried by LionAGI"
        _print(escape(line + (f"; {calls['stopped']}" if calls["stopped"] else "")))


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
