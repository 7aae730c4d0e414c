"""Move a run's kept tests into the project's own test folder, so the next run counts them.

    folder = suite_folder(project.root)                       # tests/ or test/, else where the tests are
    for moved in adopt_tests(kept_files, folder):
        moved.source, moved.destination, moved.outcome       # 'moved', 'already there' or 'missing'

A test is never written over another file: a taken name gets `_2`, `_3`,
... (as kept tests are written), and a file already holding the same test
is reused, so adopting twice leaves one copy. The kept file is removed once
its copy is in place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_writer import write_tests
from lionagi_qe.errors import TargetProjectError

TEST_FOLDERS = ("tests", "test")


@dataclass(frozen=True)
class Adopted:
    """What happened to one kept test: `moved`, `already there` (same content) or `missing`."""

    source: Path
    destination: Path | None
    outcome: str


def suite_folder(root: Path) -> Path:
    """`tests/` or `test/` under the root if one exists, else the folder holding most of the project's tests."""
    for name in TEST_FOLDERS:
        if (root / name).is_dir():
            return root / name
    try:
        tests = inspect_project(root, check_syntax=False).test_files
    except TargetProjectError:
        tests = ()
    if not tests:
        return root / TEST_FOLDERS[0]
    folder, _ = Counter(test.parent for test in tests).most_common(1)[0]
    return folder


def adopt_tests(files: Iterable[Path], folder: Path) -> list[Adopted]:
    """Move each file into `folder` (see the module docstring); one `Adopted` per file, in order."""
    adopted = []
    for file in files:
        if not file.is_file():
            adopted.append(Adopted(file, None, "missing"))
            continue
        before = set(folder.glob("*.py")) if folder.is_dir() else set()
        [destination] = write_tests(folder, [(file.stem, file.read_text(encoding="utf-8"))])
        if destination.resolve() != file.resolve():
            file.unlink()
        adopted.append(Adopted(file, destination, "already there" if destination in before else "moved"))
    return adopted
