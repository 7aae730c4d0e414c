"""Plan calls of one project function from real values (used by aqe's warm worker; stdlib only).

    target = Target.build(spec, recorded, constructions)     # spec: {"id", "module", "qualname", "constants"}
    call = target.next_call()       # {"id", "target", "expr", "imports", "shape", "valid"} or None when exhausted
    target.mutate(call_id)          # neighbours of a call that reached new code, tried next

Values for each parameter, in order: those recorded while the suite ran
(`recorded`), the default (the argument left out), values of its type hint
(Optional, unions, containers, Literal, Enum, dataclasses, pydantic models,
classes built from their own typed `__init__`), of the type named in the
docstring, the constants the function compares against, and last guesses
from the parameter's name. A call is *valid-typed* when every argument came
from the first four sources (a docstring's container type counts as a
guess: its items are not known) and, for a method, when its receiver was
recorded; *hinted* when the arguments come from the default, hint or
docstring only (the suite's own values may be wrong on purpose). Methods get a receiver recorded for them or a
constructor call observed in the suite, else one built from `__init__`
(hinted parameters from their hints, the others from their names). A call
that reaches new code is varied: neighbours of each value, random edits of
strings and bytes (a character changed, put in or taken out, one of the
function's constants spliced in), one item of a container varied in turn,
rows given as tuples or dicts, and the receiver's constructor arguments
varied or completed from `__init__`'s other parameters.
Generators are iterated (bounded), coroutines awaited, context managers
entered; nested functions are skipped with a reason.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import random
import re
import sys
import typing
from collections import deque
from typing import Any

from aqe_values import Expr, encode, importable_name
from aqe_variation import edits, varied_constructions

MAX_PLANNED = 1500
TYPED = ("recorded", "default", "hint", "doc")
HINTED = ("default", "hint", "doc")
_INT_NAMES = re.compile(
    r"^(n|num|number|count|size|width|height|length|len|index|idx|i|j|k|start|stop|end|step|limit|depth|level|"
    r"times|precision|digits|pos|offset|maxsize|max_\w+|min_\w+|\w+_count|\w+_size|\w+_len|\w+_index)$"
)
_STR_NAMES = re.compile(
    r"^(s|name|text|string|word|prefix|suffix|sep|separator|delimiter|fmt|format|pattern|label|title|char|chars|"
    r"line|msg|message|\w+_name|\w+_str|\w+_text)$"
)
_SEQ_NAMES = re.compile(r"^(seq|seqs|iterable|iterables|items|lst|xs|values|elements|coll|data|it|iterator|\w+s)$")
_CALLABLE_NAMES = re.compile(r"^(func|fn|f|function|callback|pred|predicate|key|binop|\w+_func|\w+_fn)$")
_FILE_NAMES = re.compile(
    r"^(fp|fh|file|fileobj|fobj|fobject|stream|wrapped|infile|outfile|buf|buffer|\w+_file|\w+_stream)$"
)
_BOOL_NAMES = re.compile(r"^(is_\w+|has_\w+|use_\w+|allow_\w+|strict|reverse|verbose|raise_\w+|\w+_only)$")
_DOC_TYPE = re.compile(
    r":param\s+(?P<t1>[\w\[\], .|]+)\s+(?P<n1>\w+):|:type\s+(?P<n2>\w+):\s*(?P<t2>[\w\[\], .|]+)|"
    r"^\s*(?P<n3>\w+)\s*\((?P<t3>[\w\[\], .|]+?)(?:, optional)?\):|^\s*(?P<n4>\w+)\s*:\s*(?P<t4>[\w\[\], .|]+?)\s*$",
    re.MULTILINE,
)


class Value:
    """One argument choice: its source (None: leave the argument out) and where it came from."""

    __slots__ = ("expr", "origin", "raw")

    def __init__(self, expr: Expr | None, origin: str, raw: Any = None) -> None:
        self.expr, self.origin, self.raw = expr, origin, raw

    def key(self) -> str:
        return "<default>" if self.expr is None else self.expr.src


def _plain(values: list[Any], origin: str) -> list[Value]:
    out = []
    for value in values:
        expr = encode(value)
        if expr is not None:
            out.append(Value(expr, origin, value))
    return out


_BY_TYPE: dict[type, list[Any]] = {
    int: [1, 0, -1, 2, 10, 100],
    float: [1.5, 0.0, -2.5, 100.0],
    str: ["hello world", "", "a", "Hello", "a-b_c 1"],
    bytes: [b"", b"abc"],
    bool: [True, False],
    complex: [1j],
}
_SPECIAL: dict[str, list[Expr]] = {
    "datetime.datetime": [Expr("datetime.datetime(2020, 1, 2, 3, 4, 5)", ("import datetime",))],
    "datetime.date": [Expr("datetime.date(2020, 1, 2)", ("import datetime",))],
    "datetime.time": [Expr("datetime.time(3, 4, 5)", ("import datetime",))],
    "datetime.timedelta": [Expr("datetime.timedelta(days=1, seconds=30)", ("import datetime",))],
    "decimal.Decimal": [Expr("Decimal('1.5')", ("from decimal import Decimal",))],
    "fractions.Fraction": [Expr("Fraction(1, 3)", ("from fractions import Fraction",))],
    "re.Pattern": [Expr("re.compile('a+')", ("import re",))],
}


class Typer:
    """Values for type hints and docstring type names, building project objects where it can."""

    def __init__(self, constructions: dict[str, list[Expr]]) -> None:
        self.constructions = constructions

    def for_hint(self, hint: Any, depth: int = 0) -> list[Value] | None:
        if depth > 2:
            return None
        if hint is None or hint is type(None):
            return [Value(Expr("None"), "hint", None)]
        if hint is Any or hint is object or isinstance(hint, typing.TypeVar):
            return None
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Union or type(hint).__name__ == "UnionType":
            merged = [v for a in args for v in (self.for_hint(a, depth) or [])]
            return merged or None
        if origin is typing.Literal:
            return _plain(list(args), "hint") or None
        if origin is typing.Annotated:
            return self.for_hint(args[0], depth)
        if origin is not None:
            return self._container(origin, args, depth)
        if isinstance(hint, type):
            return self._for_class(hint, depth)
        return None

    def _container(self, origin: Any, args: tuple[Any, ...], depth: int) -> list[Value] | None:
        import collections.abc as abc

        name = getattr(origin, "__name__", "")
        kind: Any
        if origin in (list, abc.Sequence, abc.Iterable, abc.Collection, abc.MutableSequence, abc.Iterator):
            kind = list
        elif origin in (set, frozenset, abc.Set, abc.MutableSet):
            kind = set if origin is not frozenset else frozenset
        elif origin in (dict, abc.Mapping, abc.MutableMapping):
            kind = dict
        elif origin is tuple:
            kind = tuple
        elif origin is type and args and isinstance(args[0], type):
            owner = importable_name(args[0])
            return [Value(owner, "hint")] if owner else None
        elif name == "Callable" or origin is abc.Callable:
            return [Value(Expr("str"), "guess"), Value(Expr("lambda *args, **kwargs: None"), "guess")]
        else:
            return None
        items = [(self.for_hint(a, depth + 1) or []) for a in args if a is not Ellipsis]
        firsts = [pool[0] for pool in items if pool]
        out = [Value(Expr(_empty(kind)), "hint", kind())]
        if kind is dict and len(firsts) == 2:
            k, v = firsts
            assert k.expr is not None and v.expr is not None
            out.append(Value(Expr(f"{{{k.expr.src}: {v.expr.src}}}", k.expr.imports + v.expr.imports), "hint"))
        elif kind is tuple and firsts and len(firsts) == len(items) and Ellipsis not in args:
            out.append(_joined(firsts, "({},)" if len(firsts) == 1 else "({})"))
        elif kind is not dict and firsts:
            pool = items[0]
            chosen = pool[:3] if len(pool) > 1 else pool * 2
            wrap = {list: "[{}]", set: "{{{}}}", frozenset: "frozenset({{{}}})", tuple: "({},)"}[kind]
            out.append(_joined(chosen[:1], wrap))
            out.append(_joined(chosen, wrap if kind is not tuple else "({})"))
        return out

    def _for_class(self, kind: type, depth: int) -> list[Value] | None:
        if kind in _BY_TYPE:
            return _plain(_BY_TYPE[kind], "hint")
        spelled = f"{kind.__module__}.{kind.__qualname__}"
        if spelled in _SPECIAL:
            return [Value(e, "hint") for e in _SPECIAL[spelled]]
        if kind in (list, tuple, set, frozenset, dict):
            return self._container(kind, (), depth)
        if issubclass(kind, enum.Enum):
            return _plain(list(kind)[:6], "hint") or None
        owner = importable_name(kind)
        if owner is None:
            return None
        observed = [Value(e, "recorded") for e in self.constructions.get(f"{kind.__module__}:{kind.__qualname__}", [])]
        built = self.construct(kind, owner, depth)
        return (observed + ([built] if built is not None else [])) or None

    def construct(self, kind: type, owner: Expr, depth: int) -> Value | None:
        """`Cls(required=...)` from the class's dataclass fields, pydantic fields or typed `__init__`."""
        fields: list[tuple[str, Any]] = []
        if dataclasses.is_dataclass(kind):
            hints = _hints(kind)
            fields = [
                (f.name, hints.get(f.name, f.type)) for f in dataclasses.fields(kind)
                if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            ]
        elif hasattr(kind, "model_fields"):
            fields = [(n, f.annotation) for n, f in kind.model_fields.items() if f.is_required()]
        else:
            try:
                signature = inspect.signature(kind)
            except (TypeError, ValueError):
                return None
            hints = _hints(getattr(kind, "__init__", None))
            for p in signature.parameters.values():
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    fields.append((p.name, hints.get(p.name, _UNHINTED)))
        parts: list[Value] = []
        for name, hint in fields:
            pool = self.for_hint(hint, depth + 1) if hint is not _UNHINTED else guesses_for_name(name)
            if not pool:
                return None
            parts.append(pool[0])
        texts = [f"{name}={v.expr.src}" for (name, _), v in zip(fields, parts, strict=True) if v.expr is not None]
        imports = tuple(dict.fromkeys([*owner.imports, *(i for v in parts if v.expr for i in v.expr.imports)]))
        origin = "guess" if any(v.origin == "guess" for v in parts) else "hint"
        return Value(Expr(f"{owner.src}({', '.join(texts)})", imports), origin)

    def for_doc_type(self, text: str) -> list[Value] | None:
        words = {w.lower() for w in re.findall(r"\w+", text)}
        out: list[Value] = []
        kind: Any
        for word, kind in (("int", int), ("integer", int), ("float", float), ("str", str), ("string", str),
                           ("bool", bool), ("bytes", bytes)):
            if word in words:
                out += _plain(_BY_TYPE[kind], "doc")
        for v in out:
            v.origin = "doc"
        for word, kind in (("list", list), ("sequence", list), ("iterable", list), ("tuple", tuple),
                           ("dict", dict), ("mapping", dict), ("set", set)):
            if word in words:
                guessed = self._container(kind, (int,) if kind is not dict else (str, int), 0) or []
                for v in guessed:
                    v.origin = "guess"
                out += guessed
        if "none" in words:
            out.append(Value(Expr("None"), "doc", None))
        return out or None


