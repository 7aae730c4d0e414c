"""Helpers of the PostgreSQL tests: settings, polling, worker processes, a TCP proxy the
test can cut, and an embedded server of the tests' own that they may restart.

Everything listens on loopback only. The machine's shared server is never restarted:
restart tests start their own embedded server (pgserver).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lionagi_qe.config import StorageConfig
from lionagi_qe.config.storage_config import STORAGE_VARIABLES

WORKER = Path(__file__).with_name("pg_worker.py")


def production_config(url: str, schema: str, **settings: Any) -> StorageConfig:
    """Production settings for tests: small pool, short timeout, the given schema."""
    values: dict[str, Any] = {"min_connections": 1, "max_connections": 4, "connection_timeout": 10}
    values.update(settings)
    return StorageConfig.for_production(url, db_schema=schema, **values)


async def wait_until_async(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `condition` until true; fail the test if `timeout` seconds pass (a bound, not a measure)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


# -- worker processes --------------------------------------------------------


def worker_command(*args: str) -> list[str]:
    """The command line of `pg_worker.py` with these arguments."""
    return [sys.executable, str(WORKER), *args]


def worker_env(**extra: str) -> dict[str, str]:
    """This environment without storage variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES}
    env.update(extra)
    return env


def run_worker(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Run `pg_worker.py` to completion; returns its stdout, fails the test on a non-zero exit."""
    done = subprocess.run(
        worker_command(*args), env=env or worker_env(), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"worker {args[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def start_together(commands: list[list[str]], go: Path, env: dict[str, str], timeout: float = 120) -> list[str]:
    """Start the workers, wait until each says 'ready', create `go`, return each one's stdout."""
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for cmd in commands
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                pytest.fail(f"worker did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        go.touch()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, f"worker failed:\n{err[-3000:]}"
            outputs.append(out)
        return outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# -- a TCP proxy between the pool and the server -----------------------------


class CutProxy:
    """A byte-for-byte TCP proxy on 127.0.0.1 that can cut a connection at a chosen moment.

    `cut_next_request()`: the next bytes a client sends are dropped and both ends closed,
    so the statement never reaches the server. `cut_next_response()`: the server's next
    reply is dropped instead, after the server has run (and committed) the statement.
    `stall()`: nothing is forwarded any more, in either direction, and nothing is closed,
    as in a silent network partition; `resume()` forwards what was held back and goes on.
    """

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        query = parse_qs(parts.query)
        host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
        self.port_target = int(query.get("port", [parts.port or 5432])[0])
        self.unix_path = f"{host}/.s.PGSQL.{self.port_target}" if host.startswith("/") else None
        self.host_target = host
        self.user = parts.username or "postgres"
        self.password = parts.password
        self.database = parts.path.lstrip("/") or "postgres"
        self._cut_request = self._cut_response = False
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.cuts = 0

    @property
    def url(self) -> str:
        auth = self.user if self.password is None else f"{self.user}:{self.password}"
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"postgresql://{auth}@127.0.0.1:{port}/{self.database}?sslmode=disable"

    async def start(self) -> CutProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()

    def cut_next_request(self) -> None:
        self._cut_request = True

    def cut_next_response(self) -> None:
        self._cut_response = True

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.unix_path:
            server_reader, server_writer = await asyncio.open_unix_connection(self.unix_path)
        else:
            server_reader, server_writer = await asyncio.open_connection(self.host_target, self.port_target)
        self._writers |= {client_writer, server_writer}
        ends = (client_writer, server_writer)
        await asyncio.gather(
            self._pump(client_reader, server_writer, ends, request=True),
            self._pump(server_reader, client_writer, ends, request=False),
            return_exceptions=True,
        )
        self._writers -= {client_writer, server_writer}

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        ends: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        *,
        request: bool,
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                if (request and self._cut_request) or (not request and self._cut_response):
                    self._cut_request = self._cut_response = False
                    self.cuts += 1
                    for end in ends:
                        end.transport.abort()
                    return
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


# -- an embedded server of our own ------------------------------------------


@dataclass
class OwnServer:
    """An embedded PostgreSQL (pgserver) that only these tests use, so they may restart it."""

    server: Any
    url: str
    socket_dir: str

    def _pg_ctl(self, *args: str) -> None:
        from pgserver import _commands

        _commands.pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def stop(self) -> None:
        """Fast shutdown: sessions are told the server is going down, then it exits."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        """Start again with the same socket directory, listening on no TCP address."""
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")

    def restart(self, downtime: float) -> None:
        """Stop, stay down `downtime` seconds, start."""
        self.stop()
        time.sleep(downtime)
        self.start()


async def run_guide_sample(*samples: str) -> dict[str, Any]:
    """Run guide samples as written, in one namespace, top-level `await` allowed."""
    namespace: dict[str, Any] = {"__name__": "guide_reader"}
    for sample in samples:
        code = compile(sample, "<guide sample>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)  # the guide's own code, run as a reader would
        if inspect.iscoroutine(result):
            await result
    return namespace
