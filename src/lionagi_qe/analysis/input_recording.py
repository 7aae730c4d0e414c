"""Record the arguments that reach the project's functions while its suite runs, and read them back.

    settings = RunSettings(python=python, record_inputs=work_dir / RECORDED_FOLDER)
    run_test_suite(project, work_dir, settings)          # loads `-p aqe_record_probe` into the run
    recorded = load_recorded(settings.record_inputs)     # {"functions": {"mod:qualname": {"calls", "samples"}}}

The probe (`probes/aqe_record_probe.py`) keeps, bounded and sampled, the
argument sets of each project function as source expressions, and how
project objects were constructed; the offline engine starts its calls from
them. Each test process writes its own file; `load_recorded` merges them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.project import TargetProject

RECORD_PLUGIN = "aqe_record_probe"
RECORDED_FOLDER = "recorded-inputs"
"""Where a suite run's recordings go, inside its work folder."""
MAX_SAMPLES = 16


def recording_options(project: TargetProject, folder: Path | None) -> tuple[list[str], dict[str, str]]:
    """(pytest arguments, environment) that turn recording on into `folder`; nothing when it is None."""
    if folder is None:
        return [], {}
    folder.mkdir(parents=True, exist_ok=True)
    sources = os.pathsep.join(str(p.resolve()) for p in project.sources)
    return ["-p", RECORD_PLUGIN], {"AQE_RECORD_DIR": str(folder), "AQE_RECORD_SOURCES": sources}


def load_recorded(folder: Path | str | None) -> dict[str, Any]:
    """The recorded inputs of every test process in `folder`, merged ({} when nothing was recorded).

    Samples are merged by the probe's rank (lowest first), so the result does
    not depend on how the suite was split into processes or shards.
    """
    calls: dict[str, int] = {}
    ranked: dict[str, dict[str, Any]] = {}
    if folder is None or not Path(folder).is_dir():
        return {}
    for path in sorted(Path(folder).glob("inputs-*.json")):
        try:
            functions = json.loads(path.read_text(encoding="utf-8")).get("functions", {})
        except (OSError, ValueError):
            continue
        for key, entry in functions.items():
            calls[key] = calls.get(key, 0) + entry.get("calls", 0)
            samples = entry.get("samples", [])
            ranks = entry.get("ranks") or [f"{path.name}:{i:06d}" for i in range(len(samples))]
            ranked.setdefault(key, {}).update(zip(ranks, samples, strict=False))
    merged = {
        key: {"calls": calls[key], "samples": [ranked[key][r] for r in sorted(ranked[key])[:MAX_SAMPLES]]}
        for key in calls
    }
    return {"functions": merged} if merged else {}
