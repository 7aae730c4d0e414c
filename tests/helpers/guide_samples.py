"""The code samples of docs' storage-modes guide, copied verbatim, in the guide's order.

Tests run them as written (`run_sample`), in one namespace per reader, as a
reader following the guide would: a later sample may use a name an earlier
one imported. `GUIDE_ORDER` lists them; a test checks that it covers every
sample of the guide when the guide is at hand.
"""

QUICK_START_DEVELOPMENT = """\
from lionagi_qe.core.orchestrator import QEOrchestrator

orchestrator = QEOrchestrator()
# Uses Session.context automatically
"""

QUICK_START_TESTING = """\
orchestrator = QEOrchestrator(mode="test")
# Perfect for unit tests and CI/CD
"""

QUICK_START_PRODUCTION = """\
import os
orchestrator = QEOrchestrator(
    mode="production",
    database_url=os.getenv("DATABASE_URL")
)
await orchestrator.connect()  # Required for production
"""

SETTING_ENVIRONMENT_VARIABLES = """\
# Development (default)
# No variables needed

# Testing
export AQE_STORAGE_MODE=testing

# Production
export AQE_STORAGE_MODE=production
export DATABASE_URL=postgresql://user:pass@localhost:5432/db
"""

STORAGE_CONFIG_CLASS = """\
from lionagi_qe.config import StorageConfig, StorageMode

# Option 1: Auto-detect from environment
config = StorageConfig.from_environment()

# Option 2: Development
config = StorageConfig.for_development()

# Option 3: Testing
config = StorageConfig.for_testing()

# Option 4: Production
config = StorageConfig.for_production(
    database_url="postgresql://user:pass@localhost:5432/db",
    min_connections=5,
    max_connections=20
)

# Create orchestrator from config
orchestrator = QEOrchestrator.from_config(config)
"""

CONNECTION_POOL_VARIABLES = """\
# Connection pool settings
DB_POOL_SIZE=5               # Minimum connections
DB_POOL_MAX_OVERFLOW=20      # Maximum additional connections
DB_CONNECTION_TIMEOUT=30     # Timeout in seconds
DB_POOL_RECYCLE=3600         # Connection recycle time
"""

CONNECTION_POOL_PROGRAMMATIC = """\
config = StorageConfig(
    mode=StorageMode.PROD,
    database_url="postgresql://...",
    min_connections=10,
    max_connections=50,
    connection_timeout=60,
    pool_recycle=7200
)
"""

EXAMPLE_1_DEVELOPMENT = """\
from lionagi_qe.core.orchestrator import QEOrchestrator

# Auto-detect (defaults to DEV)
orchestrator = QEOrchestrator()

# Store data
await orchestrator.memory.store(
    "aqe/test-plan/example",
    {"module": "user_service", "priority": "high"},
    ttl=3600
)

# Retrieve data
plan = await orchestrator.memory.retrieve("aqe/test-plan/example")
"""

EXAMPLE_2_TESTING = """\
import pytest
from lionagi_qe.core.orchestrator import QEOrchestrator

@pytest.fixture
def orchestrator():
    return QEOrchestrator(mode="test")

async def test_coverage_analysis(orchestrator):
    # Each test gets clean, isolated memory
    await orchestrator.memory.store(
        "aqe/coverage/test_run",
        {"line_coverage": 85.5}
    )

    coverage = await orchestrator.memory.retrieve("aqe/coverage/test_run")
    assert coverage["line_coverage"] == 85.5
"""

EXAMPLE_3_PRODUCTION = """\
import os
from lionagi_qe.core.orchestrator import QEOrchestrator

# Auto-detect from environment
orchestrator = QEOrchestrator.from_environment()

try:
    # Connect to PostgreSQL
    await orchestrator.connect()

    # Store persistent data
    await orchestrator.memory.store(
        "aqe/quality/metrics",
        {
            "total_tests": 1250,
            "coverage": 94.5,
            "quality_score": 98.2
        },
        ttl=86400,  # 24 hours
        partition="production_metrics"
    )

    # Data persists across restarts
    metrics = await orchestrator.memory.retrieve("aqe/quality/metrics")

finally:
    # Clean up
    await orchestrator.disconnect()
"""

EXAMPLE_4_MULTI_AGENT = """\
from lionagi_qe.core.orchestrator import QEOrchestrator
from lionagi_qe.agents import TestGeneratorAgent, CoverageAnalyzerAgent
from lionagi import iModel

# Create orchestrator (production mode)
orchestrator = QEOrchestrator(
    mode="prod",
    database_url=os.getenv("DATABASE_URL")
)
await orchestrator.connect()

# Create model
model = iModel(provider="openai", model="gpt-4o-mini")

# Register agents with shared memory
test_gen = orchestrator.create_and_register_agent(
    TestGeneratorAgent,
    agent_id="test-generator",
    model=model
)

coverage = orchestrator.create_and_register_agent(
    CoverageAnalyzerAgent,
    agent_id="coverage-analyzer",
    model=model
)

# Agents automatically share the same PostgreSQL backend
# Test generator stores results
await test_gen.store_memory(
    "aqe/test-plan/generated",
    {"tests": [...]}
)

# Coverage analyzer reads results
test_plan = await coverage.get_memory("aqe/test-plan/generated")
"""

