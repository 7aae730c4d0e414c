"""What each connection of the PostgreSQL backend is opened with, derived from `StorageConfig`.

    settings = ConnectionSettings.from_config(config)
    direct = ConnectionSettings.from_config(config, direct=True)   # AQE_DB_DIRECT_URL, else DATABASE_URL
    conn = await psycopg.AsyncConnection.connect(url, **settings.connect_kwargs())
    settings.answer_deadline      # seconds a statement may go unanswered before the client gives up

Every bound comes from one setting, T = `connection_timeout` (DB_CONNECTION_TIMEOUT):

| bound | value | what it does |
|---|---|---|
| `connect_timeout` | T / hosts (at least 2 s, libpq's minimum) | each host of a multi-host URL gets its share |
| `lock_timeout` | T | the server cancels a statement waiting longer for another connection's lock |
| `statement_timeout` | T + 1 s | the server cancels a statement running longer (a lock wait is reported first) |
| `tcp_user_timeout` | T | the kernel gives up a connection whose sent data stays unacknowledged |
| TCP keepalives | probes after T/3 idle, every T/3, 3 lost | an idle connection to a vanished server is found dead |
| `answer_deadline` | T + 2 s | the client gives up a connection that stays silent past the server's own bounds |

The server settings travel in libpq's `options` startup parameter, ahead of any
`options` the URL gives (so the URL's own `-c statement_timeout=...` wins).
With several hosts, once one has answered it is tried first by later
connections (`connect_kwargs(first=...)`), so they do not each wait out a dead
host's share again. Every libpq keyword is one field here. Behind a
transaction pooler (`pooler = transaction`, such as PgBouncer) the connections
to `database_url` make no server-side prepared statements (psycopg's
`prepare_threshold=None`); those to a separate `direct_url` reach the server
itself and do. Through a declared pooler (session or transaction) the
server-side bounds are not sent either: PgBouncer refuses the `options`
startup parameter, and a server connection is shared by many clients; the
client's `answer_deadline`, `tcp_user_timeout` and keepalives still bound
every call (a URL's own `options` are passed as given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from lionagi_qe.config import PoolerMode, StorageConfig
from lionagi_qe.config.database_url import host_count

GRACE_SECONDS = 1.0
"""statement_timeout runs this much past lock_timeout, and the client waits this much past statement_timeout."""
LIBPQ_MIN_CONNECT_TIMEOUT = 2
KEEPALIVE_PROBES = 3


@dataclass(frozen=True)
class ConnectionSettings:
    """The connect keywords and server-side bounds of every connection (see module doc)."""

    connection_timeout: float
    connect_timeout: int
    application_name: str | None
    keepalives_idle: int
    url_options: str | None
    prepared_statements: bool = True
    server_bounds: bool = True
    hosts: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: StorageConfig, *, direct: bool = False) -> ConnectionSettings:
        """The settings for `config` (which must have a database URL).

        `direct`: for the connections that need one server session (migrations, LISTEN),
        made to `config.session_url` (AQE_DB_DIRECT_URL, else DATABASE_URL).
        """
        secret = config.session_url if direct else config.database_url
        url = "" if secret is None else secret.get_secret_value()
        to_server = direct and config.direct_url is not None
        try:
            given = conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            given = {}
        timeout = config.connection_timeout
        share = timeout / host_count(url)
        return cls(
            connection_timeout=timeout,
            connect_timeout=max(LIBPQ_MIN_CONNECT_TIMEOUT, math.floor(share)),
            application_name=None if "application_name" in given else f"lionagi-qe:{config.db_schema}",
            keepalives_idle=max(1, round(timeout / 3)),
            url_options=str(given["options"]) if given.get("options") else None,
            prepared_statements=to_server or config.pooler is not PoolerMode.TRANSACTION,
            server_bounds=to_server or config.pooler is PoolerMode.NONE,
            hosts=tuple(str(given.get("host") or "").split(",")),
            ports=tuple(str(given.get("port") or "").split(",")),
        )

    @property
    def lock_timeout_ms(self) -> int:
        return max(1, round(self.connection_timeout * 1000))

    @property
    def statement_timeout_ms(self) -> int:
        return self.lock_timeout_ms + round(GRACE_SECONDS * 1000)

    @property
    def answer_deadline(self) -> float:
        """Seconds a statement may stay unanswered before the client gives up its connection."""
        return self.connection_timeout + 2 * GRACE_SECONDS

    def server_options(self) -> str:
        """libpq's `options`: the server-side bounds, then whatever the URL sets."""
        ours = f"-c statement_timeout={self.statement_timeout_ms} -c lock_timeout={self.lock_timeout_ms}"
        return ours if self.url_options is None else f"{ours} {self.url_options}"

    def connect_kwargs(self, first: tuple[str, str] | None = None) -> dict[str, Any]:
        """Keyword arguments of `psycopg.AsyncConnection.connect` (and of the pool's `kwargs`).

        `first`: the (host, port) that answered last time, tried before the URL's other hosts.
        """
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": self.connect_timeout,
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle,
            "keepalives_interval": self.keepalives_idle,
            "keepalives_count": KEEPALIVE_PROBES,
            "tcp_user_timeout": self.lock_timeout_ms,
        }
        if self.server_bounds:
            kwargs["options"] = self.server_options()
        if self.application_name is not None:
            kwargs["application_name"] = self.application_name
        if not self.prepared_statements:
            kwargs["prepare_threshold"] = None
        if first is not None:
            kwargs.update(self._hosts_starting_with(*first))
        return kwargs

    def _hosts_starting_with(self, host: str, port: str) -> dict[str, str]:
        """libpq's `host` and `port` lists reordered so (host, port) comes first; {} if it is not one of them."""
        hosts, ports = self.hosts, self.ports
        if len(hosts) < 2 or len(ports) not in (1, len(hosts)):
            return {}
        pairs = list(zip(hosts, ports * len(hosts) if len(ports) == 1 else ports, strict=True))
        matching = [i for i, (h, p) in enumerate(pairs) if h == host and (p or "5432") == port]
        if not matching:
            return {}
        pairs.insert(0, pairs.pop(matching[0]))
        return {"host": ",".join(h for h, _ in pairs), "port": ",".join(p for _, p in pairs)}
