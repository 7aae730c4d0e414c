"""Helpers for embedded-mode tests: temporary data folders and `aqe` processes in embedded mode.

    with data_folder() as folder:                 # a fresh AQE_EMBEDDED_DATA, removed afterwards
    with data_folder(embedded_template) as folder:   # the same with a cluster already made (fixture)
        done = aqe(embedded_env(folder), "memory", "ls", "aqe/")

Folders live in the system temp dir, not under pytest's tmp_path: as root the
server runs as the `pgserver` user, which must pass through every parent, and
pytest resets its own root folder to 0700 whenever a session starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lionagi_qe.config.storage_config import STORAGE_VARIABLES
from lionagi_qe.storage.embedded_server import EmbeddedServer

AQE = str(Path(sys.executable).parent / "aqe")


@contextlib.contextmanager
def data_folder(template: Path | None = None) -> Iterator[Path]:
    """A new embedded data folder, empty or with a copy of `template`'s cluster; its server is stopped at the end.

    Copying a cluster made once (`embedded_template`) spares each test an initdb of several seconds.
    """
    folder = Path(tempfile.mkdtemp(prefix="aqe-embedded-test-"))
    if template is not None:
        subprocess.run(["cp", "-a", str(template / "pgdata"), str(folder / "pgdata")], check=True)
    try:
        yield folder
    finally:
        stop_server(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded_template() -> Iterator[Path]:
    """A data folder whose cluster is made once per session (its server stopped), for `data_folder` to copy."""
    with data_folder() as folder:
        EmbeddedServer(folder).acquire().release()
        yield folder


def stop_server(folder: Path, timeout: float = 60) -> None:
    """Stop the folder's server if one runs (fast shutdown), whoever holds leases on it."""
    pid = EmbeddedServer(folder).status()["pid"]
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while EmbeddedServer(folder).status()["pid"] is not None and time.monotonic() < deadline:
        time.sleep(0.05)


def embedded_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an `aqe` process in embedded mode on `folder`, offline, without other storage variables."""
    env = {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES}
    for name in ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL"):
        env.pop(name, None)
    env.update(AQE_STORAGE_MODE="embedded", AQE_EMBEDDED_DATA=str(folder), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.update(extra)
    return env


def aqe(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the installed `aqe` with `args` in its own process."""
    return subprocess.run([AQE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def mount_or_skip(*args: str) -> None:
    """`mount ARGS`; the test is skipped when the machine does not let it mount (not root)."""
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"needs root to mount a file system for this fault (mount said: {done.stderr.strip()})")


@contextlib.contextmanager
def small_disk(size: str = "96m") -> Iterator[Path]:
    """An empty tmpfs of `size` (root only): a disk that fills up for real; servers on it are stopped after."""
    point = Path(tempfile.mkdtemp(prefix="aqe-small-disk-"))
    try:
        mount_or_skip("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point))
        try:
            yield point
        finally:
            for data in point.iterdir():
                stop_server(data)
            subprocess.run(["umount", str(point)], check=False)
    finally:
        point.rmdir()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` cannot be written while inside: a read-only bind mount as root, mode 0555 otherwise."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    mount_or_skip("--bind", str(path), str(path))
    try:
        mount_or_skip("-o", "remount,bind,ro", str(path))
        yield
    finally:
        subprocess.run(["umount", str(path)], check=False)
