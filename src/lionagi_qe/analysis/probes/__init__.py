"""Scripts that run inside the target project's interpreter (stdlib and pytest only).

This folder is put on the target's PYTHONPATH: `aqe_pytest_probe` is loaded
into its pytest run with `-p aqe_pytest_probe` (the flaky-test hunter adds
`-p aqe_flaky_probe`), and `aqe_call_probe.py` (the
Hypothesis ghostwriter) is run as a script. `aqe_record_probe` records the inputs reaching the project's
functions during the suite, `aqe_extra_tests` adds test files to a suite run,
`aqe_warm_worker.py` (with `aqe_planning`, `aqe_variation`, `aqe_values`, `aqe_verify_fork`)
runs calls and tests in forks of one warm process. None imports lionagi_qe,
so they work in any virtualenv.
"""

from pathlib import Path

PROBES_DIR = Path(__file__).resolve().parent
PYTEST_PLUGIN = "aqe_pytest_probe"
CALL_PROBE = PROBES_DIR / "aqe_call_probe.py"
FLAKY_PLUGIN = "aqe_flaky_probe"
MUTATION_WORKER = "aqe_mutation_worker"
SHARD_PLUGIN = "aqe_shard_filter"
"""Keeps one shard's test files in a distributed run (`lionagi_qe.workers`)."""
EXTRA_TESTS_PLUGIN = "aqe_extra_tests"
