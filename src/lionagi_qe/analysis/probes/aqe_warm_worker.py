"""A warm process in the target's interpreter: imports the project once, runs calls and tests in forks (aqe).

    python aqe_warm_worker.py REPLY_FD      # requests: JSON lines on stdin; replies: JSON lines on REPLY_FD

Operations (each request {"op": ..., ...} gets one reply):
  load      import modules                                  -> {"errors": {module: message}}
  targets   plan calls for functions (see aqe_planning)     -> {"targets": {id: {"skip", "kind", "shape", "planned"}}}
  explore   run the next planned calls of some targets      -> {"results": [outcome], "exhausted": [id]}
  mutate    queue neighbours of calls that reached new code -> {}
  run       run given call specs (each in its own fork with "isolate") -> {"results": [outcome]}
  doctests  docstring examples of modules, as call specs    -> {"calls": [spec]}
  verify    run pytest on test files under coverage.py, one fork per run -> {"exit_codes": [int]}

A call outcome: {"id", "status": "return"|"raise"|"timeout"|"died", "lines": {file: [...]}, "arcs": {file: [[a, b]]}}
plus, for a return, "pin" ([src, imports] rebuilding the value, or null), "type" ([module, qualname] or
null), "attrs" (the instance's attributes as [src, imports], or null), "shape" (how it was called); for a
raise, "exc" ([module, qualname]), "message" (first line), "origin" ("deliberate": a `raise` statement
in the project; "crash": another line of the project; "outside": elsewhere; "call": the call itself) and
"where" (file:line). Forks are Linux-only; aqe uses separate processes elsewhere.
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import importlib
import itertools
import json
import linecache
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from typing import Any

import aqe_planning
from aqe_values import encode, importable_name

ITER_LIMIT = 50
MEMORY_LIMIT = 4 * 1024**3
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


class CallTimeout(BaseException):
    """A call ran past its time limit."""


def _alarm(signum: int, frame: Any) -> None:
    raise CallTimeout()


class Tracer:
    """Lines and line-to-line arcs run in the measured files, as coverage.py records them."""

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.cache: dict[str, str | None] = {}
        self.lines: dict[str, set[int]] = {}
        self.arcs: dict[str, set[tuple[int, int]]] = {}

    def _file(self, name: str) -> str | None:
        try:
            return self.cache[name]
        except KeyError:
            real = os.path.realpath(name)
            found = self.cache[name] = real if real in self.files else None
            return found

    def _call(self, frame: Any, event: str, arg: Any) -> Any:
        if event != "call":
            return None
        path = self._file(frame.f_code.co_filename)
        if path is None:
            return None
        lines = self.lines.setdefault(path, set())
        arcs = self.arcs.setdefault(path, set())
        exit_line = -frame.f_code.co_firstlineno
        last = [exit_line]

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line":
                line = frame.f_lineno
                lines.add(line)
                arcs.add((last[0], line))
                last[0] = line
            elif event == "return":
                arcs.add((last[0], exit_line))
            return local

        return local

    def run(self, thunk: Any) -> Any:
        self.lines, self.arcs = {}, {}
        sys.settrace(self._call)
        try:
            return thunk()
        finally:
            sys.settrace(None)

    def collected(self) -> dict[str, Any]:
        return {
            "lines": {f: sorted(v) for f, v in self.lines.items()},
            "arcs": {f: sorted([list(a) for a in v]) for f, v in self.arcs.items()},
        }


class Worker:
    """State kept across requests: measured files, planned targets."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.targets: dict[str, aqe_planning.Target] = {}
        self.recorded: dict[str, dict[str, Any]] = {}
        self.typer = aqe_planning.Typer({})

    def op_load(self, request: dict[str, Any]) -> dict[str, Any]:
        self.files |= {os.path.realpath(f) for f in request.get("files", [])}
        errors = {}
        for name in request.get("modules", []):
            try:
                importlib.import_module(name)
            except BaseException as exc:  # a module that cannot be imported is reported, not fatal
                errors[name] = f"{type(exc).__name__}: {exc}"[:300]
        if request.get("recorded") is not None:
            self.recorded = request["recorded"]
            self.typer = aqe_planning.Typer(aqe_planning.constructions_from(self.recorded))
        return {"errors": errors}

    def op_targets(self, request: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for spec in request["targets"]:
            samples = self.recorded.get(f"{spec['module']}:{spec['qualname']}", {}).get("samples", [])
            target = aqe_planning.Target(spec, samples, self.typer)
            self.targets[target.id] = target
            out[target.id] = {
                "skip": target.skip, "kind": target.kind, "shape": target.shape, "planned": len(target.queue),
                "recorded": len(samples),
            }
        return {"targets": out}

    def op_explore(self, request: dict[str, Any]) -> dict[str, Any]:
        batch, exhausted = [], []
        for target_id, count in request["take"].items():
            target = self.targets[target_id]
            for _ in range(int(count)):
                spec = target.next_call()
                if spec is None:
                    exhausted.append(target_id)
                    break
                batch.append(spec)
        return {"results": self._run_batch(batch, float(request["call_timeout"]), False), "exhausted": exhausted}

    def op_mutate(self, request: dict[str, Any]) -> dict[str, Any]:
        for call_id in request["calls"]:
            target = self.targets.get(call_id.split("#")[0])
            if target is not None:
                target.mutate(call_id)
        return {}

    def op_run(self, request: dict[str, Any]) -> dict[str, Any]:
        isolate = bool(request.get("isolate"))
        return {"results": self._run_batch(request["calls"], float(request["call_timeout"]), isolate)}

    def op_doctests(self, request: dict[str, Any]) -> dict[str, Any]:
        calls = []
        finder = doctest.DocTestFinder(exclude_empty=True)
        for name in request["modules"]:
            module = sys.modules.get(name)
            if module is None:
                continue
            try:
                found = finder.find(module)
            except Exception:
                continue
            for test in found:
                if test.examples and test.name.split(".")[0] == name.split(".")[0]:
                    calls.append({
                        "id": f"doctest:{test.name}", "target": None, "expr": name, "name": test.name,
                        "imports": [], "shape": "doctest", "valid": False, "public": True,
                        "file": test.filename, "lineno": test.lineno,
                    })
        return {"calls": calls}

    def op_verify(self, request: dict[str, Any]) -> dict[str, Any]:
        import aqe_verify_fork

        return {"exit_codes": aqe_verify_fork.run_jobs(request)}

    def _run_batch(self, batch: list[dict[str, Any]], timeout: float, isolate: bool) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        pending = list(batch)
        while pending:
            chunk = pending[:1] if isolate else pending
            done = _in_fork(self, chunk, timeout)
            results += done
            pending = pending[len(done):]
            if len(done) < len(chunk):
                results.append({"id": pending[0]["id"], "status": "died", "lines": {}, "arcs": {}})
                pending = pending[1:]
        return results


def _in_fork(worker: Worker, batch: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    """Run `batch` in a forked child; the outcomes it reported before it ended."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            _child(worker, batch, timeout, write_end)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout * len(batch) + 10
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([read_end], [], [], left)
        if ready:
            data = os.read(read_end, 1 << 16)
            if not data:
                break
            chunks.append(data)
    os.close(read_end)
    os.waitpid(pid, 0)
    lines = b"".join(chunks).decode("utf-8", "replace").split("\n")
    return [json.loads(line) for line in lines if line.strip() and line.endswith("}")]


def _child(worker: Worker, batch: list[dict[str, Any]], timeout: float, out_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    scratch = os.path.join(tempfile.gettempdir(), f"calls-{os.getpid()}")
    os.makedirs(scratch, exist_ok=True)
    os.chdir(scratch)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    signal.signal(signal.SIGALRM, _alarm)
    tracer = Tracer(worker.files)
    for spec in batch:
        outcome = run_call(spec, tracer, timeout)
        os.write(out_fd, (json.dumps(outcome) + "\n").encode("utf-8"))


def run_call(spec: dict[str, Any], tracer: Tracer, timeout: float) -> dict[str, Any]:
    """Run one call spec under the tracer and describe what happened."""
    keys = ("id", "target", "expr", "imports", "shape", "valid", "hinted", "public")
    outcome: dict[str, Any] = {k: spec.get(k) for k in keys}
    namespace: dict[str, Any] = {}
    try:
        for line in spec["imports"]:
            exec(line, namespace)  # import lines written by aqe's planner
    except BaseException as exc:
        return {**outcome, "status": "raise", "exc": [type(exc).__module__, type(exc).__qualname__],
                "message": _first_line(exc), "origin": "call", "where": "", "lines": {}, "arcs": {}}
    holder: dict[str, Any] = {}

    def thunk() -> Any:
        holder["value"] = _invoke(spec, namespace, outcome)

    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        tracer.run(thunk)
        status, error = "return", None
    except CallTimeout:
        status, error = "timeout", None
    except BaseException as exc:  # the outcome being characterized
        status, error = "raise", exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome.update(status=status, **tracer.collected())
    if status == "return":
        outcome.update(describe(holder.get("value")))
    elif error is not None:
        outcome.update(exc=[type(error).__module__, type(error).__qualname__], message=_first_line(error))
        outcome["origin"], outcome["where"] = _origin(error, tracer.files)
    return outcome


def _invoke(spec: dict[str, Any], namespace: dict[str, Any], outcome: dict[str, Any]) -> Any:
    shape = spec["shape"]
    if shape == "doctest":
        return _run_doctest(spec["expr"], spec["name"])
    value = eval(spec["expr"], namespace)  # a call expression written by aqe's planner
    if shape == "await":
        return asyncio.run(value)
    if shape == "with":
        with value as entered:
            return entered
    if shape == "iter" or (hasattr(value, "__next__") and hasattr(value, "__iter__")):
        outcome["shape"] = "iter"
        return list(itertools.islice(value, ITER_LIMIT))
    return value


def _run_doctest(module_name: str, name: str) -> dict[str, int]:
    module = importlib.import_module(module_name)
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module):
        if test.name == name:
            runner.run(test, out=lambda text: None)
    if runner.failures or not runner.tries:
        raise AssertionError(f"{runner.failures} of {runner.tries} examples failed")
    return {"tries": runner.tries}


def describe(value: Any) -> dict[str, Any]:
    """How a returned value can be asserted: rebuilt in source, or its type and attributes."""
    expr = encode(value)
    kind = type(value)
    spelled = importable_name(kind)
    attrs = None
    if expr is None and hasattr(value, "__dict__") and not isinstance(value, type):
        try:
            found = encode(dict(vars(value))) if vars(value) else None
        except TypeError:
            found = None
        attrs = [found.src, list(found.imports)] if found is not None else None
    return {
        "pin": [expr.src, list(expr.imports)] if expr is not None else None,
        "type": [spelled.src, list(spelled.imports)] if spelled is not None else None,
        "attrs": attrs,
    }


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else "")[:200]


def _origin(error: BaseException, files: set[str]) -> tuple[str, str]:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if os.path.realpath(f.filename) in files]
    if not ours:
        return ("call", "") if frames and frames[-1].filename == "<string>" else ("outside", "")
    last = frames[-1]
    where = f"{os.path.basename(ours[-1].filename)}:{ours[-1].lineno}"
    if os.path.realpath(last.filename) not in files:
        return "outside", where
    line = linecache.getline(last.filename, last.lineno or 0).strip()
    return ("deliberate" if _is_raise(line) else "crash"), where


def _is_raise(line: str) -> bool:
    if not line.startswith("raise"):
        return False
    try:
        return isinstance(ast.parse(line).body[0], ast.Raise)
    except SyntaxError:
        return line.startswith(("raise ", "raise(")) or line == "raise"


def main(reply_fd: int) -> None:
    worker = Worker()
    with os.fdopen(reply_fd, "w", encoding="utf-8") as replies:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            try:
                reply = getattr(worker, f"op_{request['op']}")(request)
            except Exception as exc:  # the reply says what broke; the worker stays up
                reply = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
            replies.write(json.dumps(reply) + "\n")
            replies.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
