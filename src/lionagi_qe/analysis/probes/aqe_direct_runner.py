"""Run a generated module's plain test functions without pytest's start-up and collection (aqe's warm verification).

    code = run_module(path, events_path, test_timeout)   # 0: all passed, 1: a test failed, None: needs pytest

Only modules whose tests are plain functions qualify (`def test_*()` with no
arguments and no decorators, no test classes, no `pytestmark`): their
asserts are rewritten as pytest rewrites them, each test runs under an
alarm, and the outcomes go to the events file in `aqe_pytest_probe`'s
format. Anything else (fixtures, parametrization, Hypothesis) returns None
and runs under pytest. The kept tests are confirmed under pytest later.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sys
import types
from typing import Any

from _pytest.assertion.rewrite import rewrite_asserts


class TestTimeout(BaseException):
    """A test ran past its time limit."""

    __test__ = False


def _alarm(signum: int, frame: Any) -> None:
    raise TestTimeout("test ran past the per-test timeout (aqe --test-timeout)")


def plain_tests(tree: ast.Module) -> list[str] | None:
    """Names of the module's test functions when all are plain, else None."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return None
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            return None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            arguments = node.args
            if isinstance(node, ast.AsyncFunctionDef) or node.decorator_list or arguments.args or (
                arguments.posonlyargs or arguments.kwonlyargs or arguments.vararg or arguments.kwarg
            ):
                return None
            names.append(node.name)
    return names or None


def _message(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip()[:800]


def run_module(path: str, events: str, timeout: float) -> int | None:
    """Run the plain tests of the module at `path`; see the module docstring."""
    with open(path, "rb") as handle:
        source = handle.read()
    tree = ast.parse(source)
    names = plain_tests(tree)
    if names is None:
        return None
    rewrite_asserts(tree, source, path, None)
    stem = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(stem)
    module.__file__ = path
    sys.modules[stem] = module
    with open(events, "a", encoding="utf-8") as out:
        def emit(**event: Any) -> None:
            out.write(json.dumps(event) + "\n")

        try:
            exec(compile(tree, path, "exec"), module.__dict__)  # a generated test module
        except BaseException as exc:  # what pytest would report as a collection error
            emit(e="collect_error", nodeid=path, message=_message(exc))
            return 2
        emit(e="collected", nodeids=[f"{path}::{name}" for name in names])
        failed = 0
        signal.signal(signal.SIGALRM, _alarm)
        for name in names:
            outcome, message = "passed", ""
            if timeout > 0:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                module.__dict__[name]()
            except TestTimeout as exc:
                outcome, message = "timeout", str(exc)
            except BaseException as exc:  # a failing test, whatever it raised
                outcome, message = "failed", _message(exc)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            failed += outcome != "passed"
            emit(e="test", nodeid=f"{path}::{name}", outcome=outcome, duration=0.0, message=message)
    return 1 if failed else 0
