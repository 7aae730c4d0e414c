"""How workers and the runs that wait for them agree on timing and retries (environment, one value).

    settings = WorkerSettings.from_environment()   # AQE_WORKER_HEARTBEAT, AQE_JOB_ATTEMPTS
    settings.heartbeat, settings.stalled_after, settings.max_attempts

A worker writes its heartbeat every `heartbeat` seconds; a job whose worker
has not written one for `stalled_after` seconds (four heartbeats) is taken
as lost and queued again. Workers and runs read the same variables, so set
them alike everywhere (the defaults suit most).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lionagi_qe.errors import ConfigurationError

HEARTBEAT_VARIABLE = "AQE_WORKER_HEARTBEAT"
ATTEMPTS_VARIABLE = "AQE_JOB_ATTEMPTS"
STALLED_HEARTBEATS = 4


@dataclass(frozen=True)
class WorkerSettings:
    """Heartbeat period (seconds) and how many times a job may be tried before it is reported failed."""

    heartbeat: float = 5.0
    max_attempts: int = 3

    def __post_init__(self) -> None:
        if not 0.1 <= self.heartbeat <= 300:
            raise ConfigurationError(f"{HEARTBEAT_VARIABLE} must be between 0.1 and 300 seconds, got {self.heartbeat}")
        if not 1 <= self.max_attempts <= 20:
            raise ConfigurationError(
                f"{ATTEMPTS_VARIABLE} must be a whole number from 1 to 20, got {self.max_attempts}"
            )

    @property
    def stalled_after(self) -> float:
        """Seconds without a heartbeat after which a worker's running jobs are queued again."""
        return self.heartbeat * STALLED_HEARTBEATS

    @classmethod
    def from_environment(cls) -> WorkerSettings:
        """Settings from AQE_WORKER_HEARTBEAT and AQE_JOB_ATTEMPTS (defaults when unset)."""
        heartbeat = _read(HEARTBEAT_VARIABLE, float, cls.heartbeat)
        attempts = int(_read(ATTEMPTS_VARIABLE, int, cls.max_attempts))
        return cls(heartbeat=heartbeat, max_attempts=attempts)


def _read(name: str, kind: type[float] | type[int], default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} is not a number; unset it or give a {kind.__name__}") from None
