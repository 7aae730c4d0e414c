"""Write pytest tests for coverage gaps without a model.

    candidates, notes = offline_candidates(project, python, gaps, work_dir)

Three engines, each a candidate per gap that verification keeps or drops:

- characterization: calls planned from the function's `ast` (defaults, type
  hints, compared constants) are run once in the target's interpreter; the
  calls that reach the gap's missing lines or branches become tests that pin
  down today's result or exception;
- ghostwriter: Hypothesis writes a fuzz test for fully type-hinted functions
  (when the target's interpreter has Hypothesis and black);
- doctest: a test that runs the function's docstring examples.

The other two engines are asked only about gaps that the characterization
calls do not close.
"""

from __future__ import annotations

import ast
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lionagi_qe.analysis.call_synthesis import find_function, plan_calls
from lionagi_qe.analysis.candidate import Candidate, generated_stem
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.probes import CALL_PROBE
from lionagi_qe.analysis.project import TargetProject
from lionagi_qe.analysis.test_runner import probe_environment

CALL_TIMEOUT = 2.0
PROBE_TIMEOUT = 120.0
HYPOTHESIS_SETTINGS = (
    "@settings(database=None, derandomize=True, deadline=None, max_examples=50, "
    "suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])"
)


def offline_candidates(
    project: TargetProject,
    python: Path,
    gaps: Sequence[Gap],
    work_dir: Path,
    *,
    call_timeout: float = CALL_TIMEOUT,
) -> tuple[list[Candidate], list[str]]:
    """Candidates for `gaps` from the three offline engines, and notes on what was skipped."""
    notes: list[str] = []
    targets: dict[str, dict[str, Any]] = {}
    trees: dict[str, ast.Module] = {}
    for gap in gaps:
        source = Path(gap.path).read_text(encoding="utf-8")
        trees[gap.id] = ast.parse(source)
        plan = plan_calls(source, gap.qualname)
        if plan.skip_reason:
            notes.append(f"{gap.id}: no calls planned ({plan.skip_reason})")
            continue
        targets[gap.id] = {
            "id": gap.id, "module": gap.module, "qualname": gap.qualname, "init": plan.init,
            "calls": plan.calls, "except": plan.raises, "ghostwrite": plan.fully_typed,
        }
    requests = [{**t, "ghostwrite": False} for t in targets.values()]
    replies = _run_probe(project, python, requests, work_dir / "calls", call_timeout, notes) if requests else {}
    candidates: list[Candidate] = []
    still_open: list[Gap] = []
    for gap in gaps:
        reply = replies.get(gap.id, {})
        if reply.get("error"):
            notes.append(f"{gap.id}: {reply['error']}")
        chosen, unreached = choose_calls(gap, reply.get("calls", []))
        characterization = render_characterization(gap, reply, chosen)
        stem = generated_stem(gap.module, gap.qualname)
        if characterization:
            candidates.append(Candidate(gap.id, "characterization", characterization, stem))
        if characterization is None or unreached:
            still_open.append(gap)
    fuzz = [{**targets[g.id], "calls": []} for g in still_open if targets.get(g.id, {}).get("ghostwrite")]
    written = _run_probe(project, python, fuzz, work_dir / "fuzz", call_timeout, notes) if fuzz else {}
    for gap in still_open:
        stem = generated_stem(gap.module, gap.qualname)
        fuzz_source = (written.get(gap.id, {}).get("ghostwriter") or {}).get("source")
        if fuzz_source:
            candidates.append(Candidate(gap.id, "ghostwriter", with_fixed_settings(fuzz_source), stem + "_fuzz"))
        doc = render_doctest(gap, trees[gap.id])
        if doc:
            candidates.append(Candidate(gap.id, "doctest", doc, stem + "_doctest"))
    return candidates, notes


def _run_probe(
    project: TargetProject,
    python: Path,
    targets: list[dict[str, Any]],
    work_dir: Path,
    call_timeout: float,
    notes: list[str],
) -> dict[str, dict[str, Any]]:
    work_dir.mkdir(parents=True, exist_ok=True)
    request, reply = work_dir / "probe-request.json", work_dir / "probe-reply.json"
    request.write_text(json.dumps({"targets": targets, "call_timeout": call_timeout}), encoding="utf-8")
    limit = PROBE_TIMEOUT + call_timeout * sum(len(t["calls"]) for t in targets)
    try:
        done = subprocess.run(
            [str(python), str(CALL_PROBE), str(request), str(reply)], cwd=project.root,
            env=probe_environment(project), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=limit, check=False,
        )
    except subprocess.TimeoutExpired:
        notes.append(f"the call probe took over {limit:g}s and was stopped; no characterization tests")
        return {}
    if done.returncode != 0 or not reply.exists():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        notes.append(f"the call probe failed (exit {done.returncode}): {tail}")
        return {}
    return {t["id"]: t for t in json.loads(reply.read_text(encoding="utf-8"))["targets"]}


def _matches(arc: Sequence[int], missing: set[tuple[int, int]]) -> tuple[int, int] | None:
    a, b = arc
    if (a, b) in missing:
        return (a, b)
    if b < 0:
        return next((m for m in missing if m[0] == a and m[1] < 0), None)
    return None


def _gain(call: dict[str, Any], lines: set[int], branches: set[tuple[int, int]]) -> int:
    hit = {_matches(arc, branches) for arc in call["arcs"]} - {None}
    return len(lines & set(call["lines"])) + len(hit)


