"""coverage.py's HTML report of a run's data, with the project's coverage configuration.

    index = write_coverage_html(data_file, project, Path("report/coverage"), title="aqe run ...")

The same pages `coverage html --data-file=...` writes when run in the project
root: file names relative to the root, the project's `[html]`/`[report]`
settings applied (the output folder is always `out_dir`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.errors import TargetProjectError


@contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def write_coverage_html(data_file: str | Path, project: TargetProject, out_dir: Path, title: str) -> Path:
    """Write the pages into `out_dir`; returns its index.html. Raises `TargetProjectError` without data."""
    import coverage
    from coverage.exceptions import CoverageException, NoDataError

    out_dir = out_dir.resolve()
    with _working_directory(project.root):  # config_file=True: the file coverage.py itself picks there
        try:
            cov = coverage.Coverage(data_file=str(Path(data_file).resolve()), config_file=True)
            cov.load()
            cov.html_report(directory=str(out_dir), title=title, ignore_errors=True)
        except NoDataError:
            raise TargetProjectError(f"no coverage data in {data_file}; run `aqe run` on the project again") from None
        except CoverageException as exc:
            raise TargetProjectError(f"cannot write coverage.py's HTML report of {data_file}: {exc}") from None
    return out_dir / "index.html"
