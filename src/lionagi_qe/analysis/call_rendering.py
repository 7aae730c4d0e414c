"""Write pytest modules from the calls the guided search kept.

    source = render_calls("shopkit.pricing:bulk_price", calls)     # one test function per call, or None
    source = render_doctest("shopkit.pricing", "shopkit.pricing.apply_discount")

A returned value is pinned when it rebuilds in source (`== value`, `is None`),
else by its type and attributes; generators are compared on their first
items, coroutines awaited, context managers entered. An exception is pinned
(`pytest.raises(..., match=...)`) only when the project raises it on purpose;
the message is matched only when it was the same in both runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lionagi_qe.analysis.guided_search import FoundCall

ITER_LIMIT = 50
HEADER = (
    '"""{what} for {where}, written by aqe\'s offline engine.\n\n'
    "They pin down what the code does today; review them before adopting them.\n"
    '"""\n'
)
DOCTEST_FLAGS = "doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL"


def _snake(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_").lower() or "target"


def _wrapped(shape: str, expr: str, imports: set[str]) -> str:
    if shape == "iter":
        imports.add("from itertools import islice")
        return f"list(islice({expr}, {ITER_LIMIT}))"
    if shape == "await":
        imports.add("import asyncio")
        return f"asyncio.run({expr})"
    return expr


def _exception_name(exc: list[str], imports: set[str]) -> str | None:
    module, name = exc
    if "." in name or "<" in name:
        return None
    if module != "builtins":
        if module.split(".")[0].startswith("_"):
            return None
        imports.add(f"from {module} import {name}")
    return name


def _returned(outcome: dict[str, Any], shape: str, expr: str, imports: set[str]) -> str | None:
    pin, kind, attrs = outcome.get("pin"), outcome.get("type"), outcome.get("attrs")
    if shape == "with":
        head, indent, value = f"    with {expr} as entered:\n", "        ", "entered"
    else:
        head, indent, value = "", "    ", _wrapped(shape, expr, imports)
    if pin is not None:
        imports.update(pin[1])
        operator = "is" if pin[0] in ("None", "True", "False") else "=="
        return f"{head}{indent}assert {value} {operator} {pin[0]}"
    if kind is None:
        return None
    imports.update(kind[1])
    lines = [f"{indent}result = {value}", f"{indent}assert isinstance(result, {kind[0]})"]
    if attrs is not None:
        imports.update(attrs[1])
        lines.append(f"{indent}assert vars(result) == {attrs[0]}")
    return head + "\n".join(lines)


def _raised(outcome: dict[str, Any], shape: str, expr: str, imports: set[str]) -> str | None:
    name = _exception_name(outcome["exc"], imports)
    if name is None:
        return None
    imports.add("import pytest")
    message = outcome.get("message")
    pattern = re.escape(message).replace("\\ ", " ") if message else ""
    match = f", match={pattern!r}" if message and len(message) <= 120 else ""
    call = f"with {expr}:\n            pass" if shape == "with" else _wrapped(shape, expr, imports)
    return f"    with pytest.raises({name}{match}):\n        {call}"


def test_body(call: FoundCall, imports: set[str]) -> str | None:
    """The body of one test function for a kept call, or None when nothing meaningful can be asserted."""
    outcome, spec = call.outcome, call.spec
    shape = outcome.get("shape") or spec.get("shape", "value")
    expr = spec["expr"]
    if outcome.get("status") == "return":
        body = _returned(outcome, shape, expr, imports)
    elif outcome.get("status") == "raise" and outcome.get("origin") == "deliberate":
        body = _raised(outcome, shape, expr, imports)
    else:
        return None
    if body is not None:
        imports.update(spec.get("imports") or [])
    return body


def _module(header: str, imports: set[str], tests: list[str]) -> str:
    plain = sorted(i for i in imports if i.startswith("import "))
    froms = sorted(i for i in imports if i.startswith("from "))
    return header + "\n" + "\n".join([*plain, *froms]) + "\n\n\n" + "\n\n\n".join(tests) + "\n"


def render_calls(gap_id: str, calls: Sequence[FoundCall]) -> str | None:
    """A test module with one test per kept call of `gap_id`, or None when none can be asserted."""
    imports: set[str] = set()
    tests: list[str] = []
    prefix = _snake(gap_id.split(":", 1)[-1])
    for call in calls:
        body = test_body(call, imports)
        if body is not None:
            tests.append(f"def test_{prefix}_{len(tests) + 1}():\n{body}")
    if not tests:
        return None
    return _module(HEADER.format(what="Characterization tests", where=gap_id), imports, tests)


def render_doctest(module: str, name: str) -> str:
    """A test running the docstring examples of `name` (a doctest name such as 'pkg.mod.func') in `module`."""
    test = (
        f"def test_{_snake(name)}_docstring_examples():\n"
        f"    runner = doctest.DocTestRunner(optionflags={DOCTEST_FLAGS})\n"
        "    finder = doctest.DocTestFinder(exclude_empty=True)\n"
        f"    for example in finder.find(target_module):\n"
        f"        if example.name == {name!r}:\n"
        "            runner.run(example, out=lambda text: None)\n"
        "    assert runner.tries > 0\n"
        "    assert runner.failures == 0"
    )
    return _module(
        HEADER.format(what="Docstring examples", where=name), {"import doctest", f"import {module} as target_module"},
        [test],
    )
