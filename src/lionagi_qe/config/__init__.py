"""Storage configuration: `StorageMode` and `StorageConfig`.

    from lionagi_qe.config import StorageConfig, StorageMode
    config = StorageConfig.from_environment()
"""

from lionagi_qe.config.database_url import redact_url
from lionagi_qe.config.mode_choice import choose_storage_mode
from lionagi_qe.config.storage_config import PoolerMode, StorageConfig, StorageMode

__all__ = ["PoolerMode", "StorageConfig", "StorageMode", "choose_storage_mode", "redact_url"]
