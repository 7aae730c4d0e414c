"""Storage modes end to end: development, testing and production in one run.

    python examples/storage_modes_example.py        # production section skipped without DATABASE_URL

    docker compose -f examples/docker-compose.storage-example.yml up -d
    export DATABASE_URL=postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning
    python examples/storage_modes_example.py        # all three sections, production on PostgreSQL

Section 1 uses the auto-detected mode (AQE_STORAGE_MODE > ENVIRONMENT > NODE_ENV >
development), so running it with AQE_STORAGE_MODE=testing or =production shows that
mode. Every key the example writes to PostgreSQL is deleted again before it exits.
Exit codes: 0 done; 2 bad configuration or database unreachable (message on stderr).
"""

from __future__ import annotations

import asyncio
import os
import sys

from lionagi import iModel

from lionagi_qe.agents import CoverageAnalyzerAgent, TestGeneratorAgent
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.errors import QEError

COMPOSE_HINT = (
    "docker compose -f examples/docker-compose.storage-example.yml up -d\n"
    "  export DATABASE_URL=postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning"
)


def heading(title: str) -> None:
    """Print a section title."""
    print(f"\n== {title} ==")


def show_mode(orchestrator: QEOrchestrator) -> None:
    """Print the orchestrator's mode and description (the guide's best practice 6)."""
    if orchestrator.storage_config:
        print(f"Mode: {orchestrator.storage_config.mode.value}")
        print(orchestrator.storage_config.get_description())


async def agents_share_memory(orchestrator: QEOrchestrator, written: list[str]) -> None:
    """The guide's Example 4: two agents registered on one orchestrator share its memory."""
    model = iModel(provider="openai", model="gpt-4o-mini")  # no request is made here
    test_gen = orchestrator.create_and_register_agent(TestGeneratorAgent, agent_id="test-generator", model=model)
    coverage = orchestrator.create_and_register_agent(CoverageAnalyzerAgent, agent_id="coverage-analyzer", model=model)
    await test_gen.store_memory("aqe/test-plan/generated", {"tests": ["test_login", "test_logout"]})
    written.append("aqe/test-plan/generated")
    test_plan = await coverage.get_memory("aqe/test-plan/generated")
    print(f"coverage-analyzer read what test-generator stored: {test_plan}")


async def remove_written(orchestrator: QEOrchestrator, written: list[str]) -> None:
    """On PostgreSQL, delete the keys this example wrote, leaving the database as it was."""
    if orchestrator.memory.persistent:
        for key in written:
            await orchestrator.memory.delete(key)


async def development() -> None:
    """Example 1 with an auto-detected orchestrator (development unless the environment says otherwise)."""
    heading("1. Development (the default): QEOrchestrator(), mode auto-detected")
    orchestrator = QEOrchestrator()
    show_mode(orchestrator)
    written: list[str] = []
    if orchestrator.storage_config.mode == StorageMode.PROD:
        await orchestrator.connect()
    try:
        await orchestrator.memory.store(
            "aqe/test-plan/example",
            {"module": "user_service", "priority": "high"},
            ttl=3600,
        )
        written.append("aqe/test-plan/example")
        plan = await orchestrator.memory.retrieve("aqe/test-plan/example")
        print(f"retrieved aqe/test-plan/example: {plan}")
        await agents_share_memory(orchestrator, written)
    finally:
        await remove_written(orchestrator, written)
        await orchestrator.disconnect()


async def testing() -> None:
    """Example 2: testing mode gives each orchestrator its own, isolated memory."""
    heading("2. Testing: QEOrchestrator(mode='test'), isolated per orchestrator")
    orchestrator = QEOrchestrator(mode="test")
    show_mode(orchestrator)
    await orchestrator.memory.store("aqe/coverage/test_run", {"line_coverage": 85.5})
    coverage = await orchestrator.memory.retrieve("aqe/coverage/test_run")
    assert coverage["line_coverage"] == 85.5
    print(f"retrieved aqe/coverage/test_run: {coverage}")

    other = QEOrchestrator.from_config(StorageConfig.for_testing())
    seen = await other.memory.exists("aqe/coverage/test_run")
    print(f"a second testing orchestrator sees that key: {seen}")
    assert not seen, "testing orchestrators must not share memory"


async def production() -> None:
    """Example 3 and Example 4 on PostgreSQL, when DATABASE_URL is set."""
    heading("3. Production: PostgreSQL via DATABASE_URL")
    database_url = os.getenv("DATABASE_URL")
    if not database_url:
        print("skipped: DATABASE_URL is not set, so there is no PostgreSQL to use. To run this section:")
        print(f"  {COMPOSE_HINT}")
        return
    orchestrator = QEOrchestrator(mode="production", database_url=database_url)
    show_mode(orchestrator)
    written: list[str] = []
    try:
        await orchestrator.connect()
        await orchestrator.memory.store(
            "aqe/quality/metrics",
            {"total_tests": 1250, "coverage": 94.5, "quality_score": 98.2},
            ttl=86400,
            partition="production_metrics",
        )
        written.append("aqe/quality/metrics")
        metrics = await orchestrator.memory.retrieve("aqe/quality/metrics")
        print(f"retrieved aqe/quality/metrics: {metrics}")

        async with QEOrchestrator.from_config(orchestrator.storage_config) as reader:
            durable = await reader.memory.retrieve("aqe/quality/metrics")
        print(f"a second orchestrator with its own connection pool reads the same: {durable == metrics}")
        assert durable == metrics, "a committed value must be visible to every orchestrator"

        await agents_share_memory(orchestrator, written)
    finally:
        await remove_written(orchestrator, written)
        await orchestrator.disconnect()


async def run_all() -> None:
    """Run the three sections in order."""
    await development()
    await testing()
    await production()


def main() -> int:
    """Run the example; the project's own errors become a message on stderr and exit code 2."""
    try:
        asyncio.run(run_all())
    except QEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\ndone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
