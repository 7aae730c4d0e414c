"""Fixtures of the embedded-server tests: a data folder per test (empty, or with a cluster), a small disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import embedded
from helpers.embedded import embedded_template

__all__ = ["embedded_template"]


@pytest.fixture
def folder() -> Iterator[Path]:
    """An empty embedded data folder of this test's own (not pytest's tmp_path: see helpers/embedded.py)."""
    with embedded.data_folder() as path:
        yield path


@pytest.fixture
def made_folder(embedded_template: Path) -> Iterator[Path]:
    """A data folder of this test's own with a cluster already made (a copy), server stopped."""
    with embedded.data_folder(embedded_template) as path:
        yield path


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """An empty 96 MB tmpfs (root only)."""
    with embedded.small_disk() as point:
        yield point
