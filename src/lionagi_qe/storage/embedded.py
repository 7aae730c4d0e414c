"""`EmbeddedMemory`: the backend of embedded mode, `PostgresMemory` on a server started on demand.

    memory = EmbeddedMemory(StorageConfig.for_embedded())     # data in ~/.local/share/lionagi-qe/embedded
    await memory.connect()          # start the server unless another aqe process did; then as in production
    await memory.store("aqe/quality/metrics", {"coverage": 94.5})
    await memory.disconnect()       # the last process to disconnect stops the server

Everything but the server's lifetime is production's code: the same schema and
migrations, group commit, retries and watches. See storage/embedded_server.py
for how processes share the server.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import ConfigurationError
from lionagi_qe.storage.codec import MAX_VALUE_BYTES
from lionagi_qe.storage.embedded_server import DEFAULT_TIMEOUT, EmbeddedServer, Lease
from lionagi_qe.storage.postgres import PostgresMemory


class EmbeddedMemory(PostgresMemory):
    """Durable memory shared by the processes of one machine through an embedded PostgreSQL server."""

    backend_name = "embedded"

    def __init__(self, config: StorageConfig, *, max_value_bytes: int = MAX_VALUE_BYTES) -> None:
        if config.mode is not StorageMode.EMBEDDED or config.embedded_data is None:
            raise ConfigurationError("EmbeddedMemory needs an embedded-mode config: StorageConfig.for_embedded()")
        self.server = EmbeddedServer(config.embedded_data, timeout=max(DEFAULT_TIMEOUT, config.connection_timeout))
        server_config = StorageConfig.for_production(
            self.server.url,
            min_connections=config.min_connections,
            max_connections=config.max_connections,
            connection_timeout=config.connection_timeout,
            pool_recycle=config.pool_recycle,
            db_schema=config.db_schema,
        )
        super().__init__(server_config, max_value_bytes=max_value_bytes)
        self.embedded_config = config
        self.lease: Lease | None = None
        self._leasing = asyncio.Lock()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<EmbeddedMemory {self.server.data_dir} schema={self.schema!r} {state}>"

    async def connect(self) -> None:
        """Hold a lease on the server (starting it if needed), then connect as production does; idempotent."""
        async with self._leasing:
            if self.lease is None:
                self.lease = await asyncio.to_thread(self.server.acquire)
            try:
                await super().connect()
            except BaseException:
                await self._release()
                raise

    async def disconnect(self) -> None:
        """Close the connections, then let go of the server (the last user stops it); idempotent."""
        async with self._leasing:
            try:
                await super().disconnect()
            finally:
                await self._release()

    async def _release(self) -> None:
        lease, self.lease = self.lease, None
        if lease is not None:
            await asyncio.to_thread(lease.release)

    async def health(self) -> dict[str, Any]:
        """Production's health figures plus the data folder and the server's pid."""
        report = await super().health()
        report.update(data_folder=str(self.server.data_dir), server_pid=self.lease.server_pid if self.lease else None)
        return report
