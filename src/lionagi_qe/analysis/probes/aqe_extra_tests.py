"""pytest plugin that adds test files to the run's own selection (`-p aqe_extra_tests`; used by aqe).

Environment:
  AQE_EXTRA_TESTS   test files to collect as well, os.pathsep-separated

The suite is collected as configured (testpaths, arguments), and these
files with it: the kept generated tests run together with the suite.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    extra = [path for path in os.environ.get("AQE_EXTRA_TESTS", "").split(os.pathsep) if path]
    config.args.extend(path for path in extra if path not in config.args)

