"""The fleet's target projects run without autoloading the installed pytest plugins (see helpers/fleet.py)."""

from collections.abc import Iterator

import pytest

from helpers.fleet import targets_without_plugin_autoload
from helpers.workers import drop_queue

__all__ = ["targets_without_plugin_autoload"]


@pytest.fixture
def queue_schema(postgres_url: str, pg_schema: str) -> Iterator[str]:
    """This test's memory schema; its job queue schema (<schema>_jobs) is dropped afterwards too."""
    yield pg_schema
    drop_queue(postgres_url, pg_schema)
