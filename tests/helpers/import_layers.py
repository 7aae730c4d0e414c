"""Find imports that point up the project's layers, by reading every module with `ast`.

    upward_imports(Path("src/lionagi_qe"), "lionagi_qe")
    # ['lionagi_qe/core/fleet.py:23 core imports agents', ...]   (empty when every import points down)

A module of one layer may import its own layer and the layers below it.
Layers of the same rank are peers and must not import each other. The
package root (`__init__.py` at the top) may re-export anything; a module
importing the root imports every layer at once, so that counts as upward.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

# lowest first; one set per rank (a set of peers)
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors"}),
    frozenset({"config"}),
    frozenset({"storage", "analysis"}),
    frozenset({"core"}),
    frozenset({"agents"}),
    frozenset({"workers"}),
    frozenset({"fleet"}),
    frozenset({"cli"}),
)
RANKS: Mapping[str, int] = {layer: rank for rank, peers in enumerate(LAYERS) for layer in peers}


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of every import in a module, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([node.module] if node.module else [])])
            if "." in base:
                yield node.lineno, base
            else:  # `from pkg import agents` imports a layer, `from pkg import Thing` the root
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}" if alias.name in RANKS else base


def _layer(dotted: str, package: str) -> str | None:
    """'agents' for 'lionagi_qe.agents.x'; '' for the root itself; None outside the package."""
    parts = dotted.split(".")
    if parts[0] != package:
        return None
    return parts[1] if len(parts) > 1 else ""


def upward_imports(src: Path, package: str) -> list[str]:
    """Every import under `src` (the package folder) that points up or sideways; see the module docstring."""
    found: list[str] = []
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src.parent)
        is_package = path.name == "__init__.py"
        module = ".".join(relative.with_suffix("").parts[: -1 if is_package else None])
        own = _layer(module, package)
        if own == "":  # the package root re-exports the public API
            continue
        if own not in RANKS:
            found.append(f"{relative}: {own!r} is not a known layer; add it to LAYERS")
            continue
        seen: set[tuple[int, str]] = set()
        for line, name in _imported(ast.parse(path.read_text(encoding="utf-8")), module, is_package):
            target = _layer(name, package)
            if target is None or target == own or (line, target) in seen:
                continue
            seen.add((line, target))
            if target == "":
                found.append(f"{relative}:{line} {own} imports the package root (every layer); import the module")
            elif target in RANKS and RANKS[target] >= RANKS[own]:
                found.append(f"{relative}:{line} {own} imports {target}")
    return found
