"""A target project with one planted finding for each agent of the wider fleet.

    root = write_planted_project(tmp_path)

| agent                | planted                                                                          |
|----------------------|----------------------------------------------------------------------------------|
| flaky-test-hunter    | `test_z_records_an_order` pollutes `ledger`; `test_a_ledger_starts_empty` is its victim, |
|                      | passing in pytest's own order (its file runs first) and failing after the polluter      |
| security-scanner     | `shell.run_command` calls subprocess with shell=True (Bandit B602, high severity) |
| complexity-analyzer  | `tangle.route_order`: deep branching, half of it never run by the tests          |
| performance-tester   | `test_checkout_is_quick` sleeps PLANTED_SLEEP seconds (set it higher in a later run) |
| deployment-readiness | the findings above make the run a no-go                                          |
"""

from __future__ import annotations

from pathlib import Path

from helpers.fleet import write_project

POLLUTER = "tests/test_ordering.py::test_z_records_an_order"
VICTIM = "tests/test_a_ledger.py::test_a_ledger_starts_empty"
SLOW_TEST = "tests/test_checkout.py::test_checkout_is_quick"
SHELL_FILE = "src/planted/shell.py"
COMPLEX_FUNCTION = "route_order"
SLEEP_VARIABLE = "PLANTED_SLEEP"

FILES = {
    "src/planted/__init__.py": "",
    "src/planted/ledger.py": '''
        """A module-level list: state that leaks from one test to the next."""

        ENTRIES: list[str] = []


        def record(entry: str) -> None:
            ENTRIES.append(entry)


        def count() -> int:
            return len(ENTRIES)
    ''',
    "src/planted/shell.py": '''
        import subprocess


        def run_command(command: str) -> int:
            return subprocess.call(command, shell=True)
    ''',
    "src/planted/tangle.py": '''
        def route_order(kind, weight, express, country, fragile):
            if kind == "letter":
                if weight < 20:
                    return "stamp"
                elif weight < 100:
                    return "large stamp"
                else:
                    return "parcel"
            for step in range(3):
                if express and step > 1:
                    if country == "DE" or country == "FR" and not fragile:
                        return "courier"
                    while weight > 1000:
                        weight -= 500
                        if fragile:
                            break
            try:
                if country in ("US", "CA") and weight > 50:
                    return "freight"
            except TypeError:
                return "unknown"
            return "post" if weight < 500 else "pallet"
    ''',
    "src/planted/checkout.py": '''
        import os
        import time


        def checkout(total: float) -> float:
            time.sleep(float(os.environ.get("PLANTED_SLEEP", "0")))
            return round(total * 1.19, 2)
    ''',
    "tests/test_a_ledger.py": '''
        from planted import ledger


        def test_a_ledger_starts_empty():
            assert ledger.count() == 0
    ''',
    "tests/test_ordering.py": '''
        from planted import ledger


        def test_y_count_is_a_number():
            assert isinstance(ledger.count(), int)


        def test_z_records_an_order():
            ledger.record("order-1")
            assert ledger.count() >= 1
    ''',
    "tests/test_misc.py": '''
        from planted import tangle


        def test_letters_go_by_stamp():
            assert tangle.route_order("letter", 10, False, "DE", False) == "stamp"


        def test_light_parcels_go_by_post():
            assert tangle.route_order("parcel", 10, False, "DE", False) == "post"


        def test_one():
            assert 1 + 1 == 2


        def test_two():
            assert "a".upper() == "A"
    ''',
    "tests/test_checkout.py": '''
        from planted.checkout import checkout


        def test_checkout_is_quick():
            assert checkout(100) == 119.0
    ''',
}


def write_planted_project(root: Path) -> Path:
    """Write the planted project under `root` (see the module docstring); returns `root`."""
    return write_project(root, FILES)
