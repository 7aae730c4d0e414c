"""Load what earlier agents stored for a run: the one opening every agent after the test-executor shares.

    inputs = await load_run(self.memory, task.context)
    if inputs is None:
        return self.skipped(no_execution(task.context))     # "no test execution in memory for run ...; run ..."
    inputs.execution.counts, (await inputs.gaps()), (await inputs.generated())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lionagi_qe.agents.memory_keys import execution_key, gaps_key, generated_key, resolve_run_id
from lionagi_qe.agents.records import ExecutionRecord, GapsRecord, GeneratedRecord, RecordT
from lionagi_qe.storage.base import MemoryBackend


@dataclass
class RunInputs:
    """A run's id and its test execution; its other records read on demand."""

    memory: MemoryBackend
    run_id: str
    execution: ExecutionRecord

    async def gaps(self) -> GapsRecord | None:
        """The coverage-analyzer's ranked gaps, if stored."""
        return await read_record(self.memory, gaps_key(self.run_id), GapsRecord)

    async def generated(self) -> GeneratedRecord | None:
        """The test-generator's result, if stored."""
        return await read_record(self.memory, generated_key(self.run_id), GeneratedRecord)


async def read_record(memory: MemoryBackend, key: str, kind: type[RecordT]) -> RecordT | None:
    """The record stored under `key`, or None."""
    stored = await memory.retrieve(key)
    return None if stored is None else kind.from_json(stored)


async def load_run(memory: MemoryBackend, context: Mapping[str, Any]) -> RunInputs | None:
    """The run named by `context['run_id']` (else the latest with a test execution), or None if it has none."""
    run_id = await resolve_run_id(memory, context)
    if run_id is None:
        return None
    execution = await read_record(memory, execution_key(run_id), ExecutionRecord)
    return None if execution is None else RunInputs(memory, run_id, execution)


def missing_run(context: Mapping[str, Any]) -> str:
    """How a skip message names the run `load_run` found nothing for."""
    return str(context.get("run_id") or "(none)")


def no_execution(context: Mapping[str, Any], then: str = "run test-executor first") -> str:
    """The skip message of an agent that `load_run` found no test execution for."""
    return f"no test execution in memory for run {missing_run(context)}; {then}"

