"""Complexity per function of the target's sources, and hot spots: complexity times missing coverage.

    functions = measure_complexity(project)
    functions[0]    # FunctionComplexity(file='src/pkg/core.py', qualname='Parser.parse', cyclomatic=12,
                    #                    cognitive=19, maintainability=48.3, rank='C', ...)
    spots = hot_spots(functions, gaps)    # gaps: the coverage-analyzer's stored gaps (dicts)
    spots[0]        # {'gap': 'pkg.core:Parser.parse', 'score': 9.0, 'cyclomatic': 12, 'missing_share': 0.75, ...}

Cyclomatic complexity, its rank (A-F) and the maintainability index come from
radon (the index computed on each function's own source, 0-100, higher is
easier); cognitive complexity from `cognitive_complexity`. Methods are named
`Class.method`; nested functions count toward the function around them.
A hot spot is a function with missing coverage: score = cyclomatic
complexity x the share of its statements never run, so a complex function
left mostly untested ranks first.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from radon.complexity import cc_rank, cc_visit
from radon.metrics import mi_visit
from radon.visitors import Function

from lionagi_qe.analysis.cognitive_complexity import FunctionNode, cognitive_complexity
from lionagi_qe.analysis.project import SKIPPED_DIRS, TargetProject


@dataclass(frozen=True)
class FunctionComplexity:
    """How complex one function is, by three measures."""

    file: str
    qualname: str
    lineno: int
    end_lineno: int
    cyclomatic: int
    cognitive: int
    maintainability: float
    rank: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def measure_complexity(project: TargetProject) -> list[FunctionComplexity]:
    """Every function and method of the project's sources, most cognitively complex first."""
    measured = [m for path in _source_files(project.sources) for m in measure_file(path, project.relative(path))]
    return sorted(measured, key=lambda f: (-f.cognitive, -f.cyclomatic, f.file, f.lineno))


def measure_file(path: Path, name: str) -> list[FunctionComplexity]:
    """The functions and methods of one file (`name` is how results name the file); [] if it does not parse."""
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source)
        blocks = cc_visit(source)
    except SyntaxError:
        return []
    nodes = {node.lineno: node for node in ast.walk(tree) if isinstance(node, FunctionNode)}
    lines = source.splitlines()
    measured = []
    for block in _functions(blocks):
        node = nodes.get(block.lineno)
        if node is None:
            continue
        own_source = textwrap.dedent("\n".join(lines[block.lineno - 1 : block.endline]))
        measured.append(FunctionComplexity(
            file=name,
            qualname=f"{block.classname}.{block.name}" if block.classname else block.name,
            lineno=block.lineno,
            end_lineno=block.endline,
            cyclomatic=block.complexity,
            cognitive=cognitive_complexity(node),
            maintainability=round(float(mi_visit(own_source, multi=True)), 2),
            rank=cc_rank(block.complexity),
        ))
    return measured


def _functions(blocks: Sequence[Any]) -> Iterator[Function]:
    for block in blocks:
        if isinstance(block, Function):
            yield block
        else:
            yield from (m for m in block.methods if isinstance(m, Function))


def _source_files(sources: Sequence[Path]) -> Iterator[Path]:
    for source in sources:
        if source.is_file() and source.suffix == ".py":
            yield source
        elif source.is_dir():
            for path in sorted(source.rglob("*.py")):
                parts = path.relative_to(source).parts[:-1]
                if not any(p.startswith(".") or p in SKIPPED_DIRS for p in parts):
                    yield path


def hot_spots(functions: Sequence[FunctionComplexity], gaps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Functions with missing coverage (the coverage-analyzer's gaps), by complexity x missing share, highest first."""
    by_name = {(f.file, f.qualname): f for f in functions}
    spots = []
    for gap in gaps:
        function = by_name.get((gap["file"], gap["qualname"]))
        statements = gap.get("statements") or 0
        if function is None or not statements:
            continue
        share = len(gap["missing_lines"]) / statements
        spots.append({
            "gap": gap["id"], "file": function.file, "qualname": function.qualname, "lineno": function.lineno,
            "score": round(function.cyclomatic * share, 2), "cyclomatic": function.cyclomatic,
            "cognitive": function.cognitive, "missing_share": round(share, 3),
            "missing_lines": len(gap["missing_lines"]), "gap_risk": gap.get("risk"),
        })
    return sorted(spots, key=lambda s: (-s["score"], -s["cognitive"], s["gap"]))
