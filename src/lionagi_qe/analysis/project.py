"""Find what `aqe run PATH` works on: the project root, its source folders and its tests.

    project = inspect_project("examples/sample_project")
    project.root            # where pytest runs
    project.sources         # folders or files whose coverage is measured
    project.import_roots    # put on PYTHONPATH so `import pkg` works (src layout)
    project.test_files      # test_*.py / *_test.py found under the root

`PATH` may also be a folder inside a project (`./src`): the root is then the
nearest parent holding a project file (pyproject.toml, setup.py, ...), and
only `PATH` is measured. Every problem is a `TargetProjectError` that says
what to fix: a missing path, a syntax error (file and line), no tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.errors import TargetProjectError

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini")
COVERAGE_CONFIGS = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")
SKIPPED_DIRS = frozenset(
    {"build", "dist", "node_modules", "site-packages", "__pycache__", "htmlcov", "venv", "env"}
)
NOT_SOURCE_DIRS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "benchmarks", "scripts"})
NOT_SOURCE_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "manage.py"})


@dataclass(frozen=True)
class TargetProject:
    """A Python project as `aqe run` sees it; build it with `inspect_project`."""

    root: Path
    sources: tuple[Path, ...]
    import_roots: tuple[Path, ...]
    test_files: tuple[Path, ...]
    coverage_config: Path | None

    def relative(self, path: str | Path) -> str:
        """`path` relative to the root when inside it, else as given."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def inspect_project(path: str | Path, *, check_syntax: bool = True) -> TargetProject:
    """Inspect the project at `path`; raises `TargetProjectError` when it cannot be analysed."""
    given = Path(path).expanduser()
    if not given.exists():
        raise TargetProjectError(
            f"{str(path)!r} does not exist; pass the folder of a Python project (the one holding its tests)"
        )
    if not given.is_dir():
        raise TargetProjectError(f"{str(path)!r} is a file; pass the folder of the project that holds it")
    given = given.resolve()
    root = _project_root(given)
    if given != root:
        sources: tuple[Path, ...] = (given,)
        import_roots: tuple[Path, ...] = (given.parent if (given / "__init__.py").exists() else given,)
    else:
        sources, import_roots = _default_sources(root)
    test_files = tuple(sorted(_find_tests(root)))
    if check_syntax:
        for file in (*test_files, *_python_files(sources)):
            _check_syntax(file, root)
    if not test_files:
        raise TargetProjectError(
            f"no tests found under {root}: pytest collects files named test_*.py or *_test.py; "
            "write a first test (for example tests/test_smoke.py), then run aqe again"
        )
    config = next((root / name for name in COVERAGE_CONFIGS if _has_coverage_config(root / name)), None)
    return TargetProject(root, sources, import_roots, test_files, config)


def _project_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
            return folder
    return start


def _default_sources(root: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    src = root / "src"
    if src.is_dir() and any(_python_files((src,))):
        return (src,), (src,)
    found: list[Path] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith((".", "_")) or child.name in NOT_SOURCE_DIRS or _skipped(child):
            continue
        package = child.is_dir() and (child / "__init__.py").is_file()
        module = child.suffix == ".py" and child.name not in NOT_SOURCE_FILES and not _is_test_name(child.name)
        if package or module:
            found.append(child)
    return (tuple(found) or (root,)), (root,)


def _skipped(folder: Path) -> bool:
    return folder.name in SKIPPED_DIRS or (folder / "pyvenv.cfg").exists()


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if not child.name.startswith(".") and not _skipped(child):
                yield from _walk(child)
        elif child.suffix == ".py":
            yield child


def _python_files(sources: tuple[Path, ...]) -> Iterator[Path]:
    for source in sources:
        if source.is_file():
            yield source
        elif source.is_dir():
            yield from _walk(source)


def _is_test_name(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _find_tests(root: Path) -> Iterator[Path]:
    return (file for file in _walk(root) if _is_test_name(file.name))


def _check_syntax(file: Path, root: Path) -> None:
    try:
        ast.parse(file.read_bytes(), filename=str(file))
    except SyntaxError as exc:
        where = file.relative_to(root) if file.is_relative_to(root) else file
        raise TargetProjectError(
            f"syntax error in {where}:{exc.lineno}: {exc.msg}; fix it, then run aqe again"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise TargetProjectError(f"cannot read {file} as Python source ({exc}); fix or remove it") from None


def _has_coverage_config(file: Path) -> bool:
    if not file.is_file():
        return False
    if file.name == ".coveragerc":
        return True
    text = file.read_text(encoding="utf-8", errors="replace")
    return "[tool.coverage" in text if file.suffix == ".toml" else "[coverage:" in text
