"""The root of the project a path belongs to, found as `aqe run` finds it.

    find_project_root("examples/sample_project/src")   # .../examples/sample_project (holds pyproject.toml)
    find_project_root("~/code/app")                    # the folder itself when no parent holds a project file

The root is the nearest folder, `path` itself first, holding one of
`PROJECT_MARKERS` (pyproject.toml, setup.py, setup.cfg, pytest.ini,
tox.ini); without one, `path` itself. `~` is expanded and the result is
absolute, so runs and `aqe history --project` name a project the same way.
"""

from __future__ import annotations

from pathlib import Path

from lionagi_qe.analysis.project import PROJECT_MARKERS


def find_project_root(path: str | Path) -> Path:
    """The project root of `path` (which need not exist: then its absolute form)."""
    start = Path(path).expanduser().resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
            return folder
    return start
