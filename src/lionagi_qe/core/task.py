"""What an agent is asked to do, and what it reports back.

    task = QETask(task_type="coverage-analysis", context={"run_id": "r1", "code_path": "src"})
    result = await agent.execute(task)   # an AgentResult
    result.stored_keys                   # where its output lives in shared memory
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field


class QETask(BaseModel):
    """A unit of work for one agent; `context` carries its inputs (JSON)."""

    task_type: str
    context: dict[str, Any] = Field(default_factory=dict)
    task_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])


class AgentResult(BaseModel):
    """What an agent did: status, a one-line summary, its data and the memory keys it wrote."""

    agent_id: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    stored_keys: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    error: str | None = None
