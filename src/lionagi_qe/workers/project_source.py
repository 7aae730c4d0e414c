"""Where a worker finds the project: the same path (a shared volume) or a git commit checked out into a cache.

    source = shared_source(project)                       # caller: the path every worker must see
    source = git_source(project, "https://git.example/app.git@4f1c2e9")   # caller: refuses a PATH at another commit
    source = run_source(project, code_path, ctx.from_git)  # caller: whichever of the two the run asked for
    path = locate(source, cache_dir(), worker="w1")       # worker: the folder to run, or WorkerError saying why not
    check_fingerprint(project, source, worker="w1")       # worker: refuses a project whose files differ
    project = located_project(spec, check_syntax=False)   # worker: the three steps above for a job's spec

A source is JSON (it travels in the job): `path` (the caller's code path),
`root` (the caller's project root), `fingerprint` (a hash of the project's
Python sources, tests, conftest and project files), and for git `url`,
`commit` (a full hash) and `subdir` (the code path inside the repository).
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import shutil
import socket
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.project import PROJECT_MARKERS, TargetProject, inspect_project
from lionagi_qe.errors import TargetProjectError, WorkerError

CACHE_VARIABLE = "AQE_WORKER_CACHE"
GIT_TIMEOUT = 600.0
_SKIPPED = frozenset({"__pycache__", ".aqe", ".git", ".venv", "venv", "node_modules", "build", "dist"})
_ALL_REFS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_WHERE = "run workers where the project is at the same path (a shared volume), or pass --from-git URL@COMMIT"


def cache_dir() -> Path:
    """Where workers keep `--from-git` checkouts: $AQE_WORKER_CACHE, else ~/.cache/aqe/checkouts."""
    given = os.environ.get(CACHE_VARIABLE, "").strip()
    return Path(given).expanduser() if given else Path.home() / ".cache" / "aqe" / "checkouts"


def _python_files(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if child.name not in _SKIPPED and not child.name.startswith(".") and not (child / "pyvenv.cfg").exists():
                yield from _python_files(child)
        elif child.suffix == ".py":
            yield child


def fingerprint(project: TargetProject) -> str:
    """A hash of the files that decide a test run: sources, tests, conftest files and project files."""
    files: set[Path] = set(project.test_files)
    for source in project.sources:
        files.update([source] if source.is_file() else _python_files(source))
    files.update(test.parent / "conftest.py" for test in project.test_files if (test.parent / "conftest.py").is_file())
    files.update(project.root / name for name in PROJECT_MARKERS if (project.root / name).is_file())
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(project.relative(path).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def shared_source(project: TargetProject, code_path: Path) -> dict[str, Any]:
    """Workers run the project where the caller sees it."""
    return {"path": str(code_path), "root": str(project.root), "fingerprint": fingerprint(project)}


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorkerError(f"git {args[0]} did not run: {exc}") from None
    if done.returncode != 0:
        raise WorkerError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def split_git_spec(spec: str) -> tuple[str, str]:
    """('URL', 'COMMIT') from 'URL@COMMIT' (the last '@' separates them)."""
    url, at, commit = spec.rpartition("@")
    if not at or not url or not commit or "/" in commit:
        raise TargetProjectError(f"--from-git {spec!r} must be URL@COMMIT, e.g. https://git.example/app.git@4f1c2e9")
    return url, commit


def git_source(project: TargetProject, code_path: Path, spec: str) -> dict[str, Any]:
    """Workers check out URL@COMMIT; PATH must be a clean checkout of that commit (else TargetProjectError)."""
    url, commit = split_git_spec(spec)
    try:
        top = Path(_git("rev-parse", "--show-toplevel", cwd=project.root)).resolve()
        head = _git("rev-parse", "HEAD", cwd=project.root)
        full = _git("rev-parse", "--verify", f"{commit}^{{commit}}", cwd=project.root)
        dirty = _git("status", "--porcelain", "--untracked-files=no", cwd=project.root)
    except WorkerError as exc:
        raise TargetProjectError(f"--from-git needs PATH inside a git checkout of {commit}: {exc}") from None
    if head != full:
        raise TargetProjectError(
            f"{project.root} is at commit {head[:12]}, --from-git asks workers for {full[:12]}; "
            "check out that commit here (or pass the commit this checkout is at)"
        )
    if dirty:
        raise TargetProjectError(
            f"{project.root} has uncommitted changes ({dirty.splitlines()[0].strip()}, ...); workers would run "
            f"commit {full[:12]} without them: commit or stash them, or run without --from-git"
        )
    return {
        **shared_source(project, code_path),
        "url": url, "commit": full, "subdir": code_path.resolve().relative_to(top).as_posix(),
    }


def run_source(project: TargetProject, code_path: Path, from_git: str | None) -> dict[str, Any]:
    """The source of a run's jobs: `git_source` with `--from-git URL@COMMIT`, else `shared_source`."""
    return git_source(project, code_path, from_git) if from_git else shared_source(project, code_path)


