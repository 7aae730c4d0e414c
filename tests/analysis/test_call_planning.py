"""The warm worker's building blocks, in this process: values written back as source, and calls planned from types.

The probes run inside the target's interpreter with their folder on the
path; here that folder is put on `sys.path` and a throwaway module is
imported from a temporary folder.
"""

from __future__ import annotations

import ast
import datetime
import enum
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from types import ModuleType
from typing import Any

import pytest

from lionagi_qe.analysis.call_synthesis import compared_constants
from lionagi_qe.analysis.probes import PROBES_DIR

MODULE = '''
"""A module to plan calls for."""

import contextlib
import dataclasses
import enum
from typing import Literal, Optional


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Box:
    def __init__(self, size: int) -> None:
        self.size = size

    def grow(self, by: int = 1) -> int:
        self.size += by
        return self.size

    def __secret(self) -> int:
        return self.size


def paint(color: Color, where: Point, mode: Literal["fast", "slow"] = "fast", note: Optional[str] = None) -> str:
    return f"{color.value} {where.x},{where.y} {mode} {note}"


def count_up(n: int):
    for i in range(n):
        yield i


async def later(x: int) -> int:
    return x * 2


@contextlib.contextmanager
def opened(name: str):
    yield name.upper()


def outer():
    def inner(x):
        return x
    return inner


def untyped(count, text, items):
    return count, text, items


class Wrapper:
    def __init__(self, stream, mode="r"):
        self.stream = stream

    def read(self):
        return self.stream.read()


class Base:
    def __init__(self, width=3, limit=None):
        self.width, self.limit = width, limit


class Child(Base):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def show(self):
        return self.limit


class Tagged:
    def __init__(self, base=(), *more):
        self.base, self.more = base, more

    def __eq__(self, other):
        return (self.base, self.more) == (other.base, other.more)


def rows(table):
    return table
'''


