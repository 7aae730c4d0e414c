"""Write kept tests to the output folder, never replacing a file that is already there.

    paths = write_tests(Path(".aqe/generated"), [("test_aqe_pricing_bulk_price", source)])
    # .aqe/generated/test_aqe_pricing_bulk_price.py, or ..._2.py if that name is taken
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_tests(output_dir: Path, modules: Iterable[tuple[str, str]]) -> list[Path]:
    """Create one file per (stem, source); a taken name gets a numeric suffix. Returns the paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, source in modules:
        for number in range(1, 10_000):
            path = output_dir / (f"{stem}.py" if number == 1 else f"{stem}_{number}.py")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(source)
            written.append(path)
            break
    return written