def choose_calls(gap: Gap, calls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Greedily pick the calls that reach the most missing lines and branches; also how many stay unreached."""
    lines = set(gap.missing_lines)
    branches = {(a, b) for a, b in gap.missing_branches}
    usable = [
        c for c in calls
        if c.get("status") == "return" or (c.get("status") == "raise" and c.get("exc_name") != "TypeError")
    ]
    chosen: list[dict[str, Any]] = []
    while usable and (lines or branches):
        best = max(usable, key=lambda call: _gain(call, lines, branches))
        if _gain(best, lines, branches) == 0:
            break
        chosen.append(best)
        usable.remove(best)
        lines -= set(best["lines"])
        branches -= {_matches(arc, branches) for arc in best["arcs"]} - {None}
    return chosen, len(lines) + len(branches)


def _call_expression(gap: Gap, kind: str, init: str, kwargs_src: str) -> tuple[str, str]:
    """(name to import from the module, expression calling the target)."""
    kwargs = ast.literal_eval(kwargs_src)
    arguments = ", ".join(f"{name}={value!r}" for name, value in kwargs.items())
    parts = gap.qualname.split(".")
    if kind == "function":
        return parts[0], f"{parts[0]}({arguments})"
    owner = ".".join(parts[:-1])
    init_args = ", ".join(f"{name}={value!r}" for name, value in ast.literal_eval(init or "{}").items())
    if kind in ("staticmethod", "classmethod"):
        return parts[0], f"{owner}.{parts[-1]}({arguments})"
    if kind == "property":
        return parts[0], f"{owner}({init_args}).{parts[-1]}"
    return parts[0], f"{owner}({init_args}).{parts[-1]}({arguments})"


def render_characterization(gap: Gap, reply: dict[str, Any], chosen: list[dict[str, Any]]) -> str | None:
    """A test module pinning the `chosen` calls' results, or None when none can be asserted."""
    imports = {"import pytest"} if any(c["status"] == "raise" for c in chosen) else set()
    if gap.is_async:
        imports.add("import asyncio")
    tests: list[str] = []
    prefix = gap.qualname.replace(".", "_").lower()
    for index, call in enumerate(chosen, 1):
        kind, init = reply.get("kind", "function"), reply.get("init") or "{}"
        name, expression = _call_expression(gap, kind, init, call["kwargs"])
        if gap.is_async:
            expression = f"asyncio.run({expression})"
        body = _assertion(call, expression, imports)
        if body is None:
            continue
        imports.add(f"from {gap.module} import {name}")
        tests.append(f"def test_{prefix}_{index}():\n{body}\n")
    if not tests:
        return None
    header = (
        f'"""Characterization tests for {gap.id}, written by aqe\'s offline engine.\n\n'
        'They pin down what the code does today; review them before adopting them.\n"""\n'
    )
    plain = sorted(i for i in imports if i.startswith("import "))
    ordered = [*plain, *sorted(i for i in imports if i.startswith("from "))]
    return header + "\n" + "\n".join(ordered) + "\n\n\n" + "\n\n".join(tests)


def _assertion(call: dict[str, Any], expression: str, imports: set[str]) -> str | None:
    if call["status"] == "raise":
        exc = call["exc_name"]
        if "." in exc or "<" in exc:
            return None
        if call["exc_module"] != "builtins":
            imports.add(f"from {call['exc_module']} import {exc}")
        return f"    with pytest.raises({exc}):\n        {expression}"
    if call.get("repr") is not None:
        value = call["repr"]
        if value in ("None", "True", "False"):
            return f"    assert {expression} is {value}"
        return f"    assert {expression} == {value}"
    module, name = call.get("type_module", ""), call.get("type_name", "")
    if not module or "." in name or "<" in name or module.startswith("_"):
        return None
    if module != "builtins":
        imports.add(f"from {module} import {name}")
    return f"    assert isinstance({expression}, {name})"


def with_fixed_settings(source: str) -> str:
    """Ghostwriter output made repeatable: no example database, derandomized, no deadline."""
    lines = []
    for line in source.splitlines():
        if line.startswith("@given("):
            lines.append(HYPOTHESIS_SETTINGS)
        lines.append(line)
    text = "\n".join(lines) + "\n"
    return text.replace("from hypothesis import ", "from hypothesis import HealthCheck, settings, ", 1)


def render_doctest(gap: Gap, tree: ast.Module) -> str | None:
    """A test running the function's docstring examples, or None when it has none."""
    _, node = find_function(tree, gap.qualname)
    doc = ast.get_docstring(node) if node is not None else None
    if not doc or ">>>" not in doc:
        return None
    head, *rest = gap.qualname.split(".")
    attribute = "".join(f".{part}" for part in rest)
    name = gap.qualname.replace(".", "_").lower()
    return (
        f'"""Runs the docstring examples of {gap.id} (written by aqe\'s offline engine)."""\n\n'
        "import doctest\n\n"
        f"import {gap.module} as target_module\n\n\n"
        f"def test_{name}_docstring_examples():\n"
        f"    target = target_module.{head}{attribute}\n"
        "    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)\n"
        f"    finder = doctest.DocTestFinder(recurse=False)\n"
        f"    for example in finder.find(target, {gap.qualname!r}, globs=vars(target_module).copy()):\n"
        "        runner.run(example)\n"
        "    assert runner.tries > 0\n"
        "    assert runner.failures == 0\n"
    )
