"""The target projects these tests run use no pytest plugin: skip autoloading the installed ones.

Loading them (hypothesis, pytest-asyncio, ...) costs seconds for every pytest
process the fleet starts on a target; the fleet's behaviour does not depend on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module", autouse=True)
def _targets_without_plugin_autoload() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        yield