DOCKER_START_POSTGRES = """\
# Option 1: Use example docker-compose
cd examples
docker-compose -f docker-compose.storage-example.yml up -d

# Option 2: Use main docker setup
cd docker
docker-compose up -d postgres
"""

DOCKER_CONFIGURE_ENVIRONMENT = """\
export AQE_STORAGE_MODE=production
export DATABASE_URL=postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning
"""

DOCKER_RUN_APPLICATION = """\
from lionagi_qe.core.orchestrator import QEOrchestrator

orchestrator = QEOrchestrator.from_environment()
await orchestrator.connect()

# Ready to use!
"""

MIGRATION_BEFORE = """\
from lionagi_qe.core.memory import QEMemory
from lionagi_qe.core.router import ModelRouter
from lionagi_qe.core.orchestrator import QEOrchestrator

memory = QEMemory()
router = ModelRouter()
orchestrator = QEOrchestrator(memory=memory, router=router)
"""

MIGRATION_AFTER = """\
from lionagi_qe.core.orchestrator import QEOrchestrator

# Development (default)
orchestrator = QEOrchestrator()

# Testing
orchestrator = QEOrchestrator(mode="test")

# Production
orchestrator = QEOrchestrator(
    mode="prod",
    database_url=os.getenv("DATABASE_URL")
)
await orchestrator.connect()
"""

BACKWARD_COMPATIBILITY = """\
# Legacy code continues to work
memory = QEMemory()
orchestrator = QEOrchestrator(memory=memory)
"""

PRACTICE_AUTO_DETECT = """\
orchestrator = QEOrchestrator.from_environment()
"""

PRACTICE_EXPLICIT_TEST_MODE = """\
orchestrator = QEOrchestrator(mode="test")
"""

PRACTICE_CONNECT_IN_PRODUCTION = """\
if orchestrator.storage_config.mode == StorageMode.PROD:
    await orchestrator.connect()
"""

PRACTICE_TRY_FINALLY = """\
try:
    await orchestrator.connect()
    # ... use orchestrator ...
finally:
    await orchestrator.disconnect()
"""

PRACTICE_CHECK_MODE = """\
if orchestrator.storage_config:
    print(f"Mode: {orchestrator.storage_config.mode.value}")
    print(orchestrator.storage_config.get_description())
"""

TROUBLESHOOT_SET_DATABASE_URL = """\
export DATABASE_URL=postgresql://user:pass@localhost:5432/db
"""

TROUBLESHOOT_COMPOSE_PS = """\
docker-compose ps
"""

TROUBLESHOOT_PSQL = """\
psql postgresql://qe_agent:qe_secure_password_123@localhost:5432/lionagi_qe_learning
"""

TROUBLESHOOT_POOL_VARIABLES = """\
export DB_POOL_SIZE=10
export DB_POOL_MAX_OVERFLOW=40
"""

TROUBLESHOOT_POOL_PROGRAMMATIC = """\
config = StorageConfig.for_production(
    database_url="postgresql://...",
    min_connections=10,
    max_connections=50
)
"""

TROUBLESHOOT_RECYCLE = """\
export DB_POOL_RECYCLE=1800  # 30 minutes
"""

GUIDE_ORDER = [
    QUICK_START_DEVELOPMENT,
    QUICK_START_TESTING,
    QUICK_START_PRODUCTION,
    SETTING_ENVIRONMENT_VARIABLES,
    STORAGE_CONFIG_CLASS,
    CONNECTION_POOL_VARIABLES,
    CONNECTION_POOL_PROGRAMMATIC,
    EXAMPLE_1_DEVELOPMENT,
    EXAMPLE_2_TESTING,
    EXAMPLE_3_PRODUCTION,
    EXAMPLE_4_MULTI_AGENT,
    DOCKER_START_POSTGRES,
    DOCKER_CONFIGURE_ENVIRONMENT,
    DOCKER_RUN_APPLICATION,
    MIGRATION_BEFORE,
    MIGRATION_AFTER,
    BACKWARD_COMPATIBILITY,
    PRACTICE_AUTO_DETECT,
    PRACTICE_EXPLICIT_TEST_MODE,
    PRACTICE_CONNECT_IN_PRODUCTION,
    PRACTICE_TRY_FINALLY,
    PRACTICE_CHECK_MODE,
    TROUBLESHOOT_SET_DATABASE_URL,
    TROUBLESHOOT_COMPOSE_PS,
    TROUBLESHOOT_PSQL,
    TROUBLESHOOT_POOL_VARIABLES,
    TROUBLESHOOT_POOL_PROGRAMMATIC,
    TROUBLESHOOT_RECYCLE,
]
