"""The PostgreSQL server of embedded mode: started on demand, shared by the user's `aqe` processes.

    server = EmbeddedServer(Path("~/.local/share/lionagi-qe/embedded").expanduser())
    lease = server.acquire()       # starts the server unless it runs; waits while another process starts it
    ...                            # connect to server.url (a Unix socket; no TCP port is opened)
    lease.release()                # the last process to let go stops the server
    server.status()                # {'state': 'running', 'pid': ..., 'users': [...], ...}, changes nothing

The binaries come from the `pgserver` package (pip install 'lionagi-qe-fleet[embedded]').
The data folder holds:

    pgdata/                 the PostgreSQL cluster (made by initdb on first use); also its socket
                            directory when the path is short enough, else a folder in the temp dir
    server.lock             locked (flock, exclusive) while a process starts or stops the server
    users/<pid>-<n>.lease   one per user of the server, locked (flock) by its process while in use
    server.log              the server's own log

Sharing. pgserver shares a server by keeping the PIDs of its users in a JSON file
and stopping the server when the last one exits normally; a process killed with
SIGKILL stays in that list, so the server is never stopped. Here a user is a lease
file its process keeps locked: the kernel drops a dead process's locks, SIGKILL
included, so a lease that can be locked is stale and is removed, and nothing has
to clean up after a crash. Leases are made and counted only under `server.lock`,
the same kind of inter-process lock pgserver takes around starting: a process that
arrives while another starts or stops the server waits for it. Releasing removes
the lease and, when no live lease is left, stops the server (fast shutdown: a
checkpoint, then exit), all under the lock. Locks need a local file system (not NFS).

Nothing here deletes data: a cluster of another PostgreSQL major version, a folder
that is not a cluster, a full disk or a folder that cannot be written each stop
with an `EmbeddedServerError` saying what to do. A `postmaster.pid` left by a killed
server is removed only once no process of that server is alive.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

from lionagi_qe.errors import ConfigurationError, EmbeddedServerError

log = logging.getLogger(__name__)

SERVER_USER = "pgserver"
"""PostgreSQL refuses to run as root: as root, the server runs as this system user (pgserver's own choice)."""
MIN_FREE_BYTES = 64 * 1024 * 1024
"""Free space below which the server is not started: recovery alone may need a new 16 MB WAL segment."""
DEFAULT_TIMEOUT = 120.0
STOP_GRACE_SECONDS = 30.0
"""How long a fast shutdown may take before an immediate one (no committed write is lost by either)."""
PORT = 5432
_SOCKET_PATH_MAX = 100
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
_POLL_SECONDS = 0.01
_LOG_TAIL_LINES = 6
_lease_numbers = itertools.count(1)


@cache
def binaries() -> Path:
    """The folder of pgserver's PostgreSQL programs (initdb, postgres)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pgserver's import warns when XDG_RUNTIME_DIR is unset (root, CI)
            from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise ConfigurationError(
            "embedded mode needs the pgserver package, which ships PostgreSQL; "
            "install it with: pip install 'lionagi-qe-fleet[embedded]'"
        ) from None
    return Path(POSTGRES_BIN_PATH)


@cache
def binaries_version() -> str:
    """The version of the PostgreSQL that pgserver ships, e.g. '16.2'."""
    done = subprocess.run(
        [str(binaries() / "postgres"), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    found = re.search(r"(\d+)(\.\d+)?", done.stdout)
    if done.returncode != 0 or found is None:
        raise EmbeddedServerError(f"cannot run {binaries() / 'postgres'}: {done.stderr.strip()[:300]}")
    return found.group(0)


def socket_dir_for(pgdata: Path) -> Path:
    """`pgdata` itself when its socket path fits the system's limit, else a folder named by its hash."""
    if len(str(pgdata / f".s.PGSQL.{PORT}")) <= _SOCKET_PATH_MAX:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"aqe-socket-{digest}"


@dataclass
class Lease:
    """One use of the server, held until `release()` (or the end of the process)."""

    server: EmbeddedServer
    path: Path
    fd: int
    started_server: bool
    server_pid: int
    released: bool = field(default=False, init=False)

    def release(self) -> None:
        """Stop using the server; the last lease released stops it. Idempotent."""
        self.server.release(self)


class EmbeddedServer:
    """One data folder's PostgreSQL server; see the module docstring."""

    def __init__(
        self,
        data_dir: Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        min_free_bytes: int = MIN_FREE_BYTES,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.lock_path = self.data_dir / "server.lock"
        self.users_dir = self.data_dir / "users"
        self.log_path = self.data_dir / "server.log"
        self.socket_dir = socket_dir_for(self.pgdata)
        self.timeout = timeout
        self.min_free_bytes = min_free_bytes
        self.stop_grace = stop_grace

    def __repr__(self) -> str:
        return f"<EmbeddedServer {self.data_dir}>"

    @property
    def url(self) -> str:
        """The connection URL: user postgres, database postgres, over the Unix socket (trust, owner only)."""
        return f"postgresql://postgres@/postgres?host={quote(str(self.socket_dir), safe='/')}&port={PORT}"

    # -- using the server ---------------------------------------------------

    def acquire(self) -> Lease:
        """Start the server unless it is running, and hold a lease on it until `Lease.release()`."""
        self._prepare_folder()
        with self._server_lock():
            pid = self._running_pid()
            started = pid is None
            if pid is None:
                pid = self._start()
            return self._new_lease(started, pid)

    def release(self, lease: Lease) -> None:
        """Drop `lease`; stop the server when no other live lease is left."""
        if lease.released:
            return
        with self._server_lock():
            lease.path.unlink(missing_ok=True)
            os.close(lease.fd)
            lease.released = True
            if self._live_leases(prune=True):
                return
            found = self._pid_file(self.pgdata / "postmaster.pid")
            if found is not None and self._is_postmaster(found[0]):
                self._stop(found[0])

    def status(self) -> dict[str, Any]:
        """The folder, the server's state and pid, its PostgreSQL version and who uses it; changes nothing."""
        report: dict[str, Any] = {"data_folder": str(self.data_dir), "state": "not created yet", "pid": None}
        report.update(postgres_version=None, users=[], socket_dir=str(self.socket_dir), log=str(self.log_path))
        try:
            version_file = self.pgdata / "PG_VERSION"
            if version_file.exists():
                report.update(state="stopped", postgres_version=version_file.read_text().strip())
            found = self._pid_file(self.pgdata / "postmaster.pid")
            if found is not None and self._is_postmaster(found[0]):
                report.update(pid=found[0], state="running" if found[1] == "ready" else found[1])
            report["users"] = self._live_leases(prune=False)
        except OSError as exc:
            report["state"] = f"unreadable ({exc.strerror or exc})"
        return report

    # -- the folder and its locks -------------------------------------------

    def _prepare_folder(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.users_dir.mkdir(exist_ok=True)
            probe = self.data_dir / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> EmbeddedServerError:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return self._disk_full()
        return EmbeddedServerError(
            f"the embedded data folder {self.data_dir} is not writable ({exc.strerror or exc}): fix its "
            "permissions, or choose another folder with AQE_EMBEDDED_DATA=/path/to/folder; "
            "nothing in it was changed"
        )

    def _disk_full(self) -> EmbeddedServerError:
        free = shutil.disk_usage(self.data_dir).free
        return EmbeddedServerError(
            f"the disk holding the embedded data folder {self.data_dir} is full ({free // 2**20} MB free; the "
            f"server needs at least {self.min_free_bytes // 2**20} MB): free some space, then run the command again. "
            "Every write acknowledged before is kept: PostgreSQL recovers it when it starts"
        )

    def _open(self, path: Path) -> int:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise self._unwritable(exc) from None

    @contextlib.contextmanager
    def _server_lock(self) -> Iterator[None]:
        """Hold `server.lock` (exclusive); waits up to `timeout` for the process that starts or stops the server."""
        fd = self._open(self.lock_path)
        try:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                        raise EmbeddedServerError(
                            f"process {holder} has been starting or stopping the embedded server of "
                            f"{self.data_dir} for over {self.timeout:g}s; wait for it, or look at {self.log_path}"
                        ) from None
                    time.sleep(_POLL_SECONDS * 2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)

    def _new_lease(self, started: bool, pid: int) -> Lease:
        path = self.users_dir / f"{os.getpid()}-{next(_lease_numbers)}.lease"
        fd = self._open(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.write(fd, json.dumps({"pid": os.getpid(), "since": since}).encode())
        return Lease(self, path, fd, started, pid)

    def _live_leases(self, *, prune: bool) -> list[dict[str, Any]]:
        """The leases whose process holds them; with `prune` (under server.lock), stale ones are removed."""
        live = []
        for path in sorted(self.users_dir.glob("*.lease")):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_EX if prune else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                except BlockingIOError:
                    with contextlib.suppress(ValueError):
                        live.append(json.loads(os.pread(fd, 4096, 0) or b"{}"))
                    continue
                if prune:
                    path.unlink(missing_ok=True)
            finally:
                os.close(fd)
        return live

    # -- the server process --------------------------------------------------

    @staticmethod
    def _pid_file(path: Path) -> tuple[int, str] | None:
        """(pid, status) from a postmaster.pid-like file, None if absent or unreadable."""
        try:
            lines = path.read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid, lines[7].strip() if len(lines) > 7 else "starting"

    def _is_postmaster(self, pid: int) -> bool:
        """True if `pid` is a live (not zombie) postgres serving this data folder."""
        try:
            process = psutil.Process(pid)
            return process.status() != psutil.STATUS_ZOMBIE and str(self.pgdata) in process.cmdline()
        except psutil.Error:  # gone, a zombie, or another user's process: not our server
            return False

    def _running_pid(self) -> int | None:
        """The server's pid once it is ready; None if none runs (waits while it starts, recovers or stops)."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = self._pid_file(self.pgdata / "postmaster.pid")
            if found is None or not self._is_postmaster(found[0]):
                return None
            pid, state = found
            if state == "ready":
                return pid
            if state == "stopping":  # its stopper is gone, or it failed to start: finish the shutdown
                self._stop(pid)
                continue
            if shutil.disk_usage(self.data_dir).free < self.min_free_bytes:
                raise self._disk_full()  # crash recovery cannot finish on a full disk
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"the embedded server of {self.data_dir} has been '{state}' for over {self.timeout:g}s; "
                    f"see {self.log_path}"
                )
            time.sleep(_POLL_SECONDS)

    def _server_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        programs = binaries()  # imports pgserver, quietly, before its utils
        from pgserver.utils import ensure_user_exists

        ensure_user_exists(SERVER_USER)
        for path in (self.pgdata, programs):
            _allow_traversal(path.parent)
        return SERVER_USER

    def _start(self) -> int:
        """Start the server (making the cluster first if there is none); returns its pid once it is ready."""
        if shutil.disk_usage(self.data_dir).free < self.min_free_bytes:
            raise self._disk_full()
        user = self._server_user()
        if (self.pgdata / "PG_VERSION").exists():
            self._check_version()
        else:
            self._initdb(user)
        self._remove_stale_lock_files()
        self._prepare_socket_dir(user)
        self._rotate_log()
        command = [
            str(binaries() / "postgres"), "-D", str(self.pgdata), "-p", str(PORT), "-k", str(self.socket_dir),
            "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700",
        ]
        deadline = time.monotonic() + self.timeout
        while True:
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            with open(self.log_path, "ab") as server_log:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=server_log, stderr=subprocess.STDOUT,
                    start_new_session=True, cwd="/", env=_server_environment(), **_run_as(user),
                )
            while process.poll() is None:
                found = self._pid_file(self.pgdata / "postmaster.pid")
                if found is not None and found == (process.pid, "ready"):
                    log.info("started the embedded PostgreSQL server of %s (pid %d)", self.data_dir, process.pid)
                    return process.pid
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"the embedded server of {self.data_dir} did not get ready within {self.timeout:g}s; "
                        f"see {self.log_path}"
                    )
                time.sleep(_POLL_SECONDS)
            said = self._log_since(offset)
            if "pre-existing shared memory block" in said and time.monotonic() < deadline:
                time.sleep(0.2)  # processes of a killed server still exit; try again
                continue
            raise self._start_failed(process.returncode, said)

    def _start_failed(self, code: int, said: str) -> EmbeddedServerError:
        if "No space left on device" in said:
            return self._disk_full()
        tail = " | ".join(said.strip().splitlines()[-_LOG_TAIL_LINES:]) or "nothing"
        return EmbeddedServerError(
            f"the embedded PostgreSQL server of {self.data_dir} did not start (exit code {code}); "
            f"its log ({self.log_path}) says: {tail}"
        )

    def _stop(self, pid: int) -> None:
        """Fast shutdown (clients disconnected, a checkpoint); after `stop_grace` seconds, immediate shutdown.

        An immediate shutdown loses no committed write: PostgreSQL replays its log at the next start.
        (PostgreSQL 16.2 can hang in a fast shutdown asked for while it restarts after a crash.)
        """
        for how, wait in ((signal.SIGINT, self.stop_grace), (signal.SIGQUIT, self.timeout)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, how)
            deadline = time.monotonic() + wait
            while self._is_postmaster(pid) and time.monotonic() < deadline:
                time.sleep(_POLL_SECONDS)
            if not self._is_postmaster(pid):
                log.info("stopped the embedded PostgreSQL server of %s", self.data_dir)
                return
            log.warning("the embedded server (pid %d) did not stop within %gs (signal %s)", pid, wait, how.name)
        raise EmbeddedServerError(
            f"the embedded server of {self.data_dir} (pid {pid}) does not stop; see {self.log_path}"
        )

    # -- making and checking the cluster --------------------------------------

    def _check_version(self) -> None:
        made_by = (self.pgdata / "PG_VERSION").read_text().strip()
        ours = binaries_version()
        if made_by != ours.split(".")[0]:
            raise EmbeddedServerError(
                f"the embedded data folder {self.data_dir} holds a PostgreSQL {made_by} cluster, but the "
                f"installed pgserver ships PostgreSQL {ours}; the folder is kept as it is. To carry its runs "
                f"over: with a pgserver that ships PostgreSQL {made_by} (in another virtualenv), run "
                "`aqe memory export > runs.jsonl`; then, here, move the folder aside (or set AQE_EMBEDDED_DATA "
                "to a new one) and run `aqe memory import runs.jsonl`. Or go back to that pgserver release"
            )

    def _initdb(self, user: str | None) -> None:
        """Make the cluster in a scratch folder, then move it in place: `pgdata` is never half made."""
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise EmbeddedServerError(
                    f"{self.pgdata} is not a PostgreSQL cluster (it has no PG_VERSION); nothing was deleted: "
                    "move it aside, or set AQE_EMBEDDED_DATA to another folder"
                )
            self.pgdata.rmdir()
        for leftover in self.data_dir.glob("pgdata.init-*"):  # a killed initdb's, never holding data
            shutil.rmtree(leftover, ignore_errors=True)
        scratch = self.data_dir / f"pgdata.init-{os.getpid()}"
        scratch.mkdir(mode=0o700)
        if user is not None:
            shutil.chown(scratch, user, user)
        command = [
            str(binaries() / "initdb"), "-D", str(scratch), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-instructions",
        ]
        with tempfile.TemporaryFile() as output:  # not a pipe: nothing initdb starts may keep it open
            done = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd="/",
                env=_server_environment(), timeout=self.timeout, check=False, **_run_as(user),
            )
            output.seek(0)
            said = output.read().decode(errors="replace")
        if done.returncode != 0:
            shutil.rmtree(scratch, ignore_errors=True)
            if "No space left on device" in said:
                raise self._disk_full()
            raise EmbeddedServerError(f"initdb could not make the embedded cluster in {self.data_dir}: {said[-600:]}")
        scratch.rename(self.pgdata)
        log.info("made the embedded PostgreSQL cluster in %s", self.pgdata)

    def _remove_stale_lock_files(self) -> None:
        """Remove lock files naming a process that is not this folder's server (killed, then pid reused)."""
        for path in (self.pgdata / "postmaster.pid", self.socket_dir / f".s.PGSQL.{PORT}.lock"):
            found = self._pid_file(path)
            if found is not None and not self._is_postmaster(found[0]):
                path.unlink(missing_ok=True)
                log.warning("removed %s, left by a server that was killed (pid %d)", path, found[0])

    def _prepare_socket_dir(self, user: str | None) -> None:
        if self.socket_dir == self.pgdata:
            return
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if user is not None:
            shutil.chown(self.socket_dir, user, user)
        elif self.socket_dir.stat().st_uid != os.geteuid():
            raise EmbeddedServerError(
                f"the socket folder {self.socket_dir} belongs to another user; remove it, "
                "or use a shorter AQE_EMBEDDED_DATA path"
            )

    def _rotate_log(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.log_path.stat().st_size > _LOG_ROTATE_BYTES:
                self.log_path.replace(self.log_path.with_name("server.log.1"))

    def _log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as server_log:
            server_log.seek(offset)
            return server_log.read().decode(errors="replace")


def _server_environment() -> dict[str, str]:
    """The environment without libpq's PG* variables, which would change the server's port or data folder."""
    return {name: value for name, value in os.environ.items() if not name.startswith("PG")}


def _run_as(user: str | None) -> dict[str, Any]:
    """subprocess arguments that run a program as `user` with that user's group only (None: as we are)."""
    return {} if user is None else {"user": user, "group": user, "extra_groups": []}


def _allow_traversal(folder: Path) -> None:
    """Let other users pass through `folder` and its parents (search only, no listing): root's server user."""
    for path in (folder, *folder.parents):
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            path.chmod(mode | stat.S_IXOTH)
