"""What an agent is asked to do, and what it reports back.

    task = QETask(task_type="coverage-analysis", context={"run_id": new_run_id(), "code_path": "src"})
    result = await agent.execute(task)   # an AgentResult
    result.stored_keys                   # where its output lives in shared memory
    result.error                         # set exactly when result.status == "failed"
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field


def new_run_id() -> str:
    """A sortable, unique run id: UTC timestamp to the microsecond plus a random suffix (the latest run sorts last).

    Two runs started within the same second still sort in the order they started.
    """
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ") + "-" + uuid.uuid4().hex[:6]


class QETask(BaseModel):
    """A unit of work for one agent; `context` carries its inputs (JSON)."""

    task_type: str
    context: dict[str, Any] = Field(default_factory=dict)


class ResultError(BaseModel):
    """Why an agent failed: `target` (the project cannot be analysed) or `agent` (the agent itself broke)."""

    kind: Literal["target", "agent"]
    message: str


class AgentResult(BaseModel):
    """What an agent did: status, a one-line summary, its data and the memory keys it wrote."""

    agent_id: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    stored_keys: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    error: ResultError | None = None
