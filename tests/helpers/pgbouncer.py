"""A real PgBouncer in front of a PostgreSQL server, for the tests and the benchmarks.

    with PgBouncer(upstream_url, "transaction") as bouncer:
        bouncer.url         # the upstream URL with host and port at PgBouncer (127.0.0.1, a free port)
        config = config_through(bouncer, StorageConfig.for_production(upstream_url))  # pooler and direct URL set

PgBouncer comes from the Debian package `pgbouncer` (`find_binary()` is None
without it). It runs in a temporary folder with trust authentication, listens
on loopback only, and is stopped (and the folder removed) on exit. It refuses
to run as root, so under root it switches (`-u`) to the `postgres` user, or to
the owner of the upstream's socket folder (the embedded test server's).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import pytest
from psycopg.conninfo import conninfo_to_dict

from lionagi_qe.config import StorageConfig

PACKAGE = "pgbouncer"
"""The Debian/Ubuntu package with the binary: `apt-get install -y pgbouncer`."""
_RUN_AS = "postgres"
_START_SECONDS = 15.0


def find_binary() -> str | None:
    """The pgbouncer executable on PATH or in /usr/sbin, else None."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgBouncer:
    """One PgBouncer process in `mode` ('transaction' or 'session') in front of `upstream_url`."""

    def __init__(self, upstream_url: str, mode: str, *, pool_size: int = 20, ignore_options: bool = False) -> None:
        binary = find_binary()
        if binary is None:
            raise FileNotFoundError(f"pgbouncer is not installed: apt-get install -y {PACKAGE}")
        self.binary = binary
        self.upstream_url = upstream_url
        self.mode = mode
        self.pool_size = pool_size
        self.ignore_options = ignore_options  # True: accept (and drop) libpq's `options`, as a pooler nobody declared
        self.port = 0
        self.url = ""
        self._folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PgBouncer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, start PgBouncer and wait until it accepts connections."""
        upstream = conninfo_to_dict(self.upstream_url)
        user = str(upstream.get("user") or _RUN_AS)
        host = str(upstream.get("host") or "127.0.0.1")
        run_as = pwd.getpwuid(os.stat(host).st_uid).pw_name if host.startswith("/") else _RUN_AS
        self._folder = folder = Path(tempfile.mkdtemp(prefix=f"aqe-pgbouncer-{self.mode}-"))
        self.port = free_port()
        (folder / "userlist.txt").write_text(f'"{user}" ""\n')
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={upstream.get('port') or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'userlist.txt'}\n"
            f"pool_mode = {self.mode}\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 500\n"
            f"logfile = {folder / 'pgbouncer.log'}\nignore_startup_parameters = extra_float_digits"
            f"{', options' if self.ignore_options else ''}\n"
        )
        command = [self.binary, str(folder / "pgbouncer.ini")]
        if os.geteuid() == 0:
            shutil.chown(folder, run_as)
            for path in folder.iterdir():
                shutil.chown(path, run_as)
            command[1:1] = ["-u", run_as]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        parts = urlsplit(self.upstream_url)
        self.url = parts._replace(netloc=f"{user}@127.0.0.1:{self.port}", query="").geturl()
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                self.stop()
                raise RuntimeError(f"pgbouncer exited at start-up: {error.strip()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on 127.0.0.1:{self.port} within {_START_SECONDS:g}s")

    def stop(self) -> None:
        """Stop PgBouncer and remove its folder; idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stderr is not None:
            process.stderr.close()
        folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def config_through(bouncer: PgBouncer, direct: StorageConfig) -> StorageConfig:
    """`direct`'s settings with DATABASE_URL at `bouncer` (its pool mode) and AQE_DB_DIRECT_URL at the server."""
    assert direct.database_url is not None
    urls = {"mode", "database_url", "embedded_data", "pooler", "direct_url"}
    settings = direct.model_dump(exclude=urls)
    return StorageConfig.for_production(
        bouncer.url, **settings, pooler=bouncer.mode, direct_url=direct.database_url.get_secret_value()
    )


def need_pgbouncer() -> None:
    """Skip the test where pgbouncer is not installed; in CI (.ci/run installs it) fail instead."""
    if find_binary() is None:
        reason = f"pgbouncer is not installed: apt-get install -y {PACKAGE} (Debian package)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
