"""Choose the storage mode by name from a project setting (e.g. `[tool.aqe] storage = "embedded"`).

    choose_storage_mode("embedded", source="[tool.aqe] storage")    # call before reading the configuration
    config = StorageConfig.from_environment()                         # embedded, unless a variable says otherwise

The setting sits below the environment: when AQE_STORAGE_MODE, ENVIRONMENT or
NODE_ENV is set, that variable still decides, in the usual order. Otherwise
the chosen mode is written to AQE_STORAGE_MODE of this process, so everything
that reads the environment (every `aqe` command, `QEOrchestrator()`) uses it.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from lionagi_qe.config.storage_config import StorageConfig, StorageMode


def choose_storage_mode(
    name: object, *, source: str = "[tool.aqe] storage", env: MutableMapping[str, str] | None = None
) -> StorageMode:
    """Make `name` (any accepted spelling) the mode unless a mode variable is set; returns the mode in effect.

    A name that is no mode raises `ConfigurationError` naming `source`.
    """
    env = os.environ if env is None else env
    chosen = StorageMode.parse(name, source)
    mode, variable = StorageConfig.detect_mode(env)
    if variable is not None:
        return mode
    env["AQE_STORAGE_MODE"] = chosen.value
    return chosen
