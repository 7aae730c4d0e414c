"""Find what `aqe run PATH` works on: the project root, its source folders and its tests.

    project = inspect_project("examples/sample_project")
    project.root            # where pytest runs
    project.sources         # folders or files whose coverage is measured
    project.import_roots    # put on PYTHONPATH so `import pkg` works (src layout)
    project.test_files      # test_*.py / *_test.py found under the root
    project.coverage_sources()   # what `coverage run --source=` gets: folders, module names

    inspect_project(".", source=("mypkg", "tools/cli.py"))   # say what to measure (aqe run --source)

`PATH` may also be a folder inside a project (`./src`): the root is then the
nearest parent holding a project file (pyproject.toml, setup.py, ...), and
only `PATH` is measured. Otherwise, without `source`, the sources are found:
`src/` (when it holds Python files), and beside it the top-level packages,
modules and namespace packages (folders without `__init__.py` that a test
imports). Every problem is a `TargetProjectError` that says what to fix: a
missing path or source, a syntax error (file and line), no tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.errors import TargetProjectError

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini")
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
    source_names: tuple[str, ...] = ()
    """Importable names given as sources that are not files of the project (installed packages)."""
    sources_given: bool = False
    """True when `source` or a `PATH` inside the project said what to measure (not found by aqe)."""
    source_option: tuple[str, ...] = ()
    """The `source` entries resolved (absolute paths or names): give them back to `inspect_project`."""

    def coverage_sources(self) -> tuple[str, ...]:
        """What `coverage run --source=` gets: folders as paths, module files as their dotted names."""
        found = tuple(str(s) if s.is_dir() else self.module_name(s) for s in self.sources)
        return found + self.source_names

    def module_name(self, path: Path) -> str:
        """The dotted import name of a source file, e.g. 'shopkit.pricing'."""
        for root in self.import_roots:
            if path.is_relative_to(root):
                parts = list(path.relative_to(root).with_suffix("").parts)
                return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        parts = [path.stem]
        folder = path.parent
        while (folder / "__init__.py").exists():
            parts.insert(0, folder.name)
            folder = folder.parent
        return ".".join(parts)

    def relative(self, path: str | Path) -> str:
        """`path` relative to the root when inside it, else as given."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def inspect_project(path: str | Path, *, check_syntax: bool = True, source: Sequence[str] = ()) -> TargetProject:
    """Inspect the project at `path`; raises `TargetProjectError` when it cannot be analysed.

    `source` (`aqe run --source`, repeatable) names what to measure instead of
    what aqe would find: folders or files (relative to the current folder or
    the project root) or importable names (`pkg`, `pkg.module`).
    """
    given = Path(path).expanduser()
    if not given.exists():
        raise TargetProjectError(
            f"{str(path)!r} does not exist; pass the folder of a Python project (the one holding its tests)"
        )
    if not given.is_dir():
        raise TargetProjectError(f"{str(path)!r} is a file; pass the folder of the project that holds it")
    given = given.resolve()
    root = _project_root(given)
    test_files = tuple(sorted(_find_tests(root)))
    names: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    if given != root:
        sources: tuple[Path, ...] = (given,)
        import_roots: tuple[Path, ...] = (given.parent if (given / "__init__.py").exists() else given,)
    else:
        sources, import_roots = _default_sources(root, test_files)
    if source:
        sources, names = _given_sources(source, root, import_roots)
        import_roots = _roots_for(sources, root, import_roots)
        resolved = (*(str(p) for p in sources), *names)
    if check_syntax:
        for file in (*test_files, *_python_files(sources)):
            _check_syntax(file, root)
    if not test_files:
        raise TargetProjectError(
            f"no tests found under {root}: pytest collects files named test_*.py or *_test.py; "
            "write a first test (for example tests/test_smoke.py), then run aqe again"
        )
    return TargetProject(
        root, sources, import_roots, test_files,
        source_names=names, sources_given=bool(source) or given != root, source_option=resolved,
    )


def _project_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
            return folder
    return start


def _default_sources(root: Path, test_files: tuple[Path, ...]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """`src/` (if it holds Python) and the top-level packages, modules and imported namespace packages.

    None found is not an error here: the project's coverage configuration may say what to measure.
    """
    src = root / "src"
    in_src = src.is_dir() and any(_python_files((src,)))
    imported = _imported_names(test_files)
    found: list[Path] = [src] if in_src else []
    for child in sorted(root.iterdir()):
        if child.name.startswith((".", "_")) or child.name in NOT_SOURCE_DIRS or _skipped(child) or child == src:
            continue
        if child.is_dir():
            package = (child / "__init__.py").is_file()
            namespace = child.name.isidentifier() and child.name in imported and any(_python_files((child,)))
            if package or namespace:
                found.append(child)
        elif child.suffix == ".py" and child.name not in NOT_SOURCE_FILES and not _is_test_name(child.name):
            found.append(child)
    if not in_src:
        return tuple(found), (root,)
    return tuple(found), ((src, root) if len(found) > 1 else (src,))


def _imported_names(test_files: tuple[Path, ...]) -> set[str]:
    """Top-level names the tests import (a folder without `__init__.py` is a namespace package if imported)."""
    names: set[str] = set()
    for file in test_files:
        try:
            tree = ast.parse(file.read_bytes(), filename=str(file))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def _given_sources(
    source: Sequence[str], root: Path, import_roots: tuple[Path, ...]
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Each `source` entry as a path of the project, else as an importable name; raises for neither."""
    paths: list[Path] = []
    names: list[str] = []
    for entry in source:
        as_path = Path(entry).expanduser()
        candidates = [as_path] if as_path.is_absolute() else [Path.cwd() / as_path, root / as_path]
        found = next((c.resolve() for c in candidates if c.exists()), None)
        if found is None and all(part.isidentifier() for part in entry.split(".")):
            relative = Path(*entry.split("."))
            places = [base / relative for base in (*import_roots, root)]
            options = [p for place in places for p in (place, place.with_suffix(".py")) if p.exists()]
            found = options[0].resolve() if options else None
            if found is None:
                names.append(entry)
                continue
        if found is None:
            raise TargetProjectError(
                f"--source {entry!r} is neither a file or folder (from the current folder or {root}) "
                "nor an importable name; pass a package, a module or a folder to measure"
            )
        if found.is_file() and found.suffix != ".py":
            raise TargetProjectError(f"--source {entry!r} is not a Python file; pass a .py file, a package or a folder")
        paths.append(found)
    return tuple(paths), tuple(names)


def _roots_for(sources: tuple[Path, ...], root: Path, import_roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """The import roots for given sources: the folder above each given package, then the project's own."""
    extra: list[Path] = []
    for source in sources:
        folder = source if source.is_dir() else source.parent
        if source.is_dir() and not (source / "__init__.py").exists():
            namespace = folder.parent in import_roots and any(f.suffix == ".py" for f in folder.iterdir())
            top = folder.parent if namespace else folder
        else:
            top = folder
            while (top / "__init__.py").exists():
                top = top.parent
        if top not in import_roots and top not in extra and top.is_relative_to(root):
            extra.append(top)
    return (*extra, *import_roots)


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