_UNHINTED = object()


def _empty(kind: Any) -> str:
    empty: dict[Any, str] = {list: "[]", tuple: "()", dict: "{}", set: "set()", frozenset: "frozenset()"}
    return empty[kind]


def _joined(values: list[Value], pattern: str) -> Value:
    srcs = [v.expr.src for v in values if v.expr is not None]
    imports = tuple(dict.fromkeys(i for v in values if v.expr for i in v.expr.imports))
    return Value(Expr(pattern.format(", ".join(srcs)), imports), "hint")


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except Exception:
        return {k: v for k, v in getattr(obj, "__annotations__", {}).items() if not isinstance(v, str)}


def guesses_for_name(name: str) -> list[Value]:
    """Values suggested by a parameter's name, else a few of several types."""
    if _BOOL_NAMES.match(name):
        return _plain([True, False], "guess")
    if _INT_NAMES.match(name):
        return _plain([2, 0, 1, -1, 5], "guess")
    if _CALLABLE_NAMES.match(name):
        return [Value(Expr("str"), "guess"), Value(Expr("len"), "guess"), Value(Expr("bool"), "guess")]
    if _FILE_NAMES.match(name):
        return [Value(Expr(f"io.{kind}({text!r})", ("import io",)), "guess")
                for kind, text in (("StringIO", "a b\n1 2\n"), ("BytesIO", b"\x00\x01ab"))]
    if _STR_NAMES.match(name):
        return _plain(["abc", "", "Hello World", "a,b"], "guess")
    if _SEQ_NAMES.match(name):
        return _plain([[1, 2, 3], [], ["a", "b"], [3, 1, 2, 1]], "guess")
    return _plain([1, "abc", [1, 2, 3], None, {"a": 1}, 0.5], "guess")


