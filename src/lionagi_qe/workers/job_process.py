"""Run one job in a process of its own, so a worker can stop it cleanly and is never taken down by it.

    python -m lionagi_qe.workers.job_process SPEC_FILE RESULT_FILE WORKER_PID

SPEC_FILE holds {"kind", "spec"}; RESULT_FILE receives {"status": "ok", "result"}
or {"status": "failed", "error", "retry", "fault"}: fault `project` (not
retried) for `TargetProjectError`, `worker` (retried) for `WorkerError`. The
process leads its own process group; if its parent (the worker) dies, it
kills the group, its test processes with it, so a killed worker leaves
nothing running (WORKER_PID is given, not read, so a worker killed while
this process starts is noticed too).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from lionagi_qe.errors import TargetProjectError, WorkerError
from lionagi_qe.workers.job_kinds import JOB_KINDS

PARENT_CHECK = 0.2


def _follow_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def run(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a job of `kind` on `spec`; the outcome as RESULT_FILE holds it."""
    try:
        return {"status": "ok", "result": JOB_KINDS[kind].run(spec)}
    except TargetProjectError as exc:
        return {"status": "failed", "error": str(exc), "retry": False, "fault": "project"}
    except WorkerError as exc:
        return {"status": "failed", "error": str(exc), "retry": True, "fault": "worker"}


def main(argv: list[str]) -> int:
    spec_file, result_file, worker = Path(argv[1]), Path(argv[2]), int(argv[3])
    if os.getpgrp() == os.getpid():  # started as a group leader by a worker: die with it
        threading.Thread(target=_follow_parent, args=(worker,), daemon=True).start()
    job = json.loads(spec_file.read_text(encoding="utf-8"))
    outcome = run(job["kind"], job["spec"])
    partial = result_file.with_suffix(".partial")
    partial.write_text(json.dumps(outcome), encoding="utf-8")
    partial.rename(result_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
