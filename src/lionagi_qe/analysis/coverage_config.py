"""The project's coverage.py configuration, read by coverage.py itself (aqe has no parser of its own).

    config = read_coverage_config(project, python)
    config.file             # '/abs/setup.cfg': the file coverage.py took its settings from, or None
    config.source           # ('pkg',): [run] source / source_pkgs; () when the project names none
    config.fail_under       # 90.0, or None: the gate's threshold unless --coverage-threshold is given
    coverage_source(project, config)   # the `coverage run --source=` values; () leaves it to the config

A probe (`probes/aqe_coverage_probe.py`) runs in the target's interpreter
with the project root as its working folder, so the choice of file
(COVERAGE_RCFILE, .coveragerc, setup.cfg, tox.ini, pyproject.toml) and the
relative paths in it (source, omit, include) are coverage.py's own, whatever
folder aqe was started from. What to measure: `--source` (or a `PATH` inside
the project) first, else the configuration's `source`/`include`, else what
`inspect_project` found.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.probes import PROBES_DIR
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.errors import TargetProjectError

COVERAGE_PROBE = PROBES_DIR / "aqe_coverage_probe.py"
PROBE_TIMEOUT = 600.0
WARNING_MARK = "CoverageWarning: "
SAY_WHAT_TO_MEASURE = (
    "say what to measure: `aqe run --source PKG_OR_PATH` (repeatable), or `source = PKG_OR_PATH` under "
    "[run] in .coveragerc, [coverage:run] in setup.cfg or tox.ini, or [tool.coverage.run] in pyproject.toml"
)


@dataclass(frozen=True)
class CoverageConfig:
    """The settings of the project's coverage configuration that aqe acts on."""

    file: str | None = None
    source: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    fail_under: float | None = None
    precision: int = 0

    @property
    def names_what_to_measure(self) -> bool:
        """True when `[run] source`, `source_pkgs` or `include` is set: then coverage.py decides, not aqe."""
        return bool(self.source or self.include)

    @classmethod
    def from_probe(cls, data: Mapping[str, Any]) -> CoverageConfig:
        """The probe's "config" object (a `fail_under` of 0 means none, as coverage.py treats it)."""
        return cls(
            file=data["file"],
            source=tuple(data["source"]),
            include=tuple(data["include"]),
            fail_under=float(data["fail_under"]) or None,
            precision=int(data["precision"]),
        )


def ask_coverage(root: Path, python: Path, command: str, *args: str) -> dict[str, Any]:
    """Run the coverage probe's `command` in `root` with `python`; raises `TargetProjectError` if it fails."""
    env = {k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_START"}
    with tempfile.TemporaryDirectory(prefix="aqe-covcfg-") as folder:
        out = Path(folder) / "out.json"
        try:
            done = subprocess.run(
                [str(python), str(COVERAGE_PROBE), command, *args, str(out)], cwd=root, env=env,
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TargetProjectError(f"cannot ask coverage.py in {python}: {exc}; check --python/--venv") from None
        if done.returncode != 0 or not out.exists():
            tail = " ".join(done.stderr.strip().splitlines()[-3:])
            raise TargetProjectError(
                f"coverage.py in {python} could not {command} for {root}: {tail}; "
                "the target's interpreter needs coverage 6.2 or later"
            )
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if result["error"]:
        raise TargetProjectError(
            f"coverage.py cannot use the project's coverage configuration in {root}: {result['error']}; fix it"
        )
    return result


def read_coverage_config(project: TargetProject, python: Path) -> CoverageConfig:
    """The project's coverage settings as coverage.py reads them in the project root."""
    return CoverageConfig.from_probe(ask_coverage(project.root, python, "config")["config"])


def coverage_source(project: TargetProject, config: CoverageConfig) -> tuple[str, ...]:
    """The `--source` values of aqe's coverage run; () when the project's configuration says what to measure."""
    if config.names_what_to_measure and not project.sources_given:
        return ()
    found = project.coverage_sources()
    if not found:
        raise TargetProjectError(
            f"aqe found nothing to measure in {project.root} (no src/ folder, no top-level package or module, "
            f"no folder the tests import) and its coverage configuration names no source; {SAY_WHAT_TO_MEASURE}"
        )
    return found


def coverage_warnings(log_file: str | Path) -> list[str]:
    """coverage.py's warnings in a run's log (e.g. 'Module mod was never imported. (module-not-imported)')."""
    path = Path(log_file)
    if not path.exists():
        return []
    found: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if WARNING_MARK in line:
            text = line.split(WARNING_MARK, 1)[1].strip()
            if text not in found:
                found.append(text)
    return found


def nothing_measured(root: str, measured: Sequence[str], config_file: str | None, warnings: Sequence[str]) -> str:
    """The message of a run that measured 0 statements: what was measured, what coverage.py said, what to set."""
    if measured:
        what = f"--source={','.join(measured)}"
    else:
        what = f"the source in {config_file}" if config_file else "the project's coverage configuration"
    said = f"; coverage.py said: {' '.join(warnings)}" if warnings else ""
    return (
        f"coverage.py measured 0 statements of {root} ({what}){said}. "
        f"A run that measures no code cannot pass the gate: {SAY_WHAT_TO_MEASURE}"
    )
