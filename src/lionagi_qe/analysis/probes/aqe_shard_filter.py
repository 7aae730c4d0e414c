"""pytest plugin that keeps one shard's test files (`-p aqe_shard_filter`), loaded by aqe's distributed runs.

    pytest -p aqe_shard_filter --aqe-shard-keep=tests/test_a.py --aqe-shard-keep=tests/test_b.py
    pytest -p aqe_shard_filter --aqe-shard-skip=tests/test_a.py     # every file but the other shards'

Paths are relative to the folder pytest runs in. With `--aqe-shard-keep`, only those
files are collected; with `--aqe-shard-skip` (the shard that takes the rest),
every file but those is. pytest's own selection (testpaths, python_files,
-m, -k, --ignore) still applies, and files of other shards are not
imported (unless named on the command line: then their tests are deselected). Standard library and pytest only.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aqe shard")
    group.addoption("--aqe-shard-keep", action="append", default=None, help="collect only this test file")
    group.addoption("--aqe-shard-skip", action="append", default=None, help="do not collect this test file")


def _paths(config: pytest.Config, option: str) -> set[Path] | None:
    given = config.getoption(option)
    return None if given is None else {(config.invocation_params.dir / p).resolve() for p in given}


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KEEP] = _paths(config, "aqe_shard_keep")
    config.stash[_SKIP] = _paths(config, "aqe_shard_skip") or set()


_KEEP = pytest.StashKey["set[Path] | None"]()
_SKIP = pytest.StashKey["set[Path]"]()


def _other_shards(config: pytest.Config, path: Path) -> bool:
    """True when the test file `path` belongs to another shard."""
    keep = config.stash[_KEEP]
    return path not in keep if keep is not None else path in config.stash[_SKIP]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.suffix != ".py" or collection_path.name in ("conftest.py", "__init__.py"):
        return None
    return True if _other_shards(config, collection_path.resolve()) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files named on the command line are collected whatever the ignore hook says: deselect other shards' tests."""
    others = [item for item in items if _other_shards(config, item.path.resolve())]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if item not in others]