def _neighbours(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, 0, -value, value * 2 + 1, 7]
    if isinstance(value, float):
        return [value + 0.5, value - 0.5, 0.0, -value, value * 10]
    if isinstance(value, str):
        return [value + value, value.upper(), value[:1], value + " x", value[::-1], " " + value, value + "1", ""]
    if isinstance(value, bytes):
        return [value + value, value[:1], b""]
    if isinstance(value, (list, tuple)):
        kind = type(value)
        return [kind(value[:1]), kind(list(value) * 2), kind(reversed(value)), kind(value[1:]), kind()]
    if isinstance(value, dict):
        items = list(value.items())
        return [dict(items[:1]), {}, {**value, "extra": 1}]
    return []


class Target:
    """A project function with its parameter pools and a queue of calls to try."""

    def __init__(self, spec: dict[str, Any], recorded: list[dict[str, Any]], typer: Typer) -> None:
        self.id: str = spec["id"]
        self.module_name: str = spec["module"]
        self.qualname: str = spec["qualname"]
        self.skip: str | None = None
        self.kind = "function"
        self.shape = "value"
        parts = self.qualname.split(".")
        dunder = parts[-1].startswith("__") and parts[-1].endswith("__") and parts[-1] not in ("__init__", "__call__")
        self.is_public = not dunder and not any(part.startswith("_") and not part.startswith("__") for part in parts)
        self.calls: dict[str, dict[str, Any]] = {}
        self.queue: deque[dict[str, Value]] = deque()
        self.seen: set[str] = set()
        self.queued: dict[str, dict[str, Value]] = {}
        self.count = 0
        self.rng = random.Random(self.id)
        self.receivers: list[Value] = []
        self.params: list[inspect.Parameter] = []
        self.pools: dict[str, list[Value]] = {}
        self.spliced: list[Any] = []
        self.owner: Any = None
        try:
            self._resolve(spec, recorded, typer)
        except Exception as exc:  # any failure to inspect the target only skips it
            self.skip = f"cannot inspect it: {type(exc).__name__}: {exc}"[:300]

    def _resolve(self, spec: dict[str, Any], recorded: list[dict[str, Any]], typer: Typer) -> None:
        parts = self.qualname.split(".")
        if "<locals>" in parts:
            self.skip = "a nested function: reached only through the function that defines it"
            return
        module = importlib.import_module(self.module_name)
        owner: Any = module
        for part in parts[:-1]:
            owner = getattr(owner, part)
        name = parts[-1]
        stored = f"_{parts[-2].lstrip('_')}{name}" if parts[:-1] and _mangled(name) else name
        attribute = inspect.getattr_static(owner, stored) if parts[:-1] else getattr(owner, name)
        self.owner_expr = importable_name(owner) if parts[:-1] else None
        func = attribute
        if isinstance(attribute, staticmethod):
            self.kind, func = "staticmethod", attribute.__func__
        elif isinstance(attribute, classmethod):
            self.kind, func = "classmethod", attribute.__func__
        elif isinstance(attribute, property):
            self.kind, func = "property", attribute.fget
        elif parts[:-1]:
            self.kind = "method"
        if parts[:-1] and self.owner_expr is None:
            self.skip = f"its class {'.'.join(parts[:-1])} cannot be imported from {self.module_name}"
            return
        self.callee = self._callee(name, module)
        if self.callee is None:
            return
        if _is_context_manager(func):
            self.shape = "with"
        func = inspect.unwrap(func)
        if inspect.isasyncgenfunction(func):
            self.skip = "an async generator: not iterated by the offline engine"
            return
        if self.shape != "with":
            self.shape = "iter" if inspect.isgeneratorfunction(func) else "await" if (
                inspect.iscoroutinefunction(func)) else "value"
        signature = inspect.signature(func)
        params = list(signature.parameters.values())
        if self.kind in ("method", "property", "classmethod", "constructor") and params:
            params = params[1:]
        if self.kind == "property":
            params = []
        self.params = [p for p in params if p.kind is not p.VAR_KEYWORD]
        hints = _hints(func)
        doc_types = _doc_types(inspect.getdoc(func) or "")
        constants = spec.get("constants", {})
        self.spliced = [v for values in constants.values() for v in values if isinstance(v, (str, bytes))][:12]
        self.owner = owner if parts[:-1] else None
        for p in self.params:
            self.pools[p.name] = self._pool(p, recorded, hints.get(p.name), doc_types.get(p.name), constants, typer)
        if self.kind in ("method", "property"):
            self.receivers = self._receivers(recorded, typer, owner)
            if not self.receivers:
                self.skip = f"cannot build a {'.'.join(parts[:-1])} to call it on"
                return
        self._seed(recorded)

    def _callee(self, name: str, module: Any) -> str | None:
        if self.kind == "function":
            expr = importable_name(getattr(module, name))
            if expr is None:
                self.skip = f"{name} is not importable from {self.module_name} under its own name"
                return None
            self.imports = expr.imports
            return str(expr.src)
        assert self.owner_expr is not None
        self.imports = self.owner_expr.imports
        owner_name = self.qualname.split(".")[-2]
        if _mangled(name):
            name = f"_{owner_name.lstrip('_')}{name}"
        if self.kind in ("staticmethod", "classmethod"):
            return f"{self.owner_expr.src}.{name}"
        if name == "__init__":
            self.kind = "constructor"
            return str(self.owner_expr.src)
        return "{receiver}." + name

    def _pool(
        self, p: inspect.Parameter, recorded: list[dict[str, Any]], hint: Any, doc: str | None,
        constants: dict[str, list[Any]], typer: Typer,
    ) -> list[Value]:
        pool: list[Value] = []
        for sample in recorded:
            key = "*" if p.kind is p.VAR_POSITIONAL else p.name
            found = sample.get(key)
            if found is not None:
                pool.append(Value(Expr(found[0], tuple(found[1])), "recorded"))
        if p.default is not inspect.Parameter.empty:
            pool.append(Value(None, "default"))
        if p.kind is p.VAR_POSITIONAL:
            return _unique([*pool, Value(Expr("()"), "default")])
        typed = typer.for_hint(hint) if hint is not None else None
        if typed is None and doc:
            typed = typer.for_doc_type(doc)
        pool += typed or []
        pool += _plain(list(constants.get(p.name, [])), "constant")
        if not typed:
            pool += guesses_for_name(p.name)
        return _unique(pool)

    def _receivers(self, recorded: list[dict[str, Any]], typer: Typer, owner: Any) -> list[Value]:
        found = [Value(Expr(s["self"][0], tuple(s["self"][1])), "recorded") for s in recorded if s.get("self")]
        found += typer._for_class(owner, 0) or []
        return _unique(found)[:6]

    def _seed(self, recorded: list[dict[str, Any]]) -> None:
        receivers = self.receivers or [Value(None, "default")]
        for sample in recorded:
            call = {p.name: self._from_sample(p, sample) for p in self.params}
            if sample.get("self"):
                call["<self>"] = Value(Expr(sample["self"][0], tuple(sample["self"][1])), "recorded")
            else:
                call["<self>"] = receivers[0]
            self._push(call)
        base = {p.name: self.pools[p.name][0] for p in self.params if self.pools[p.name]}
        for receiver in receivers:
            self._push({**base, "<self>": receiver})
        for p in self.params:
            for value in self.pools[p.name][1:]:
                self._push({**base, p.name: value, "<self>": receivers[0]})
        for _ in range(60):
            call = {p.name: self.rng.choice(self.pools[p.name]) for p in self.params if self.pools[p.name]}
            call["<self>"] = self.rng.choice(receivers)
            self._push(call)

    def _from_sample(self, p: inspect.Parameter, sample: dict[str, Any]) -> Value:
        found = sample.get("*" if p.kind is p.VAR_POSITIONAL else p.name)
        if found is not None:
            return Value(Expr(found[0], tuple(found[1])), "recorded")
        return self.pools[p.name][0] if self.pools[p.name] else Value(None, "default")

    def _push(self, call: dict[str, Value], front: bool = False) -> None:
        if any(p.name not in call for p in self.params if p.default is inspect.Parameter.empty
               and p.kind is not p.VAR_POSITIONAL):
            return
        key = "|".join(f"{k}={v.key()}" for k, v in sorted(call.items()))
        if key in self.seen:
            waiting = self.queued.get(key)
            if front and waiting is not None:
                self.queue.remove(waiting)
                self.queue.appendleft(waiting)
            return
        if len(self.seen) >= MAX_PLANNED:
            return
        self.seen.add(key)
        self.queued[key] = call
        if front:
            self.queue.appendleft(call)
        else:
            self.queue.append(call)

    def refill(self, count: int = 40) -> None:
        """More calls once the plan is used up: random combinations and neighbours of earlier calls."""
        receivers = self.receivers or [Value(None, "default")]
        earlier = list(self.calls)
        for _ in range(count):
            if earlier and self.rng.random() < 0.5:
                self.mutate(self.rng.choice(earlier), limit=2)
                continue
            call = {p.name: self.rng.choice(self.pools[p.name]) for p in self.params if self.pools[p.name]}
            call["<self>"] = self.rng.choice(receivers)
            self._push(call)

    def next_call(self) -> dict[str, Any] | None:
        """The next planned call as a runnable spec, or None when there is nothing new to try."""
        if self.skip is None and not self.queue and len(self.seen) < MAX_PLANNED:
            self.refill()
        if self.skip is not None or not self.queue:
            return None
        choice = self.queue.popleft()
        self.queued = {k: v for k, v in self.queued.items() if v is not choice}
        self.count += 1
        call_id = f"{self.id}#{self.count}"
        expr, imports = self._render(choice)
        receiver = choice.get("<self>")
        real_receiver = receiver is None or receiver.expr is None or receiver.origin == "recorded"
        valid = real_receiver and all(v.origin in TYPED for k, v in choice.items() if k != "<self>")
        hinted = real_receiver and all(v.origin in HINTED for k, v in choice.items() if k != "<self>")
        spec = {"id": call_id, "target": self.id, "expr": expr, "imports": imports, "shape": self.shape,
                "valid": valid, "hinted": hinted, "public": self.is_public}
        self.calls[call_id] = choice
        return spec

    def _render(self, choice: dict[str, Value]) -> tuple[str, list[str]]:
        imports = list(self.imports)
        args: list[str] = []
        for p in self.params:
            value = choice.get(p.name)
            if value is None or value.expr is None:
                continue
            imports += [i for i in value.expr.imports if i not in imports]
            if p.kind is p.VAR_POSITIONAL:
                args.append(f"*{value.expr.src}")
            elif p.kind is p.POSITIONAL_ONLY or (any(
                q.kind is q.VAR_POSITIONAL for q in self.params
            ) and p.kind is p.POSITIONAL_OR_KEYWORD):
                args.append(value.expr.src)
            else:
                args.append(f"{p.name}={value.expr.src}")
        callee = self.callee or ""
        receiver = choice.get("<self>")
        if "{receiver}" in callee:
            if receiver is None or receiver.expr is None:
                return "", imports
            imports += [i for i in receiver.expr.imports if i not in imports]
            callee = callee.replace("{receiver}", receiver.expr.src)
        if self.kind == "property":
            return callee, imports
        return f"{callee}({', '.join(args)})", imports

    def mutate(self, call_id: str, limit: int | None = None) -> None:
        """Queue neighbours of a call that reached new code, first (at most `limit` parameters varied)."""
        choice = self.calls.get(call_id)
        if choice is None:
            return
        params = self.params if limit is None else self.rng.sample(self.params, min(limit, len(self.params)))
        variants: list[dict[str, Value]] = []
        for p in params:
            current = choice.get(p.name)
            if current is None:
                continue
            origin = current.origin if current.origin in TYPED else "guess"
            raw = _raw(current)
            changed = _neighbours(raw) + edits(raw, self.rng, self.spliced) if raw is not _NO_RAW else []
            neighbours = [Value(e, origin if type(v) is type(raw) else "guess", v) for v in changed
                          for e in [encode(v)] if e is not None]
            others = [v for v in self.pools.get(p.name, []) if v.key() != current.key()]
            for value in neighbours + self.rng.sample(others, min(3, len(others))):
                variants.append({**choice, p.name: value})
        if self.kind in ("method", "property"):
            variants += [{**choice, "<self>": receiver} for receiver in self.receivers]
            receiver = choice.get("<self>")
            if receiver is not None and receiver.expr is not None and self.owner is not None:
                variants += [{**choice, "<self>": Value(other, "guess")} for other in varied_constructions(
                    receiver.expr, self.owner, self.rng, self.spliced, guesses_for_name)]
        for variant in reversed(variants):
            self._push(variant, front=True)


