"""Run mutants against the tests that cover them, in the target's interpreter (stdlib and pytest only).

    python -m aqe_mutation_worker request.json results.jsonl

The request names source files (their text), mutants (module, the
function holding the mutated line, one edit, the covering tests by node id
or by absolute file path, a time limit) and `fork`. pytest collects the covering tests once and the mutated
modules are imported once; then, with `fork` (Linux, macOS), each mutant
runs in a forked child of this warm process: the child compiles the mutated
module, swaps the holding function's code object for the mutated one (or,
where that cannot be done, re-executes the mutated module in the module's
namespace), runs the covering tests until one fails, and reports. Without
`fork` the mutant is applied in this process (one process per mutant).
A mutant outliving its time limit is ended by SIGALRM (status 'timeout').

Each result is a JSON line: {"id", "status": killed|survived|timeout|error, "test", "message"}.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import signal
import sys
import types
from typing import Any

import pytest


def apply_edit(source: str, edit: list[Any]) -> str:
    """`source` with the span [start line, start byte column, end line, end byte column) replaced by the text."""
    start_line, start_col, end_line, end_col, text = edit
    lines = source.splitlines(keepends=True)
    head = "".join(lines[: start_line - 1]) + lines[start_line - 1].encode()[:start_col].decode()
    tail = lines[end_line - 1].encode()[end_col:].decode() + "".join(lines[end_line:])
    return f"{head}{text}{tail}"


def _holder(module: types.ModuleType, qualname: str) -> Any:
    """The function object named by `qualname` in `module` (methods, static/class methods, properties), or None."""
    owner: Any = module
    parts = qualname.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    found = inspect.getattr_static(owner, parts[-1], None)
    if isinstance(found, (staticmethod, classmethod)):
        found = found.__func__
    elif isinstance(found, property):
        found = found.fget
    found = inspect.unwrap(found) if callable(found) else found
    return found if isinstance(found, types.FunctionType) else None


def _find_code(code: types.CodeType, name: str, firstlineno: int) -> types.CodeType | None:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_name == name and const.co_firstlineno == firstlineno:
                return const
            inner = _find_code(const, name, firstlineno)
            if inner is not None:
                return inner
    return None


def _apply(mutant: dict[str, Any], sources: dict[str, str]) -> None:
    module = importlib.import_module(mutant["module"])
    code = compile(apply_edit(sources[mutant["path"]], mutant["edit"]), mutant["path"], "exec")
    holder = _holder(module, mutant["holder"])
    if holder is not None:
        mutated = _find_code(code, holder.__code__.co_name, holder.__code__.co_firstlineno)
        if mutated is not None:
            try:
                holder.__code__ = mutated
                return
            except ValueError:
                pass  # another closure shape: fall back to re-executing the module
    exec(code, module.__dict__)


def _run_tests(mutant: dict[str, Any], items: dict[str, pytest.Item]) -> dict[str, Any]:
    from _pytest.runner import runtestprotocol

    wanted = set(mutant["tests"])
    selected = [item for nodeid, item in items.items() if nodeid in wanted or str(item.path) in wanted]
    if not selected:
        return {"status": "error", "message": "none of the covering tests was collected"}
    for index, item in enumerate(selected):
        nextitem = selected[index + 1] if index + 1 < len(selected) else None
        reports = runtestprotocol(item, log=False, nextitem=nextitem)
        if any(report.failed for report in reports):
            return {"status": "killed", "test": item.nodeid}
    return {"status": "survived"}


def _try(mutant: dict[str, Any], sources: dict[str, str], items: dict[str, pytest.Item]) -> dict[str, Any]:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, float(mutant["timeout"]))
    try:
        _apply(mutant, sources)
    except BaseException as exc:
        return {"status": "error", "message": f"cannot apply: {type(exc).__name__}: {exc}"[:300]}
    try:
        return _run_tests(mutant, items)
    except BaseException as exc:  # a mutant may break pytest itself: the tests noticed
        return {"status": "killed", "message": f"{type(exc).__name__}: {exc}"[:300]}


def _forked(mutant: dict[str, Any], sources: dict[str, str], items: dict[str, pytest.Item]) -> dict[str, Any]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        outcome = _try(mutant, sources, items)
        os.write(write_end, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        return {"status": "timeout", "message": f"ran past {mutant['timeout']:g}s"}
    if chunks:
        return dict(json.loads(b"".join(chunks)))
    return {"status": "killed", "message": f"the test process died (wait status {status})"}


class _Worker:
    """pytest plugin: after collection, run the mutants instead of the tests."""

    def __init__(self, request: dict[str, Any], results_path: str) -> None:
        self.request = request
        self.results_path = results_path

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        items = {item.nodeid: item for item in session.items}
        sources = self.request["files"]
        broken: dict[str, str] = {}
        for name in sorted({m["module"] for m in self.request["mutants"]}):
            try:
                importlib.import_module(name)
            except BaseException as exc:
                broken[name] = f"cannot import {name}: {type(exc).__name__}: {exc}"[:300]
        fork = self.request.get("fork", True) and hasattr(os, "fork")
        with open(self.results_path, "a", encoding="utf-8") as out:
            for mutant in self.request["mutants"]:
                if mutant["module"] in broken:
                    outcome = {"status": "error", "message": broken[mutant["module"]]}
                elif fork:
                    outcome = _forked(mutant, sources, items)
                else:
                    outcome = _try(mutant, sources, items)
                    signal.setitimer(signal.ITIMER_REAL, 0)
                out.write(json.dumps({"id": mutant["id"], **outcome}) + "\n")
                out.flush()
        return True


def main(request_path: str, results_path: str) -> int:
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    tests = sorted({nodeid for mutant in request["mutants"] for nodeid in mutant["tests"]})
    args = ["-q", "-p", "no:cacheprovider", *request.get("pytest_args", []), *tests]
    return int(pytest.main(args, plugins=[_Worker(request, results_path)]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
