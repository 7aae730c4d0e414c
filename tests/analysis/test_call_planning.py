"""The warm worker's building blocks, in this process: values written back as source, and calls planned from types.

The probes run inside the target's interpreter with their folder on the
path; here that folder is put on `sys.path` and a throwaway module is
imported from a temporary folder.
"""

from __future__ import annotations

import ast
import datetime
import enum
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from types import ModuleType
from typing import Any

import pytest

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