_NO_RAW = object()


def _raw(value: Value) -> Any:
    if value.expr is None:
        return _NO_RAW
    if value.raw is not None or value.expr.src == "None":
        return value.raw
    try:
        import ast

        return ast.literal_eval(value.expr.src)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NO_RAW


def _mangled(name: str) -> bool:
    """A private class attribute stored as `_Class__name`."""
    return name.startswith("__") and not name.endswith("__")


def _unique(values: list[Value]) -> list[Value]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value.key() not in seen:
            seen.add(value.key())
            out.append(value)
    return out


def _is_context_manager(func: Any) -> bool:
    """A function made by `contextlib.contextmanager`."""
    wrapped = getattr(func, "__wrapped__", None)
    code = getattr(func, "__code__", None)
    return wrapped is not None and inspect.isgeneratorfunction(wrapped) and code is not None and (
        code.co_filename.endswith("contextlib.py")
    )


def _doc_types(doc: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _DOC_TYPE.finditer(doc):
        for n, t in (("n1", "t1"), ("n2", "t2"), ("n3", "t3"), ("n4", "t4")):
            if match.group(n) and match.group(t):
                found.setdefault(match.group(n), match.group(t))
    return found


def constructions_from(recorded: dict[str, dict[str, Any]]) -> dict[str, list[Expr]]:
    """Observed constructor calls per class ('module:Class'), from the recorded `__init__` samples."""
    out: dict[str, list[Expr]] = {}
    for key, entry in recorded.items():
        if not key.endswith(".__init__"):
            continue
        module, qualname = key.split(":", 1)
        owner_name = qualname[: -len(".__init__")]
        found: Any = sys.modules.get(module)
        for part in owner_name.split("."):
            found = getattr(found, part, None)
        owner = importable_name(found) if isinstance(found, type) else None
        if owner is None:
            continue
        for sample in entry.get("samples", []):
            built = sample.get("self")
            if built is not None and built[0].startswith(owner.src + "("):
                out.setdefault(f"{module}:{owner_name}", []).append(Expr(built[0], tuple(built[1])))
    return out
