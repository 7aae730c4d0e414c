"""Split a suite into shards by test file, balanced by the durations of earlier runs; merge their results.

    durations = await file_durations(memory, project.root)       # {"tests/test_a.py": 3.2, ...} from memory
    shards = plan_shards(["tests/test_a.py", ...], durations, count=4)
    merged = merge_results([shard_result, ...])                  # tests, collection errors, notes, exit code

Planning is longest-first: files by expected seconds (their last recorded
run; files never seen count as the median of those seen, or 1 s), each to the
shard with the least so far. The last shard collects every file but the
other shards' (`skip`), so a test file that `inspect_project` did not list
(a custom `python_files` pattern) still runs, exactly once.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from lionagi_qe.agents.memory_keys import execution_key, run_id_of
from lionagi_qe.agents.records import ExecutionRecord
from lionagi_qe.storage.base import MemoryBackend

RECENT_RUNS = 20
UNKNOWN_SECONDS = 1.0


@dataclass
class Shard:
    """One shard: its key, the files it runs, what they are expected to take."""

    key: str
    files: list[str] = field(default_factory=list)
    expected_s: float = 0.0
    takes_the_rest: bool = False
    skip: list[str] = field(default_factory=list)

    def spec(self) -> dict[str, Any]:
        """The shard's part of a `test-shard` job spec."""
        if self.takes_the_rest:
            return {"shard": self.key, "keep": None, "skip": self.skip}
        return {"shard": self.key, "keep": self.files, "skip": None}


async def file_durations(memory: MemoryBackend, root: str) -> dict[str, float]:
    """Seconds per test file in the latest recorded run of the project at `root` (empty if none)."""
    keys = [k for k in await memory.list_keys("aqe/test-plan/") if k.endswith("/execution")]
    for key in reversed(keys[-RECENT_RUNS:]):
        stored = await memory.retrieve(execution_key(run_id_of(key)))
        if stored is None or stored.get("project") != root:
            continue
        record = ExecutionRecord.from_json(stored)
        seconds: dict[str, float] = {}
        for test in record.tests:
            file = str(test["nodeid"]).split("::", 1)[0]
            seconds[file] = seconds.get(file, 0.0) + float(test.get("duration") or 0.0)
        return seconds
    return {}


def plan_shards(files: list[str], durations: dict[str, float], count: int) -> list[Shard]:
    """At most `count` shards (one per file at most) balanced by expected time; see the module docstring."""
    count = max(1, min(count, len(files)))
    known = [durations[f] for f in files if f in durations]
    default = statistics.median(known) if known else UNKNOWN_SECONDS
    expected = {f: durations.get(f, default) for f in files}
    shards = [Shard(f"shard-{i + 1}") for i in range(count)]
    for file in sorted(files, key=lambda f: (-expected[f], f)):
        least = min(shards, key=lambda s: (s.expected_s, s.key))
        least.files.append(file)
        least.expected_s += expected[file]
    for shard in shards:
        shard.files.sort()
        shard.expected_s = round(shard.expected_s, 3)
    last = shards[-1]
    last.takes_the_rest = True
    last.skip = sorted(f for shard in shards[:-1] for f in shard.files)
    return shards


def merge_results(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One suite's tests, collection errors, notes, exit code and resumes from its shards' results."""
    tests: dict[str, dict[str, Any]] = {}
    errors: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    exit_codes = []
    resumed = 0
    for result in results:
        for test in result["tests"]:
            tests.setdefault(test["nodeid"], test)
        for error in result["collection_errors"]:
            errors.setdefault(error["nodeid"], error)
        notes += [note for note in result["notes"] if note not in notes]
        if not result.get("empty"):
            exit_codes.append(int(result["exit_code"]))
        resumed += int(result.get("resumed", 0))
    return {
        "tests": [tests[nodeid] for nodeid in sorted(tests)],
        "collection_errors": list(errors.values()),
        "notes": notes,
        "exit_code": max(exit_codes, default=5),
        "resumed": resumed,
    }
