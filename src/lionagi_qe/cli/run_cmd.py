"""`aqe run PATH`: run the fleet on a Python project, report, and gate.

    aqe run examples/sample_project               # development mode, offline, live progress + summary
    aqe run . --venv .venv --coverage-threshold 90 --pytest-args "-m 'not slow'"
    aqe run . --json > report.json                # schema aqe.run/1 (docs/fleet.md)
    aqe run . --agents all                        # the standard four and every other agent (docs/agents.md)
    aqe run . --agents security-scanner,complexity-analyzer
    aqe run . --diff main --only-impacted         # gate the changed lines; run only the tests they affect

Exit codes (`lionagi_qe.fleet.ExitCode`): 0 gate passed, 1 gate failed, 2
usage or configuration error or a project that cannot be analysed (missing
path, no tests, syntax error, test modules that cannot be imported).
Every option's default is `RunOptions`'s.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lionagi_qe.analysis.git_repo import GitRepo
from lionagi_qe.cli.common import console, err_console, fail, run_async
from lionagi_qe.cli.diff_sections import DIFF_SECTIONS
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.core.router import ModelRouter, TaskComplexity
from lionagi_qe.core.task import AgentResult
from lionagi_qe.errors import ConfigurationError, GitRefError
from lionagi_qe.fleet import RunOptions, run_fleet, select_agents

_MARK = {"ok": "[green]✓[/]", "skipped": "[yellow]-[/]", "failed": "[red]✗[/]"}
_DEFAULT = RunOptions()
_DEFAULT_PYTEST_ARGS = shlex.join(_DEFAULT.pytest_args)
MAX_GAPS_SHOWN = 5
MAX_FAILING_SHOWN = 10
_SOURCE_OPTION = typer.Option(
    list(_DEFAULT.source) or None, "--source",
    help="What to measure, like coverage's --source: a package, module or folder (repeatable); "
    "default the project's coverage configuration, else what aqe finds.",
)


def run(
    path: str = typer.Argument(_DEFAULT.code_path, help="Folder of the Python project (or a source folder inside it)."),
    python: str | None = typer.Option(
        _DEFAULT.python, "--python", help="Interpreter that runs the project's tests (default: the one running aqe)."
    ),
    venv: str | None = typer.Option(
        _DEFAULT.venv, "--venv", help="The project's virtualenv; its bin/python runs the tests."
    ),
    coverage_threshold: float | None = typer.Option(
        _DEFAULT.coverage_threshold, "--coverage-threshold", min=0, max=100,
        help="Gate: least total coverage in percent (coverage report's Cover); "
        "default the project's coverage fail_under, else 80.",
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
    agents: str = typer.Option(
        ",".join(_DEFAULT.agents), "--agents",
        help="More agents to run with the standard four: 'all', or a comma list of ids (docs/agents.md).",
    ),
    flaky_reruns: int = typer.Option(
        _DEFAULT.flaky_reruns, "--flaky-reruns", min=1, help="flaky-test-hunter: runs of the suite in its own order."
    ),
    flaky_orders: int = typer.Option(
        _DEFAULT.flaky_orders, "--flaky-orders", min=0, help="flaky-test-hunter: runs in random orders."
    ),
    flaky_seed: int | None = typer.Option(
        _DEFAULT.flaky_seed, "--flaky-seed", help="flaky-test-hunter: first seed of the random orders (default: new)."
    ),
    max_high_severity: int = typer.Option(
        _DEFAULT.max_high_severity, "--max-high-severity", min=0,
        help="security-scanner, deployment-readiness: high-severity findings allowed.",
    ),
    slowdown_ratio: float = typer.Option(
        _DEFAULT.slowdown_ratio, "--slowdown-ratio", min=1,
        help="performance-tester: a test slower than this x its baseline (and by --slowdown-floor) has regressed.",
    ),
    slowdown_floor: float = typer.Option(
        _DEFAULT.slowdown_floor, "--slowdown-floor", min=0,
        help="performance-tester: seconds a test must slow by, at least, to have regressed.",
    ),
    min_mutation_score: float = typer.Option(
        _DEFAULT.min_mutation_score, "--min-mutation-score", min=0, max=100,
        help="deployment-readiness: least mutation score in percent (when mutation-tester runs).",
    ),
    source: list[str] | None = _SOURCE_OPTION,
    diff: str | None = typer.Option(
        _DEFAULT.diff, "--diff", metavar="BASE",
        help="A git ref: report and gate the coverage of the lines changed since BASE; gaps there first.",
    ),
    diff_threshold: float | None = typer.Option(
        _DEFAULT.diff_threshold, "--diff-threshold", min=0, max=100,
        help="Gate: least coverage of the changed lines in percent (default: the coverage threshold).",
    ),
    only_impacted: bool = typer.Option(
        _DEFAULT.only_impacted, "--only-impacted",
        help="With --diff: run only the tests that exercise the changed functions (per an earlier run's map).",
    ),
    max_mutants: int = typer.Option(
        _DEFAULT.max_mutants, "--max-mutants", min=0, help="mutation-tester: at most this many mutants."
    ),
) -> None:
    """Run the fleet (test-executor, coverage-analyzer, test-generator, quality-gate, and --agents) on PATH."""
    try:
        extra_args = tuple(shlex.split(pytest_args))
    except ValueError as exc:
        fail(f"--pytest-args cannot be split like a shell line ({exc}); check its quotes")
    check_diff_options(path, diff, only_impacted)
    options = RunOptions(
        code_path=path, python=python, venv=venv, coverage_threshold=coverage_threshold,
        max_failures=max_failures, max_flaky=max_flaky, test_timeout=test_timeout, pytest_args=extra_args,
        generate=not no_generate, max_gaps=max_gaps, output_dir=output,
        llm_timeout=llm_timeout, llm_attempts=llm_attempts, llm_concurrency=llm_concurrency,
        agents=tuple(agents.split(",")) if agents else (), flaky_reruns=flaky_reruns, flaky_orders=flaky_orders,
        flaky_seed=flaky_seed, max_high_severity=max_high_severity, slowdown_ratio=slowdown_ratio,
        slowdown_floor=slowdown_floor, min_mutation_score=min_mutation_score, source=tuple(source or ()),
        diff=diff, diff_threshold=diff_threshold, only_impacted=only_impacted, max_mutants=max_mutants,
    )
    try:
        select_agents(options.agents)
    except ConfigurationError as exc:
        fail(str(exc))
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


def check_diff_options(path: str, diff: str | None, only_impacted: bool) -> None:
    """Usage errors of --diff/--only-impacted, before any run: no git repository, a ref that names no commit."""
    if only_impacted and not diff:
        fail("--only-impacted needs --diff BASE: the tests are chosen by what changed since BASE")
    if diff:
        try:
            GitRepo.at(path if Path(path).exists() else ".").commit(diff)
        except GitRefError as exc:
            fail(str(exc))


def print_report(report: dict[str, Any]) -> None:
    """The human summary of an `aqe.run/1` report, one section after another."""
    for section in (
        _agents, _coverage, _gaps, _generation, _failing_tests, *DIFF_SECTIONS, _gate, _readiness, _where_stored,
    ):
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


def _readiness(report: dict[str, Any]) -> None:
    readiness = report.get("readiness")
    if not readiness:
        return
    word = "[bold green]GO[/]" if readiness["go"] else "[bold red]NO-GO[/]"
    console.print(f"deployment readiness {word}")
    for check in readiness["checks"]:
        mark = {True: _MARK["ok"], False: _MARK["failed"], None: _MARK["skipped"]}[check["passed"]]
        _print(f"  {mark} {escape(check['reason'])}")


def _where_stored(report: dict[str, Any]) -> None:
    keys = [k for info in report["agents"].values() for k in info["stored_keys"]]
    if keys:
        _print(f"stored {len(keys)} results in memory under aqe/*/{report['run_id']}/ (browse: aqe memory ls aqe/)")
    if report["mode"] in ("development", "testing"):
        console.print(
            f"[dim]{report['mode']} mode: memory lives in this process only; set AQE_STORAGE_MODE=production "
            "and DATABASE_URL to keep runs for `aqe history` and `aqe memory`[/]"
        )
