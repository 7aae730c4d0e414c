"""Fixtures of the embedded-server tests: a fresh data folder per test, and a small disk of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import embedded


@pytest.fixture
def folder() -> Iterator[Path]:
    """An empty embedded data folder of this test's own (not pytest's tmp_path: see helpers/embedded.py)."""
    with embedded.data_folder() as path:
        yield path


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """An empty 96 MB tmpfs (root only)."""
    with embedded.small_disk() as point:
        yield point
