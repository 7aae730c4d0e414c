"""`aqe run PATH`: run the fleet on a Python project, report, and gate.

    aqe run examples/sample_project               # development mode, offline, live progress + summary
    aqe run . --venv .venv --coverage-threshold 90 --pytest-args "-m 'not slow'"
    aqe run . --json > report.json                # schema aqe.run/1 (docs/fleet.md); same as --format json
    aqe run . --format github                     # the summary plus ::error/::warning annotations
    aqe run . -q                                  # the verdict line only
    aqe run . --agents all                        # the standard four and every other agent (docs/agents.md)
    aqe run . --agents security-scanner,complexity-analyzer
    aqe run . --diff main --only-impacted         # gate the changed lines; run only the tests they affect

Exit codes (`lionagi_qe.fleet.ExitCode`): 0 gate passed, 1 gate failed, 2
usage or configuration error or a project that cannot be analysed (missing
path, no tests, syntax error, test modules that cannot be imported); 130
interrupted (Ctrl-C).

Every option's default is `RunOptions`'s; `[tool.aqe]` in the project's
pyproject.toml replaces defaults, the command line wins over both
(`RunCommand`, cli/project_settings.py). `run_options` passes every option
named like a `RunContext` field to the agents, so a new option needs a
field of the same name and nothing more. Under GitHub Actions
(GITHUB_STEP_SUMMARY set) the markdown summary is appended to the step
summary whatever the format; each run's report is also saved as
PATH/.aqe/runs/<run>/report.json (for `aqe report` and `aqe adopt`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields
from datetime import datetime, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperCommand

from lionagi_qe.agents.records import RunStatusRecord
from lionagi_qe.analysis.git_repo import GitRepo
from lionagi_qe.analysis.interpreter import resolve_interpreter
from lionagi_qe.analysis.project_root import find_project_root
from lionagi_qe.cli.common import console, err_console
from lionagi_qe.cli.diff_sections import DIFF_SECTIONS
from lionagi_qe.cli.interrupt import CLEANUP_SECONDS, EXIT_INTERRUPTED, cancel_on_sigint, leave_now, mark_interrupted
from lionagi_qe.cli.project_settings import Setting, configured_storage, read_project_config, settle
from lionagi_qe.cli.render_github import append_step_summary, workflow_commands
from lionagi_qe.cli.render_markdown import markdown_report
from lionagi_qe.cli.run_files import save_report
from lionagi_qe.cli.run_output import QUIET, VERBOSE, OutputFormat, Style, choose_style, fail_run, wants_json
from lionagi_qe.cli.settings_table import settings_table
from lionagi_qe.config import StorageMode
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.core.router import ModelRouter, TaskComplexity
from lionagi_qe.core.task import AgentResult, new_run_id
from lionagi_qe.errors import ConfigurationError, QEError, TargetProjectError
from lionagi_qe.fleet import RunOptions, run_fleet, select_agents
from lionagi_qe.fleet.report import error_report

_MARK = {"ok": "[green]✓[/]", "skipped": "[yellow]-[/]", "failed": "[red]✗[/]"}
_DEFAULT = RunOptions()
_DEFAULT_PYTEST_ARGS = shlex.join(_DEFAULT.pytest_args)
MAX_GAPS_SHOWN = 5
MAX_FAILING_SHOWN = 10
MAX_REJECTIONS_SHOWN = 10
_SOURCE_OPTION = typer.Option(
    list(_DEFAULT.source) or None, "--source",
    help="What to measure, like coverage's --source: a package, module or folder (repeatable); "
    "default the project's coverage configuration, else what aqe finds.",
)


SETTINGS = "aqe.settings"
CONFIG = "aqe.project_config"
_RENAMED = {"path": "code_path", "output": "output_dir"}
"""Options whose `RunContext` field has another name."""


class RunCommand(TyperCommand):
    """`aqe run`'s command: before `run` is called, `[tool.aqe]` fills in what the command line left out."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Settle the options (see cli/project_settings.py), keep them in `ctx.meta`, then call `run`."""
        try:
            config = read_project_config(ctx.params.get("path") or ".")
            ctx.meta[SETTINGS] = settle(ctx, config)
            ctx.meta[CONFIG] = config
        except ConfigurationError as exc:
            fail_run(str(exc), wants_json(ctx.params))
        return super().invoke(ctx)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        """Parse as usual; a usage error asked for in JSON also prints the aqe.run/1 error document."""
        given = list(args)  # the parser consumes `args`
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message") and _json_in(given):
                typer.echo(json.dumps(error_report(exc.format_message()), indent=2))
            raise