@pytest.fixture()
def probes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, ModuleType]]:
    """(aqe_values, aqe_planning, the throwaway module 'planme') importable in this process."""
    (tmp_path / "planme.py").write_text(dedent(MODULE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(PROBES_DIR))
    monkeypatch.syspath_prepend(str(tmp_path))
    import aqe_planning
    import aqe_values
    import planme

    yield aqe_values, aqe_planning, planme
    sys.modules.pop("planme", None)


class Shade(enum.Enum):
    DARK = 1


def test_values_rebuild_in_source(probes: tuple[Any, Any, ModuleType]) -> None:
    values, _, planme = probes
    assert values.encode([1, "a", (2.5,), {"k": None}]).src == "[1, 'a', (2.5,), {'k': None}]"
    assert values.encode({3, 1}).src == "{1, 3}"
    day = values.encode(datetime.date(2020, 1, 2))
    assert day == values.Expr("datetime.date(2020, 1, 2)", ("import datetime",))
    assert values.encode(planme.Color.RED) == values.Expr("Color.RED", ("from planme import Color",))
    point = values.encode(planme.Point(1, 2))
    assert point == values.Expr("Point(x=1, y=2)", ("from planme import Point",))
    assert values.encode(len) == values.Expr("len")
    assert values.encode(object()) is None
    assert values.encode(list(range(100))) is None
    assert values.encode(float("nan")).src == "float('nan')"


def _plan(planning: Any, qualname: str, recorded: list[dict[str, Any]] | None = None) -> Any:
    spec = {"id": f"planme:{qualname}", "module": "planme", "qualname": qualname, "constants": {}}
    return planning.Target(spec, recorded or [], planning.Typer({}))


def _calls(target: Any, count: int = 400) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        call = target.next_call()
        if call is None:
            break
        out.append(call)
    return out


def test_type_hints_give_well_typed_arguments(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    calls = _calls(_plan(planning, "paint"))
    exprs = [c["expr"] for c in calls]
    assert exprs[0] == "paint(color=Color.RED, where=Point(x=1, y=1))"
    assert any("color=Color.BLUE" in e for e in exprs)
    assert any("mode='slow'" in e for e in exprs) and any("note=None" in e for e in exprs)
    assert all(c["valid"] for c in calls)
    namespace: dict[str, Any] = {}
    for line in calls[0]["imports"]:
        exec(line, namespace)
    assert eval(calls[0]["expr"], namespace) == "red 1,1 fast None"


def test_recorded_values_and_receivers_come_first(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    recorded = [{"self": ["Box(size=7)", ["from planme import Box"]], "by": ["3", []]}]
    target = _plan(planning, "Box.grow", recorded)
    first = target.next_call()
    assert first["expr"] == "Box(size=7).grow(by=3)" and first["valid"]
    assert "from planme import Box" in first["imports"]
    mangled = _plan(planning, "Box.__secret").next_call()
    assert mangled["expr"] == "Box(size=1)._Box__secret()"


def test_untyped_parameters_get_guesses_that_are_not_valid_typed(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    first = _plan(planning, "untyped").next_call()
    args = ast.parse(first["expr"]).body[0].value.keywords  # type: ignore[attr-defined]
    assert {k.arg: ast.literal_eval(k.value) for k in args} == {"count": 2, "text": "abc", "items": [1, 2, 3]}
    assert first["valid"] is False


def test_shapes_and_skips(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    assert _plan(planning, "count_up").shape == "iter"
    assert _plan(planning, "later").shape == "await"
    assert _plan(planning, "opened").shape == "with"
    assert "nested function" in _plan(planning, "outer.<locals>.inner").skip


def test_mutation_queues_neighbours_first(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    target = _plan(planning, "count_up")
    first = target.next_call()
    target.mutate(first["id"])
    neighbours = [target.next_call()["expr"] for _ in range(3)]
    assert neighbours[0] == "count_up(n=2)"
    assert "count_up(n=0)" in neighbours


def _variation(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(PROBES_DIR))
    import aqe_variation

    return aqe_variation


def test_edits_change_what_values_hold(probes: tuple[Any, Any, ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    variation = _variation(monkeypatch)
    texts = variation.edits("abc", random.Random(1), ["0x"])
    assert any(t.startswith("0x") for t in texts) and "abc" not in texts
    assert all(isinstance(b, bytes) for b in variation.edits(b"\x01\x02", random.Random(1), []))
    table = variation.edits([[1, "x"], [2, "y"]], random.Random(1), [])
    assert [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}] in table
    assert [(1, "x"), (2, "y")] in table
    assert {"a": [1, 2], "b": ["x", "y"]} in table
    assert any(isinstance(t, list) and len(t) == 2 and t != [[1, "x"], [2, "y"]] and all(
        isinstance(r, list) for r in t) for t in table)


def test_a_recorded_table_is_varied_into_rows_of_dicts(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    target = _plan(planning, "rows", [{"table": ["[[1, 'x'], [2, 'y']]", []]}])
    first = target.next_call()
    target.mutate(first["id"])
    varied = [c["expr"] for c in _calls(target, 60)]
    assert "rows(table=[{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}])" in varied


def test_receivers_of_unhinted_classes_are_built_from_parameter_names(probes: tuple[Any, Any, ModuleType]) -> None:
    _, planning, _ = probes
    target = _plan(planning, "Wrapper.read")
    assert target.skip is None
    first = target.next_call()
    assert first["expr"].startswith("Wrapper(stream=io.StringIO(") and "import io" in first["imports"]
    assert first["valid"] is False


def test_an_observed_construction_is_varied_and_completed_from_its_base(
    probes: tuple[Any, Any, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    values, planning, planme = probes
    variation = _variation(monkeypatch)
    built = values.Expr("Child(*(), **{'width': 18})", ("from planme import Child",))
    found = variation.varied_constructions(built, planme.Child, random.Random(3), [], planning.guesses_for_name)
    assert any("'limit':" in e.src for e in found)
    assert any("'width': 18" not in e.src and "'width':" in e.src for e in found)
    for expr in found:
        namespace: dict[str, Any] = {}
        for line in expr.imports:
            exec(line, namespace)
        assert isinstance(eval(expr.src, namespace), planme.Child)


def test_string_tests_give_constants_that_meet_them() -> None:
    source = "def f(text):\n    if text.startswith(('0x', '0b')):\n        return 1\n    return 0\n"
    assert compared_constants(source, "f")["text"][:3] == ["0x", "0x1", "a0x"]


def test_a_construction_with_star_args_is_recorded_positionally(
    probes: tuple[Any, Any, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, planme = probes
    monkeypatch.syspath_prepend(str(PROBES_DIR))
    import aqe_record_probe

    recorder = aqe_record_probe.Recorder([str(Path(planme.__file__).parent)])
    frames: list[Any] = []
    sys.setprofile(lambda frame, event, arg: frames.append(frame) if (
        event == "call" and frame.f_code is planme.Tagged.__init__.__code__) else None)
    try:
        instance = planme.Tagged(1, 2, 3)
    finally:
        sys.setprofile(None)
    assert recorder.on_call(frames[0].f_code, frames[0])
    _, expr = recorder.known[id(instance)]
    assert expr.src == "Tagged(1, *(2, 3))"
    namespace: dict[str, Any] = {}
    for line in expr.imports:
        exec(line, namespace)
    assert eval(expr.src, namespace) == instance
