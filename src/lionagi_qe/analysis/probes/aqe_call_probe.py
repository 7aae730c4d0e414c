"""Call target functions with candidate arguments and report what happened (run by aqe).

    python aqe_call_probe.py request.json reply.json

Runs inside the target's interpreter, with its import roots on PYTHONPATH.
For each target of the request it imports the module, calls the function
(or method, on a fresh instance) with each candidate argument set, and
records the outcome (a literal result, its type, or the exception raised)
and the lines and line-to-line arcs run inside the function. Asked to, it
also has Hypothesis's ghostwriter write a fuzz test. Standard library only
(plus Hypothesis when ghostwriting); every call is bounded by an alarm.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import importlib
import inspect
import json
import signal
import sys
from typing import Any


class CallTimeout(BaseException):
    """A call ran past the per-call time limit."""


def _alarm(signum: int, frame: object) -> None:
    raise CallTimeout()


def _resolve(module_name: str, qualname: str) -> tuple[Any, str, Any, Any]:
    """(module, kind, owner class or None, callable) for a qualname like 'Cls.method'."""
    module = importlib.import_module(module_name)
    parts = qualname.split(".")
    if len(parts) == 1:
        return module, "function", None, getattr(module, parts[0])
    owner = getattr(module, parts[0])
    for part in parts[1:-1]:
        owner = getattr(owner, part)
    static = inspect.getattr_static(owner, parts[-1])
    if isinstance(static, staticmethod):
        return module, "staticmethod", owner, static.__func__
    if isinstance(static, classmethod):
        return module, "classmethod", owner, static.__func__
    if isinstance(static, property):
        return module, "property", owner, static.fget
    return module, "method", owner, static


def _code_of(func: Any) -> Any:
    return getattr(inspect.unwrap(func), "__code__", None)


def _traced(code: Any, call: Any) -> tuple[str, Any, list[int], list[list[int]]]:
    """Run `call`, recording the lines and arcs run in `code`; ('return', value, ...) or ('raise', exc, ...)."""
    lines: list[int] = []
    arcs: set[tuple[int, int]] = set()
    entry = -code.co_firstlineno if code is not None else 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        last = lines[-1] if lines else entry
        if event == "line":
            arcs.add((last, frame.f_lineno))
            lines.append(frame.f_lineno)
        elif event == "return":
            arcs.add((last, entry))
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if event == "call" and frame.f_code is code else None

    sys.settrace(tracer)
    try:
        status, value = "return", call()
    except Exception as exc:  # the outcome being characterized
        status, value = "raise", exc
    finally:
        sys.settrace(None)
    return status, value, sorted(set(lines)), sorted([list(arc) for arc in arcs])


def _describe_value(value: Any) -> dict[str, Any]:
    text = repr(value)
    try:
        literal = ast.literal_eval(text) == value and type(ast.literal_eval(text)) is type(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        literal = False
    kind = type(value)
    return {
        "repr": text if literal and len(text) <= 400 else None,
        "type_module": kind.__module__,
        "type_name": kind.__qualname__,
    }


def _call_once(
    target: dict[str, Any], resolved: tuple[Any, str, Any, Any], kwargs_src: str, timeout: float
) -> dict[str, Any]:
    _, kind, owner, func = resolved
    kwargs = ast.literal_eval(kwargs_src)
    init = ast.literal_eval(target.get("init") or "{}")

    def call() -> Any:
        if kind == "function":
            result = func(**kwargs)
        elif kind in ("staticmethod", "classmethod"):
            result = getattr(owner, func.__name__)(**kwargs)
        elif kind == "property":
            result = getattr(owner(**init), func.__name__)
        else:
            result = getattr(owner(**init), func.__name__)(**kwargs)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        return result

    outcome: dict[str, Any] = {"kwargs": kwargs_src}
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        status, value, lines, arcs = _traced(_code_of(func), call)
    except CallTimeout:
        return {**outcome, "status": "timeout", "lines": [], "arcs": []}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome.update(status=status, lines=lines, arcs=arcs)
    if status == "return":
        outcome.update(_describe_value(value))
    else:
        outcome.update(exc_module=type(value).__module__, exc_name=type(value).__qualname__)
    return outcome


def _ghostwrite(module: Any, func: Any, except_names: list[str]) -> dict[str, Any]:
    try:
        from hypothesis.extra import ghostwriter
    except ImportError as exc:
        return {"error": f"ghostwriter unavailable in this interpreter ({exc})"}
    excepts = []
    for name in except_names:
        found = getattr(module, name, None) or getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            excepts.append(found)
    try:
        return {"source": ghostwriter.fuzz(func, except_=tuple(excepts))}
    except Exception as exc:  # ghostwriter refuses many signatures; that only skips this candidate
        return {"error": f"{type(exc).__name__}: {exc}"}


def main(request_path: str, reply_path: str) -> None:
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    timeout = float(request.get("call_timeout", 2.0))
    replies = []
    for target in request["targets"]:
        reply: dict[str, Any] = {"id": target["id"], "calls": []}
        try:
            resolved = _resolve(target["module"], target["qualname"])
        except BaseException as exc:
            reply["error"] = f"cannot import {target['module']}.{target['qualname']}: {type(exc).__name__}: {exc}"
            replies.append(reply)
            continue
        reply["kind"] = resolved[1]
        for kwargs_src in target.get("calls", []):
            try:
                reply["calls"].append(_call_once(target, resolved, kwargs_src, timeout))
            except BaseException as exc:
                reply["calls"].append({"kwargs": kwargs_src, "status": "error", "message": repr(exc)})
        if target.get("ghostwrite") and resolved[1] == "function":
            reply["ghostwriter"] = _ghostwrite(resolved[0], resolved[3], target.get("except", []))
        replies.append(reply)
    with open(reply_path, "w", encoding="utf-8") as handle:
        json.dump({"targets": replies}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
