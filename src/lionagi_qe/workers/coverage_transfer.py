"""Carry one shard's coverage data from a worker to the run that waits for it, as text in a job result.

    blob = pack_coverage(Path(".../.coverage"), worker_root, caller_root)   # on the worker
    unpack_coverage(blob, parts_dir / ".coverage.shard-0")                  # on the caller, then combine_parts

The data is coverage.py's own serialization (`CoverageData.dumps`, compressed),
base64-encoded. When the worker ran a checkout at another path (`--from-git`),
every measured file is moved from the worker's project root to the caller's
first (with its per-test contexts), so the caller's `coverage combine` sees
its own paths.
"""

from __future__ import annotations

import base64
from pathlib import Path

from coverage import CoverageData


def pack_coverage(data_file: Path, worker_root: Path, caller_root: Path) -> str:
    """The data of `data_file` as text, its paths moved from `worker_root` to `caller_root`."""
    data = CoverageData(basename=str(data_file))
    data.read()
    if worker_root != caller_root:
        data = _moved(data, worker_root, caller_root)
    return base64.b64encode(data.dumps()).decode("ascii")


def unpack_coverage(blob: str, data_file: Path) -> Path:
    """Write the data of `pack_coverage` to `data_file` (a coverage.py data file); returns it."""
    data_file.unlink(missing_ok=True)
    data = CoverageData(basename=str(data_file))
    data.loads(base64.b64decode(blob))
    data.write()
    return data_file


def _moved(data: CoverageData, worker_root: Path, caller_root: Path) -> CoverageData:
    """The same data under the caller's paths: lines or arcs, per-test contexts, and files touched but not run
    (a shard that ran none of the measured code has only those, and no mode yet, as `coverage combine` leaves it)."""
    moved = CoverageData(no_disk=True)
    moved.update(data, map_path=lambda name: _move(name, worker_root, caller_root))
    return moved


def _move(name: str, worker_root: Path, caller_root: Path) -> str:
    path = Path(name)
    try:
        return str(caller_root / path.relative_to(worker_root))
    except ValueError:
        return name
