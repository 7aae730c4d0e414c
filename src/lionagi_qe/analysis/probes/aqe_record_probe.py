"""pytest plugin recording, bounded and sampled, the arguments that reach the project's functions (aqe).

Environment:
  AQE_RECORD_DIR      folder to write `inputs-<pid>.json` to at the end of the session (required)
  AQE_RECORD_SOURCES  the measured source folders and files, os.pathsep-separated

For each function of the project (not its tests) it keeps up to
`MAX_SAMPLES` distinct argument sets, as source expressions (see
`aqe_values`; an argument that cannot be written in source is null), drawn
from every call up to `EAGER_CALLS`, then from fewer and fewer (a stride
that doubles with the count), so a hot function costs little and the
samples come from the whole suite, not only its first tests. The samples
kept are those of lowest rank (complete before partial, then a hash of the
sample): the choice does not depend on the order of the tests, and the
recordings of several processes (shards of a distributed run) merge into
what one process would have kept. Receivers and arguments
that are instances of project classes are written as the constructor call
observed for them. `sys.monitoring` is used where available (a function
that has its samples costs nothing more), `sys.setprofile` elsewhere.
Output: {"functions": {"module:qualname": {"calls": n, "samples": [{param: [src, [imports]]}], "ranks": [...]}}},
samples in rank order.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections import OrderedDict
from types import CodeType, FrameType
from typing import Any

import aqe_values
import pytest

MAX_SAMPLES = 24
EAGER_CALLS = 64
MAX_KNOWN = 20_000
TOOL_NAME = "aqe-record"
_SKIPPED_NAMES = {"<module>", "<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>"}
_VARARGS, _VARKW = 0x04, 0x08


class _Function:
    """What has been recorded for one code object."""

    __slots__ = ("calls", "kept", "key", "seen")

    def __init__(self, key: str) -> None:
        self.key = key
        self.calls = 0
        self.kept: dict[str, dict[str, Any]] = {}
        """Samples by rank, at most `MAX_SAMPLES`."""
        self.seen: set[str] = set()

    def offer(self, sample: dict[str, Any]) -> None:
        """Keep `sample` if it is new and ranks among the `MAX_SAMPLES` lowest."""
        fingerprint = json.dumps(sample, sort_keys=True)
        if fingerprint in self.seen:
            return
        self.seen.add(fingerprint)
        partial = "1" if None in sample.values() else "0"
        rank = partial + hashlib.blake2b(fingerprint.encode(), digest_size=8).hexdigest()
        self.kept[rank] = sample
        if len(self.kept) > MAX_SAMPLES:
            del self.kept[max(self.kept)]


class Recorder:
    """Decides which code objects to record and encodes their arguments."""

    def __init__(self, sources: list[str]) -> None:
        self.roots = tuple(os.path.realpath(s) for s in sources if s)
        self.functions: dict[CodeType, _Function | None] = {}
        self.known: OrderedDict[int, tuple[type, aqe_values.Expr]] = OrderedDict()

    def _wanted(self, code: CodeType, frame: FrameType) -> _Function | None:
        name = code.co_name
        path = os.path.realpath(code.co_filename)
        base = os.path.basename(path)
        if name in _SKIPPED_NAMES or not path.startswith(self.roots) or base.startswith("test_") or (
            base.endswith("_test.py") or base == "conftest.py"
        ):
            return None
        module = frame.f_globals.get("__name__")
        qualname = getattr(code, "co_qualname", None) or _qualname_310(code, frame)
        if not isinstance(module, str) or not qualname or "<" in qualname or module == "__main__":
            return None
        return _Function(f"{module}:{qualname}")

    def on_call(self, code: CodeType, frame: FrameType) -> bool:
        """Record this call if sampled; False for code that is not the project's (never recorded)."""
        try:
            entry = self.functions[code]
        except KeyError:
            entry = self.functions[code] = self._wanted(code, frame)
        if entry is None:
            return False
        entry.calls += 1
        n = entry.calls
        if n > EAGER_CALLS and n % (1 << (n.bit_length() - EAGER_CALLS.bit_length() + 1)):
            return True
        arguments = _arguments(code, frame)
        if code.co_name == "__init__" and "self" in arguments:
            self._remember_construction(code, arguments)
        sample = {}
        for name, value in arguments.items():
            if name == "cls" and name == code.co_varnames[0]:
                continue
            expr = aqe_values.encode(value, known=self.known)
            sample[name] = [expr.src, list(expr.imports)] if expr is not None else None
        entry.offer(sample)
        return True

    def _remember_construction(self, code: CodeType, arguments: dict[str, Any]) -> None:
        instance = arguments["self"]
        kind = type(instance)
        if getattr(kind.__init__, "__code__", None) is not code:
            return
        owner = aqe_values.importable_name(kind)
        if owner is None:
            return
        parts = [owner]
        texts = []
        positional = set(code.co_varnames[: code.co_argcount]) if "*" in arguments else set()
        for name, value in arguments.items():
            if name == "self":
                continue
            expr = aqe_values.encode(value, known=self.known)
            if expr is None:
                return
            parts.append(expr)
            texts.append(_argument(name, expr.src, name in positional))
        imports = tuple(dict.fromkeys(i for p in parts for i in p.imports))
        self.known[id(instance)] = (kind, aqe_values.Expr(f"{owner.src}({', '.join(texts)})", imports))
        if len(self.known) > MAX_KNOWN:
            self.known.popitem(last=False)

    def dump(self) -> dict[str, Any]:
        """The recorded samples, by function, in rank order."""
        kept: dict[str, tuple[int, dict[str, dict[str, Any]]]] = {}
        for entry in self.functions.values():
            if entry is not None and entry.calls:
                calls, samples = kept.get(entry.key, (0, {}))
                kept[entry.key] = (calls + entry.calls, {**samples, **entry.kept})
        out: dict[str, Any] = {}
        for key, (calls, samples) in kept.items():
            ranks = sorted(samples)[:MAX_SAMPLES]
            out[key] = {"calls": calls, "samples": [samples[r] for r in ranks], "ranks": ranks}
        return {"functions": out}


