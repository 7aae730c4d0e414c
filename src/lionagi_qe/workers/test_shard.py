"""The `test-shard` job: run some of a project's test files under coverage, on a worker.

    result = run_test_shard({"source": {...}, "run_id": run, "shard": "shard-1", "keep": ["tests/test_a.py"],
                             "skip": None, "python": None, "venv": None, "test_timeout": 60, "pytest_args": [],
                             "measure": [], "select": None, "record_inputs": True})
    result["tests"], result["collection_errors"], result["coverage"]     # coverage: see coverage_transfer
    result["recorded_inputs"]                   # the inputs reaching the project's functions (input_recording)

The shard runs exactly as a local run's suite does (`analysis.test_runner`:
timeouts, hung tests, re-runs of failures), with pytest told to collect only
the shard's files (`keep`), or every file but the other shards' (`skip`, the
shard that takes files no plan knew of). Test files of other shards are never
imported. A shard in which pytest selects no test is `empty`, not an error.
Runs in the job process (`workers.job_process`); `TargetProjectError` means
the project's fault (not retried), `WorkerError` this worker's (retried elsewhere).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.input_recording import RECORDED_FOLDER, load_recorded
from lionagi_qe.analysis.interpreter import check_interpreter, resolve_interpreter
from lionagi_qe.analysis.probes import SHARD_PLUGIN
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite
from lionagi_qe.errors import TargetProjectError
from lionagi_qe.workers.coverage_transfer import pack_coverage
from lionagi_qe.workers.project_source import located_project


def shard_arguments(keep: list[str] | None, skip: list[str] | None) -> list[str]:
    """The pytest arguments that limit a run to one shard's files."""
    if keep is not None:
        return ["-p", SHARD_PLUGIN, *(f"--aqe-shard-keep={path}" for path in keep)]
    return ["-p", SHARD_PLUGIN, *(f"--aqe-shard-skip={path}" for path in skip or [])]


def run_test_shard(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one shard; see the module docstring."""
    source = spec["source"]
    project = located_project(spec, source=spec.get("measure") or ())
    python = resolve_interpreter(spec.get("python"), spec.get("venv"))
    check_interpreter(python)
    work_dir = project.root / ".aqe" / "runs" / spec["run_id"] / "shards" / f"{spec['shard']}-{uuid.uuid4().hex[:8]}"
    settings = RunSettings(
        python=python,
        test_timeout=float(spec["test_timeout"]),
        pytest_args=(*spec["pytest_args"], *shard_arguments(spec.get("keep"), spec.get("skip"))),
        select=tuple(spec["select"]) if spec.get("select") is not None else None,
        record_inputs=work_dir / RECORDED_FOLDER if spec.get("record_inputs") else None,
    )
    try:
        run = run_test_suite(project, work_dir, settings)
    except TargetProjectError as exc:
        if _selected_nothing(work_dir):
            return {"empty": True, "why_empty": str(exc), "tests": [], "collection_errors": [], "notes": [],
                    "exit_code": 5, "resumed": 0, "duration_s": 0.0, "command": [], "coverage": None,
                    "work_dir": str(work_dir), "recorded_inputs": {}}
        raise
    result = run.to_dict()
    result.pop("data_file")
    result["empty"] = False
    result["coverage"] = pack_coverage(Path(run.data_file), project.root, Path(source["root"]))
    result["coverage_source"] = [_as_caller_sees(item, project.root, source["root"]) for item in run.coverage_source]
    result["work_dir"] = str(work_dir)
    result["recorded_inputs"] = load_recorded(settings.record_inputs)
    return result


def _as_caller_sees(item: str, root: Path, caller_root: str) -> str:
    """A `--source` value of this worker's checkout as the caller names it (same path when shared)."""
    path = Path(item)
    return str(Path(caller_root) / path.relative_to(root)) if path.is_relative_to(root) else item


def _selected_nothing(work_dir: Path) -> bool:
    """True when pytest's collection finished without an error and selected no test (the probe's events)."""
    collected: list[str] | None = None
    for events in sorted(work_dir.glob("events-*.jsonl")):
        for line in events.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["e"] == "collect_error":
                return False
            if event["e"] == "collected":
                collected = event["nodeids"]
    return collected == []
