"""A client for the warm worker: one process of the target's interpreter that imports the project once.

    with WarmWorker.start(project, python, log_dir, condition="witness") as worker:
        worker.request("load", modules=["shopkit.pricing"], files=[...])
        reply = worker.request("run", calls=[...], timeout=1.0)

The worker (`probes/aqe_warm_worker.py`) runs calls and tests in forks of
itself, so each starts from the imported project without paying for the
import again. Requests are JSON lines on its stdin, replies come back on a
pipe of their own (the project's output goes to `log_dir/worker-*.log`).
`condition="witness"` starts it in other surroundings (time zone, hash
seed, temporary folder) so results that depend on them can be told apart.
Forks need Linux (`available()`); elsewhere aqe runs each test in its own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.probes import PROBES_DIR
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import probe_environment
from lionagi_qe.errors import TargetProjectError

WORKER = PROBES_DIR / "aqe_warm_worker.py"
WITNESS_ENV = {"TZ": "Pacific/Kiritimati", "PYTHONHASHSEED": "12345", "LC_ALL": "C"}
PRIMARY_ENV = {"PYTHONHASHSEED": "0"}


def available() -> bool:
    """Whether warm workers can fork here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class WorkerError(TargetProjectError):
    """The warm worker broke or did not answer."""


class WarmWorker:
    """A running warm worker; see the module docstring."""

    def __init__(self, process: subprocess.Popen[bytes], replies: Any, temp: tempfile.TemporaryDirectory[str]) -> None:
        self.process = process
        self.replies = replies
        self.temp = temp

    @classmethod
    @contextmanager
    def start(
        cls, project: TargetProject, python: Path, log_dir: Path, *, condition: str = "primary"
    ) -> Iterator[WarmWorker]:
        """Start a worker (closed on exit)."""
        log_dir.mkdir(parents=True, exist_ok=True)
        temp = tempfile.TemporaryDirectory(prefix=f"aqe-{condition}-")
        extra = {**(WITNESS_ENV if condition == "witness" else PRIMARY_ENV), "TMPDIR": temp.name}
        env = probe_environment(project, extra)
        if condition != "witness" and "TZ" in os.environ:
            env["TZ"] = os.environ["TZ"]
        read_end, write_end = os.pipe()
        with (log_dir / f"worker-{condition}.log").open("ab") as log:
            process = subprocess.Popen(
                [str(python), str(WORKER), str(write_end)], cwd=project.root, env=env, stdin=subprocess.PIPE,
                stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_end,),
            )
        os.close(write_end)
        worker = cls(process, os.fdopen(read_end, "r", encoding="utf-8"), temp)
        try:
            yield worker
        finally:
            worker.close()

    def request(self, op: str, *, timeout: float = 600.0, **payload: Any) -> dict[str, Any]:
        """Send one request and wait (at most `timeout` s) for its reply; raises `WorkerError`."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps({"op": op, **payload}) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"the warm worker stopped ({exc}); see its log") from None
        line = self._read_line(timeout)
        if not line:
            raise WorkerError(f"the warm worker gave no answer to {op!r} (exit {self.process.poll()}); see its log")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"the warm worker failed on {op!r}: {reply['error']}\n{reply.get('trace', '')}")
        return reply

    def _read_line(self, timeout: float) -> str:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.replies.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.process.kill()
            raise WorkerError(f"the warm worker did not answer within {timeout:g}s and was stopped")
        return box[0] if box else ""

    def close(self) -> None:
        """Stop the worker and remove its temporary folder."""
        if self.process.stdin is not None:
            with suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.replies.close()
        self.temp.cleanup()