def _argument(name: str, src: str, positional: bool) -> str:
    """One argument of a rebuilt call: `*args`, `**kwargs`, positional (before a `*args`) or `name=value`."""
    if name in ("*", "**"):
        return f"{name}{src}"
    return src if positional else f"{name}={src}"


def _qualname_310(code: CodeType, frame: FrameType) -> str | None:
    """Python 3.10 has no co_qualname: module-level functions and methods found through `self`/`cls`."""
    found = frame.f_globals.get(code.co_name)
    if getattr(found, "__code__", None) is code:
        return str(code.co_name)
    if code.co_argcount and code.co_varnames[0] in ("self", "cls"):
        owner = frame.f_locals.get(code.co_varnames[0])
        owner = owner if isinstance(owner, type) else type(owner)
        for klass in owner.__mro__:
            attr = klass.__dict__.get(code.co_name)
            attr = getattr(attr, "__func__", attr)
            if getattr(attr, "__code__", None) is code and "<" not in klass.__qualname__:
                return f"{klass.__qualname__}.{code.co_name}"
    return None


def _arguments(code: CodeType, frame: FrameType) -> dict[str, Any]:
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    local = frame.f_locals
    found = {name: local[name] for name in names if name in local}
    index = code.co_argcount + code.co_kwonlyargcount
    if code.co_flags & _VARARGS:
        found["*"] = local.get(code.co_varnames[index], ())
        index += 1
    if code.co_flags & _VARKW:
        found["**"] = local.get(code.co_varnames[index], {})
    return found


class _Session:
    def __init__(self) -> None:
        self.recorder: Recorder | None = None
        self.tool: int | None = None


_session = _Session()


def _start_monitoring(recorder: Recorder) -> int | None:
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None or os.environ.get("AQE_RECORD_BACKEND") == "setprofile":
        return None
    for tool in (monitoring.PROFILER_ID, 3, 4):
        if monitoring.get_tool(tool) is None:
            break
    else:
        return None
    monitoring.use_tool_id(tool, TOOL_NAME)
    disable = monitoring.DISABLE

    def on_start(code: CodeType, offset: int) -> Any:
        try:
            keep = recorder.on_call(code, sys._getframe(1))
        except Exception:
            keep = False
        return None if keep else disable

    monitoring.register_callback(tool, monitoring.events.PY_START, on_start)
    monitoring.set_events(tool, monitoring.events.PY_START)
    return int(tool)


def _start_profiling(recorder: Recorder) -> None:
    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            try:
                recorder.on_call(frame.f_code, frame)
            except Exception:
                recorder.functions[frame.f_code] = None

    sys.setprofile(profile)
    threading.setprofile(profile)


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("AQE_RECORD_DIR") or _session.recorder is not None:
        return
    recorder = Recorder(os.environ.get("AQE_RECORD_SOURCES", "").split(os.pathsep))
    _session.recorder = recorder
    _session.tool = _start_monitoring(recorder)
    if _session.tool is None:
        _start_profiling(recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder, _session.recorder = _session.recorder, None
    if recorder is None:
        return
    if _session.tool is not None:
        monitoring = getattr(sys, "monitoring")  # noqa: B009 - not in the type stubs of Python 3.10
        monitoring.set_events(_session.tool, 0)
        monitoring.free_tool_id(_session.tool)
    else:
        sys.setprofile(None)
        threading.setprofile(None)
    folder = os.environ["AQE_RECORD_DIR"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"inputs-{os.getpid()}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(recorder.dump(), handle)
    os.replace(path + ".tmp", path)
