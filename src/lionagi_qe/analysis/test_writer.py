"""Write kept tests to the output folder, never replacing a file and never writing a second copy.

    paths = write_tests(Path(".aqe/generated"), [("test_aqe_pricing_bulk_price", source)])
    # .aqe/generated/test_aqe_pricing_bulk_price.py, or ..._2.py if that name holds another test;
    # if one of those files already holds exactly `source`, that file (nothing is written)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

MAX_NUMBER = 10_000


def write_tests(output_dir: Path, modules: Iterable[tuple[str, str]]) -> list[Path]:
    """One file per (stem, source), or the file already holding that source; returns the paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, source in modules:
        for number in range(1, MAX_NUMBER):
            path = output_dir / (f"{stem}.py" if number == 1 else f"{stem}_{number}.py")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if _holds(path, source):
                    written.append(path)
                    break
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(source)
            written.append(path)
            break
    return written


def _holds(path: Path, source: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == source
    except (OSError, UnicodeDecodeError):
        return False
