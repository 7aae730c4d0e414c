"""Ctrl-C during `aqe run`: say what was interrupted, mark the run in memory, exit 130 at once.

    cancel_on_sigint()                 # inside the run's task: Ctrl-C cancels it (a second Ctrl-C exits at once)
    try:
        report = await run_fleet(...)
    except asyncio.CancelledError:
        await mark_interrupted(memory, RunStatusRecord(...))
        leave_now()                    # stop our child processes (the suite), flush, exit 130

The agents work in threads and in subprocesses (the target's pytest); an
ordinary exit would wait for them. `leave_now` terminates this process's
children and ends the process without waiting, so Ctrl-C takes effect
within a second. `aqe history` shows the run as interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from lionagi_qe.agents.memory_keys import run_status_key
from lionagi_qe.agents.records import RunStatusRecord
from lionagi_qe.storage.base import MemoryBackend

EXIT_INTERRUPTED = 130
"""The exit code of a process ended by SIGINT, as shells report it."""
CLEANUP_SECONDS = 0.5
"""At most this long for marking the run in memory and disconnecting after Ctrl-C."""

log = logging.getLogger(__name__)


def cancel_on_sigint() -> None:
    """From now on Ctrl-C cancels the current task; pressed again, it exits at once (no-op where unsupported)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:
        return
    pressed: list[bool] = []

    def on_sigint() -> None:
        if pressed:
            leave_now()
        pressed.append(True)
        task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)


async def mark_interrupted(memory: MemoryBackend, record: RunStatusRecord) -> bool:
    """Store the record under aqe/runs/<run>/status within CLEANUP_SECONDS; False if memory did not take it."""
    try:
        await asyncio.wait_for(memory.store(run_status_key(record.run_id), record.to_json()), CLEANUP_SECONDS)
    except Exception as exc:  # marking is best effort: the exit must not wait for a broken memory
        log.warning("could not mark run %s interrupted: %s", record.run_id, exc)
        return False
    return True


def child_pids(parent: int | None = None) -> list[int]:
    """The processes whose parent is `parent` (default: this one), read from /proc; none where it is absent."""
    parent = os.getpid() if parent is None else parent
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = text.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(parent):
            found.append(int(stat.parent.name))
    return found


def leave_now() -> NoReturn:
    """Terminate this process's children, flush stdout and stderr, and exit 130 without waiting for threads."""
    for pid in child_pids():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(EXIT_INTERRUPTED)
