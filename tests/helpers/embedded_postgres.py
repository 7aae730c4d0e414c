"""The embedded PostgreSQL (pgserver) the tests start when no server is configured.

    pgserver = import_pgserver()
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
"""

from __future__ import annotations

import warnings
from types import ModuleType


def import_pgserver() -> ModuleType:
    """Import pgserver without the warning platformdirs gives when XDG_RUNTIME_DIR is unset (root, CI)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver
