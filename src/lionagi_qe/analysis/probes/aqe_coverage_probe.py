"""Ask coverage.py, in the target's interpreter and the project root, what the project configures (run by aqe).

    python aqe_coverage_probe.py config OUT.json
    python aqe_coverage_probe.py report DATA_FILE OUT.json

Run with the project root as the working folder: coverage.py then picks its
configuration file itself (COVERAGE_RCFILE, .coveragerc, setup.cfg, tox.ini,
pyproject.toml) and reads the relative paths in it (source, omit, include)
from there, exactly as `coverage report` run in the root does.
OUT gets {"config": {...}, "report": coverage.py's JSON report or null
(no data), "error": a message or null}. Standard library and coverage.py
(6.2 or later) only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any


def _config(cov: Any) -> dict[str, Any]:
    config = cov.config
    source = list(config.source or [])
    source += list(getattr(config, "source_pkgs", None) or []) + list(getattr(config, "source_dirs", None) or [])
    return {
        "file": getattr(config, "config_file", None),
        "source": source,
        "include": list(config.run_include or []),
        "fail_under": config.fail_under,
        "precision": config.precision,
    }


def _report(cov: Any, no_data: type[Exception]) -> dict[str, Any] | None:
    cov.load()
    with tempfile.TemporaryDirectory(prefix="aqe-cov-") as folder:
        out = os.path.join(folder, "coverage.json")
        try:
            cov.json_report(outfile=out, ignore_errors=True)
        except no_data:
            return None
        with open(out, encoding="utf-8") as handle:
            loaded: dict[str, Any] = json.load(handle)
            return loaded


def main(argv: list[str]) -> int:
    command, *args = argv
    result: dict[str, Any] = {"config": None, "report": None, "error": None}
    import coverage
    from coverage.exceptions import CoverageException, NoDataError

    try:
        cov = coverage.Coverage(data_file=args[0] if command == "report" else None)
        result["config"] = _config(cov)
        if command == "report":
            result["report"] = _report(cov, NoDataError)
    except CoverageException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    with open(args[-1], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