def _json_in(args: list[str]) -> bool:
    return "--json" in args or "--format=json" in args or ("--format", "json") in pairwise(args)


def run(
    ctx: typer.Context,
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
    budget: float = typer.Option(
        _DEFAULT.budget, "--budget", min=1, help="Seconds the test generator may spend (search and verification)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the report as JSON (schema aqe.run/1) and nothing else: --format json."
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format",
        help="text: tables; json: the aqe.run/1 report; markdown: the summary; github: text plus annotations.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the verdict line only (errors still go to stderr)."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print the effective settings, notes and where the run's files are."
    ),
    keep_runs: int = typer.Option(
        _DEFAULT.keep_runs, "--keep-runs", min=0, help="Run folders kept under PATH/.aqe/runs, the newest (0: all)."
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
    distributed: bool = typer.Option(
        _DEFAULT.distributed, "--distributed",
        help="Run the heavy work (test shards, generated tests' verification, mutant batches, flaky re-runs) on "
        "`aqe worker` processes (production mode; docs/scaling.md).",
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
    settings: dict[str, Setting] = ctx.meta[SETTINGS]
    try:
        style = choose_style(settings)
        options = run_options(ctx.params)
        storage = configured_storage(ctx.meta[CONFIG])
        router = model_router(model)
        check_usage(options)
    except QEError as exc:
        fail_run(str(exc), wants_json(ctx.params))
    as_document = style.format is OutputFormat.JSON
    if style.verbosity >= VERBOSE and not style.document:
        console.print(settings_table(settings.values()))
    try:
        report = asyncio.run(_run(options, router, model, style, storage))
    except QEError as exc:
        fail_run(str(exc), as_document, kind="configuration", run_id=options.run_id)
    except KeyboardInterrupt:
        fail_run("interrupted before the fleet started", as_document, kind="interrupted", code=EXIT_INTERRUPTED)
    save_report(report)
    try:
        append_step_summary(report)
    except OSError as exc:
        err_console.print(f"[yellow]warning:[/] cannot append to GITHUB_STEP_SUMMARY: {escape(str(exc))}")
    emit(report, style)
    raise typer.Exit(report["exit_code"])


def run_command() -> Any:
    """`aqe run` as a command object, to parse its options elsewhere (`aqe config`, `aqe mcp`)."""
    single = typer.Typer(add_completion=False)
    single.command("run", cls=RunCommand)(run)
    return typer.main.get_command(single)


def run_options(params: Mapping[str, Any]) -> RunOptions:
    """`RunOptions` from `aqe run`'s parsed parameters: each named like a field (see `_RENAMED`) goes through."""
    names = {f.name for f in fields(RunOptions)}
    values = {_RENAMED.get(name, name): value for name, value in params.items()}
    chosen: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in names}
    try:
        chosen["pytest_args"] = tuple(shlex.split(params.get("pytest_args") or ""))
    except ValueError as exc:
        raise ConfigurationError(f"--pytest-args cannot be split like a shell line ({exc}); check its quotes") from None
    chosen["generate"] = not params.get("no_generate", False)
    agents = params.get("agents") or ()
    chosen["agents"] = tuple(name for name in (agents.split(",") if isinstance(agents, str) else agents) if name)
    chosen["run_id"] = chosen.get("run_id") or new_run_id()
    return RunOptions(**chosen)


def model_router(model_name: str | None) -> ModelRouter:
    """The router `--model` asks for (else the environment's); a model without an endpoint is refused."""
    router = ModelRouter(models=dict.fromkeys(TaskComplexity, model_name) if model_name else None)
    if model_name and not router.online:
        raise ConfigurationError(
            f"--model {model_name} needs a model endpoint: "
            "set AQE_LLM_API_KEY (or OPENAI_API_KEY) or AQE_LLM_BASE_URL"
        )
    router.check()
    return router


def check_usage(options: RunOptions) -> None:
    """Refuse, before anything runs, a path that is no folder and an interpreter that is not there."""
    given = Path(options.code_path).expanduser()
    if not given.exists():
        raise TargetProjectError(
            f"{options.code_path!r} does not exist; pass the folder of a Python project (the one holding its tests)"
        )
    if not given.is_dir():
        raise TargetProjectError(f"{options.code_path!r} is a file; pass the folder of the project that holds it")
    resolve_interpreter(options.python, options.venv)
    select_agents(options.agents)
    check_diff_options(options)
    if (options.from_git or options.shards) and not options.distributed:
        raise ConfigurationError("--from-git and --shards go with --distributed")


async def _run(
    options: RunOptions, router: ModelRouter, model_name: str | None, style: Style, storage: StorageMode | None
) -> dict[str, Any]:
    cancel_on_sigint()
    orchestrator = QEOrchestrator(router=router, mode=storage)
    running: list[str] = []

    def track(agent_id: str, phase: str, result: AgentResult | None) -> None:
        running[:] = [agent_id] if phase == "start" else []

    async with orchestrator:
        mode = orchestrator.storage_config.mode.value if orchestrator.storage_config else "custom"
        try:
            if not style.progress:
                return await _fleet(orchestrator, options, track)
            source = f"model {model_name}" if model_name else "model from environment" if router.online else "offline"
            console.print(f"[bold]aqe run[/] {escape(options.code_path)}  ({mode} mode, {source})", soft_wrap=True)
            if console.is_terminal:
                with Progress(*_COLUMNS, console=console) as progress:
                    return await _fleet(orchestrator, options, _live(progress, track), _job_progress(progress))
            return await _fleet(orchestrator, options, _plain(track))
        except asyncio.CancelledError:
            _interrupted_now(await _mark(orchestrator, options, running[0] if running else None), style, mode)


_COLUMNS = (SpinnerColumn(finished_text=" "), TextColumn("{task.description}"), TimeElapsedColumn())
Callback = Callable[[str, str, "AgentResult | None"], None]


def _live(progress: Progress, track: Callback) -> Callback:
    """On a terminal: a spinner per agent, replaced by its summary when it finishes."""
    tasks: dict[str, Any] = {}

    def on_progress(agent_id: str, phase: str, result: AgentResult | None) -> None:
        track(agent_id, phase, result)
        if phase == "start":
            tasks[agent_id] = progress.add_task(f"{agent_id}: running", total=1)
        elif result is not None:
            line = f"{_MARK[result.status]} {agent_id}: {escape(result.summary)}"
            progress.update(tasks[agent_id], completed=1, description=line)

    return on_progress


def _plain(track: Callback) -> Callback:
    """Off a terminal (CI logs): one plain line per agent as it finishes."""

    def on_progress(agent_id: str, phase: str, result: AgentResult | None) -> None:
        track(agent_id, phase, result)
        if result is not None:
            line = f"{agent_id}: {result.status}, {result.summary} ({result.duration_s:.1f}s)"
            console.print(line, markup=False, highlight=False, soft_wrap=True)

    return on_progress


async def _mark(orchestrator: QEOrchestrator, options: RunOptions, agent: str | None) -> tuple[RunStatusRecord, bool]:
    """After Ctrl-C: the run's status record, stored in memory if it takes it in time; then disconnect."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    project = str(find_project_root(options.code_path))
    record = RunStatusRecord(run_id=str(options.run_id), project=project, status="interrupted", agent=agent, at=at)
    marked = await mark_interrupted(orchestrator.memory, record) and orchestrator.memory.persistent
    with contextlib.suppress(Exception):
        await asyncio.wait_for(orchestrator.disconnect(), CLEANUP_SECONDS)
    return record, marked


def _interrupted_now(marking: tuple[RunStatusRecord, bool], style: Style, mode: str) -> NoReturn:
    """Say what was interrupted (and, with --format json, print the error document), then exit 130 at once."""
    record, marked = marking
    what = f"{record.agent} was running" if record.agent else "no agent had started"
    where = "; marked interrupted in memory (aqe history shows it)" if marked else ""
    message = f"interrupted: {what} in run {record.run_id}{where}"
    if style.format is OutputFormat.JSON:
        report = error_report(
            message, kind="interrupted", code=EXIT_INTERRUPTED, run_id=record.run_id, mode=mode, project=record.project
        )
        typer.echo(json.dumps(report, indent=2))
    err_console.print(f"[bold yellow]{escape(message)}[/]", highlight=False, soft_wrap=True)
    leave_now()


def emit(report: dict[str, Any], style: Style) -> None:
    """Print `report` as `style` asks; an error's message always goes to stderr as well."""
    if style.format is OutputFormat.JSON:
        typer.echo(json.dumps(report, indent=2))
    elif style.format is OutputFormat.MARKDOWN:
        typer.echo(markdown_report(report), nl=False)
    elif style.verbosity == QUIET:
        _verdict_line(report)
    else:
        print_report(report)
        if style.verbosity >= VERBOSE:
            print_details(report)
    if style.format is OutputFormat.GITHUB:
        for line in workflow_commands(report):
            typer.echo(line)
    if report["error"]:
        err_console.print(f"[bold red]error:[/] {escape(report['error']['message'])}", highlight=False, soft_wrap=True)


def check_diff_options(options: RunOptions) -> None:
    """Usage errors of --diff/--only-impacted, before any run: no git repository, a ref that names no commit."""
    if options.only_impacted and not options.diff:
        raise ConfigurationError("--only-impacted needs --diff BASE: the tests are chosen by what changed since BASE")
    if options.diff:
        GitRepo.at(options.code_path).commit(options.diff)


async def _fleet(
    orchestrator: QEOrchestrator, options: RunOptions, on_progress: Callback, on_job: Any = None
) -> dict[str, Any]:
    """The pipeline here, or with --distributed the pipeline whose heavy work runs as jobs on workers."""
    if not options.distributed:
        return await run_fleet(orchestrator, options, on_progress=on_progress)
    return await _distributed_runner()(orchestrator, options, on_progress=on_progress, on_job=on_job)


def _distributed_runner() -> Callable[..., Awaitable[dict[str, Any]]]:
    try:
        from lionagi_qe.fleet.distributed import run_distributed
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"--distributed needs {exc.name}: pip install 'lionagi-qe-fleet[workers]'") from None
    return run_distributed


def _job_progress(progress: Progress) -> Any:
    """A line per job (test shard, mutant batch, ...): queued, running on which worker, done or failed."""
    tasks: dict[str, Any] = {}

    def on_job(key: str, phase: str, info: dict[str, Any]) -> None:
        if key not in tasks:
            tasks[key] = progress.add_task(f"  {key}: queued", total=1)
        if phase == "running":
            progress.update(tasks[key], description=f"  {key}: running on {escape(str(info['name']))} "
                            f"(attempt {info['attempt']})")
        elif phase in ("done", "failed"):
            result = info.get("result") or {}
            done = result.get("summary") or f"{len(result.get('tests', []))} tests"
            what = escape(str(done if phase == "done" else info.get("error")))[:160]
            mark = _MARK["ok" if phase == "done" else "failed"]
            progress.update(tasks[key], completed=1, description=f"  {mark} {key}: {what} on {info['worker']['name']}")

    return on_job


def print_report(report: dict[str, Any]) -> None:
    """The human summary of an `aqe.run/1` report, one section after another."""
    for section in (
        _agents, _distributed, _coverage, _gaps, _generation, _failing_tests, *DIFF_SECTIONS, _gate, _readiness,
        _where_stored,
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


def _distributed(report: dict[str, Any]) -> None:
    distributed = report.get("distributed")
    if not distributed:
        return
    for shard in distributed.get("shards", []):
        files = f"{len(shard['files'])} file(s)" + (" + the rest" if shard["takes_the_rest"] else "")
        _print(f"{shard['shard']}: {files}, {shard['tests']} tests on {escape(str(shard['worker']))} "
               f"(attempt {shard['attempts']})")
    for job in distributed.get("jobs", []):
        _print(f"{job['job']} ({job['kind']}): {escape(str(job['summary'] or job['error'] or job['status']))} "
               f"on {escape(str(job['worker']))} (attempt {job['attempts']})")
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
            f"[dim]{report['mode']} mode: memory lives in this process only; set AQE_STORAGE_MODE=embedded "
            "(no setup) or AQE_STORAGE_MODE=production and DATABASE_URL to keep runs for `aqe history` "
            "and `aqe memory`[/]"
        )


def _verdict_line(report: dict[str, Any]) -> None:
    """`-q`: the gate's verdict and reasons on one line (nothing when the run erred: stderr says why)."""
    if report["gate"]:
        word = "PASSED" if report["gate"]["passed"] else "FAILED"
        _print(f"quality gate {word}: " + escape("; ".join(report["gate"]["reasons"])))


def print_details(report: dict[str, Any]) -> None:
    """`-v`: the notes of the test run and of the generator, rejected candidates, and where the run's files are."""
    for note in (report["tests"] or {}).get("notes", []):
        _print(f"[dim]tests note:[/] {escape(note)}")
    generation = report["generation"] or {}
    for note in generation.get("notes", []) or []:
        _print(f"[dim]generation note:[/] {escape(note)}")
    if generation.get("status") == "ok":
        _print(f"generated candidates rejected: {generation.get('rejected', 0)}")
    if report["project"] and report["run_id"]:
        folder = Path(report["project"]) / ".aqe" / "runs" / report["run_id"]
        _print(f"files of this run: {escape(str(folder))} (report.json, coverage data, pytest log)")
