"""The project a job runs, as the caller describes it and as a worker opens it: where it is, how its tests run.

    source = job_source(project, code_path, ctx.from_git)            # caller: shared path or --from-git commit
    spec = {**project_spec(source, project, ctx, settings), ...}     # caller: part of any job kind's spec
    opened = open_project(spec)                                      # worker: located, checked, interpreter found
    opened.project, opened.settings, opened.work_dir(run_id, "shards", "shard-1")
    opened.pack(data_file)                                           # coverage data as the caller names its files

Paths travel relative to the project root (`measure`), so a worker running
a `--from-git` checkout at another path resolves them in its own tree; the
interpreter travels as the run's options (`--python`, `--venv`), resolved on
the worker. `open_project` raises `WorkerError` when this worker cannot see
the caller's project, `TargetProjectError` when the project itself is at fault.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
from lionagi_qe.analysis.project import TargetProject, inspect_project
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.workers.coverage_transfer import pack_coverage
from lionagi_qe.workers.project_source import cache_dir, check_fingerprint, locate

if TYPE_CHECKING:
    from lionagi_qe.agents.run_context import RunContext


def project_spec(
    source: dict[str, Any], project: TargetProject, ctx: RunContext, settings: RunSettings
) -> dict[str, Any]:
    """The part of a job's spec that `open_project` reads."""
    return {
        "source": source, "python": ctx.python, "venv": ctx.venv,
        "test_timeout": settings.test_timeout, "pytest_args": list(settings.pytest_args),
        "measure": [relative_to_root(item, project.root) for item in project.source_option],
    }


def relative_to_root(item: str, root: Path) -> str:
    """A `--source` entry as the workers can resolve it: relative to the project root when inside it."""
    path = Path(item)
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else item


@dataclass(frozen=True)
class OpenedProject:
    """The caller's project on this worker: inspected here, with the settings to run its tests."""

    project: TargetProject
    settings: RunSettings
    worker: str
    caller_root: Path

    def work_dir(self, run_id: str, folder: str, job: str) -> Path:
        """A fresh folder for one attempt of a job, under the project's .aqe/runs/<run>/<folder>/."""
        return self.project.root / ".aqe" / "runs" / run_id / folder / f"{job}-{uuid.uuid4().hex[:8]}"

    def pack(self, data_file: Path) -> str:
        """A coverage data file of this worker as text, its files named as the caller sees them."""
        return pack_coverage(data_file, self.project.root, self.caller_root)

    def as_caller_sees(self, item: str) -> str:
        """A path of this worker's tree as the caller names it (the same when the path is shared)."""
        path = Path(item)
        return str(self.caller_root / path.relative_to(self.project.root)) if path.is_relative_to(
            self.project.root) else item


def open_project(spec: dict[str, Any]) -> OpenedProject:
    """Locate the project of `spec` (`project_spec`), check it is the caller's, find the interpreter."""
    source = spec["source"]
    worker = str(spec.get("worker") or socket.gethostname())
    path = locate(source, cache_dir(), worker=worker)
    project = inspect_project(path, source=spec.get("measure") or ())
    check_fingerprint(project, source, worker=worker)
    python = resolve_interpreter(spec.get("python"), spec.get("venv"))
    check_interpreter(python)
    settings = RunSettings(
        python=python, test_timeout=float(spec["test_timeout"]), pytest_args=tuple(spec["pytest_args"])
    )
    return OpenedProject(project, settings, worker, Path(source["root"]))
