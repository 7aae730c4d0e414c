"""Which tests cover file:line: the per-test coverage contexts of the executor's run.

    tests = load_test_contexts(execution.data_file, project)
    tests.covering("src/shopkit/pricing.py", 33)          # ['tests/test_pricing.py::test_bulk', ...]
    tests.covering_lines("src/shopkit/pricing.py", range(30, 40))
    tests.by_function(project)                            # {'src/shopkit/pricing.py::bulk_price': [...], ...}

The suite runs under coverage.py with aqe's pytest probe switching coverage's
dynamic context to each test's node id while the test runs (setup, call and
teardown), and back to the empty context between tests. Contexts only label
the data: the suite's totals are the same as without them. Lines run while
importing or collecting belong to no test (the empty context) and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.analysis.gaps import index_functions
from lionagi_qe.analysis.project import TargetProject


@dataclass
class TestContexts:
    """{file relative to the project root: {line: node ids of the tests that ran it}}."""

    __test__ = False
    lines: dict[str, dict[int, frozenset[str]]]

    def covering(self, file: str, line: int) -> list[str]:
        """Node ids of the tests that ran `file`:`line`, sorted."""
        return sorted(self.lines.get(file, {}).get(line, ()))

    def covering_lines(self, file: str, lines: Iterable[int]) -> list[str]:
        """Node ids of the tests that ran any of `lines` of `file`, sorted."""
        by_line = self.lines.get(file, {})
        return sorted({test for line in lines for test in by_line.get(line, ())})

    def tests(self) -> set[str]:
        """Every test that ran some measured line."""
        return {test for by_line in self.lines.values() for tests in by_line.values() for test in tests}

    def by_function(self, project: TargetProject) -> dict[str, list[str]]:
        """{'file::qualname': node ids} for every measured function some test ran (as the sources are now)."""
        found: dict[str, list[str]] = {}
        for file in sorted(self.lines):
            try:
                functions = index_functions((project.root / file).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError):
                continue
            for function in functions:
                tests = self.covering_lines(file, function.own_lines)
                if tests:
                    found[function_key(file, function.qualname)] = tests
        return found


def function_key(file: str, qualname: str) -> str:
    """How a function is named in a test map: 'src/pkg/mod.py::Class.method'."""
    return f"{file}::{qualname}"


def load_test_contexts(data_file: str | Path, project: TargetProject) -> TestContexts:
    """Read the per-test contexts of a coverage data file (an empty map if it has none)."""
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    lines: dict[str, dict[int, frozenset[str]]] = {}
    for measured in data.measured_files():
        by_line = {
            line: frozenset(c for c in contexts if c)
            for line, contexts in data.contexts_by_lineno(measured).items()
        }
        by_line = {line: tests for line, tests in by_line.items() if tests}
        if by_line:
            lines[project.relative(measured)] = by_line
    return TestContexts(lines)


def save_test_map(path: Path, functions: Mapping[str, list[str]], tests: Iterable[str]) -> Path:
    """Write a test map (functions to the tests that ran them, and every test seen) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"functions": dict(functions), "tests": sorted(tests)}), encoding="utf-8")
    return path


def read_test_map(path: Path) -> tuple[dict[str, list[str]], set[str]]:
    """(functions, tests) of a map `save_test_map` wrote."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    return dict(stored["functions"]), set(stored["tests"])
