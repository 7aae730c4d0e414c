"""Pick the Python interpreter that runs the target project's tests.

    python = resolve_interpreter()                         # the one running aqe
    python = resolve_interpreter(venv=".venv")             # the project's virtualenv
    python = resolve_interpreter(python="/usr/bin/python3.12")
    check_interpreter(python)   # raises unless it can import pytest and coverage

The target's tests run in this interpreter, so its own dependencies must be
installed there, along with pytest and coverage.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lionagi_qe.errors import TargetProjectError

CHECK_TIMEOUT = 60.0
_CHECK = "import coverage, pytest, sys; print(sys.version.split()[0], coverage.__version__, pytest.__version__)"


def resolve_interpreter(python: str | Path | None = None, venv: str | Path | None = None) -> Path:
    """The interpreter to use: `python`, or the one inside `venv`, else the one running aqe."""
    if python is not None and venv is not None:
        raise TargetProjectError("pass either --python or --venv, not both")
    if venv is not None:
        folder = Path(venv).expanduser()
        candidates = [folder / "bin" / "python", folder / "Scripts" / "python.exe"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise TargetProjectError(
                f"{str(venv)!r} is not a virtualenv (no bin/python inside); "
                "pass the folder created by `python -m venv`, or use --python"
            )
        return found.absolute()
    if python is None:
        return Path(sys.executable)
    path = Path(python).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise TargetProjectError(f"{str(python)!r} is not an executable Python interpreter; check the --python path")
    return path.absolute()


def check_interpreter(python: Path) -> str:
    """Return 'python X, coverage Y, pytest Z' or raise if `python` lacks pytest or coverage."""
    if python == Path(sys.executable):
        from importlib.metadata import version

        return f"python {sys.version.split()[0]}, coverage {version('coverage')}, pytest {version('pytest')}"
    try:
        done = subprocess.run(
            [str(python), "-c", _CHECK], capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetProjectError(f"cannot start {python}: {exc}; check the --python/--venv option") from None
    if done.returncode != 0:
        raise TargetProjectError(
            f"{python} cannot import pytest and coverage; install them there "
            f"(`{python} -m pip install pytest coverage`) or pick another interpreter with --python/--venv"
        )
    python_version, cov, pytest_version = done.stdout.split()
    return f"python {python_version}, coverage {cov}, pytest {pytest_version}"