def located_project(spec: dict[str, Any], *, source: Sequence[str] = (), check_syntax: bool = True) -> TargetProject:
    """The project of a job on this worker: located, inspected as the caller did, checked to be the caller's."""
    worker = str(spec.get("worker") or socket.gethostname())
    path = locate(spec["source"], cache_dir(), worker=worker)
    project = inspect_project(path, source=source, check_syntax=check_syntax)
    check_fingerprint(project, spec["source"], worker=worker)
    return project


def locate(source: dict[str, Any], cache: Path, *, worker: str) -> Path:
    """The folder this worker runs: the shared path, or its checkout of the commit (made once, then reused)."""
    if "url" not in source:
        path = Path(source["path"])
        if not path.is_dir():
            raise WorkerError(f"worker {worker} cannot see the project at {path}: no such folder here; {_WHERE}")
        return path
    tree = checkout(source["url"], source["commit"], cache)
    return tree / str(source["subdir"])


def check_fingerprint(project: TargetProject, source: dict[str, Any], *, worker: str) -> None:
    """Refuse to run a project whose files differ from the caller's."""
    if fingerprint(project) != source["fingerprint"]:
        raise WorkerError(
            f"worker {worker} sees a different project at {project.root} than the run was started on "
            f"(its sources, tests or project files differ); {_WHERE}"
        )


def checkout(url: str, commit: str, cache: Path) -> Path:
    """The files of `commit` of the repository at `url`, under `cache` (safe from many jobs at once)."""
    home = cache / hashlib.sha256(url.encode()).hexdigest()[:16]
    tree = home / "trees" / commit
    if tree.is_dir():
        return tree
    home.mkdir(parents=True, exist_ok=True)
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if tree.is_dir():
            return tree
        mirror = home / "mirror.git"
        if not mirror.is_dir():
            _git("clone", "--bare", "--quiet", url, str(mirror))
        if not _has_commit(mirror, commit):
            _git("--git-dir", str(mirror), "fetch", "--quiet", url, *_ALL_REFS)
        if not _has_commit(mirror, commit):
            raise WorkerError(f"commit {commit[:12]} is not in {url}; push it, or pass a commit the workers can fetch")
        partial = home / "trees" / f".{commit}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "--git-dir", str(mirror), "archive", "--format=tar", commit],
            capture_output=True, timeout=GIT_TIMEOUT, check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(partial, filter="data")
            else:  # Python before 3.10.12: the archive is git's own output for a commit asked by hash
                tar.extractall(partial)
        partial.rename(tree)
    return tree


def _has_commit(mirror: Path, commit: str) -> bool:
    done = subprocess.run(
        ["git", "--git-dir", str(mirror), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True, timeout=GIT_TIMEOUT, check=False,
    )
    return done.returncode == 0
