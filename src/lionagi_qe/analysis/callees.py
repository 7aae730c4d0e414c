"""The project's own functions that a gap's function calls, with their sources (for a model's prompt).

    for name, source in called_sources(gap, project):
        print(name)        # 'shopkit.pricing:apply_discount'

Calls are found with `ast`: plain names (functions of the same module or
imported from a project module, `from .x import f` included), `module.f`
for an imported project module, and `self.m` / `cls.m` for methods of the
same class. A called class shows its header and `__init__`. Names from the
standard library or other packages are left out, and so is recursion.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.project import TargetProject

MAX_CALLEES = 6
MAX_LINES = 60
MAX_CHARS = 6000
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class _Module:
    name: str
    path: Path
    source: str
    tree: ast.Module

    def top_level(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
        return next((n for n in self.tree.body if isinstance(n, _DEFS) and n.name == name), None)


def _load(name: str, path: Path) -> _Module | None:
    try:
        source = path.read_text(encoding="utf-8")
        return _Module(name, path, source, ast.parse(source))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _in_sources(path: Path, project: TargetProject) -> bool:
    resolved = path.resolve()
    return any(resolved == source or source in resolved.parents for source in project.sources)


def _find_module(name: str, project: TargetProject) -> _Module | None:
    """The project module `name` (a dotted name), if it is one of the measured sources."""
    relative = Path(*name.split("."))
    for root in project.import_roots:
        for path in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
            if path.is_file() and _in_sources(path, project):
                return _load(name, path)
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(here: _Module) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """({local name: (module, name)} from `from m import n`, {local name: module} from `import m`)."""
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    is_package = here.path.name == "__init__.py"
    for node in ast.walk(here.tree):
        if isinstance(node, ast.ImportFrom):
            origin = _absolute(node, here.name, is_package)
            for alias in node.names:
                names[alias.asname or alias.name] = (origin, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
    return names, modules


def _segment(module: _Module, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    lines = module.source.splitlines()
    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    if isinstance(node, ast.ClassDef):
        body_start = node.body[0].lineno if node.body else node.lineno + 1
        header = lines[start - 1 : body_start - 1]
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        shown = header + (lines[init.lineno - 1 : init.end_lineno] if init else ["    ..."])
    else:
        shown = lines[start - 1 : node.end_lineno]
    if len(shown) > MAX_LINES:
        shown = [*shown[:MAX_LINES], "    ...  # (cut)"]
    return "\n".join(shown)


def _call_names(function: ast.AST) -> list[tuple[str | None, str]]:
    """(receiver name or None, called name) of each call, plain names first, each in source order, no repeats."""
    calls = sorted(
        (node for node in ast.walk(function) if isinstance(node, ast.Call)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    found: dict[tuple[str | None, str], None] = {}
    for node in calls:
        if isinstance(node.func, ast.Name):
            found[(None, node.func.id)] = None
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            found[(node.func.value.id, node.func.attr)] = None
    return sorted(found, key=lambda key: 0 if key[0] is None else 1)


def called_sources(gap: Gap, project: TargetProject) -> list[tuple[str, str]]:
    """[(id 'module:qualname', source)] of the project functions and classes the gap's function calls."""
    here = _load(gap.module, Path(gap.path))
    if here is None:
        return []
    owner, function = _locate(here.tree, gap.qualname)
    if function is None:
        return []
    names, modules = _imports(here)
    found: list[tuple[str, str]] = []
    total = 0
    for receiver, called in _call_names(function):
        target = _resolve(here, owner, names, modules, receiver, called, project)
        if target is None:
            continue
        module, qualname, node = target
        ident = f"{module.name}:{qualname}"
        if ident == gap.id or any(ident == seen for seen, _ in found):
            continue
        source = _segment(module, node)
        if total + len(source) > MAX_CHARS:
            break
        found.append((ident, source))
        total += len(source)
        if len(found) >= MAX_CALLEES:
            break
    return found


def _locate(tree: ast.Module, qualname: str) -> tuple[ast.ClassDef | None, ast.AST | None]:
    scope: ast.AST = tree
    owner: ast.ClassDef | None = None
    for part in qualname.split("."):
        match = next((n for n in ast.iter_child_nodes(scope) if isinstance(n, _DEFS) and n.name == part), None)
        if match is None:
            return owner, None
        if isinstance(match, ast.ClassDef):
            owner = match
        scope = match
    return owner, scope


def _resolve(
    here: _Module,
    owner: ast.ClassDef | None,
    names: dict[str, tuple[str, str]],
    modules: dict[str, str],
    receiver: str | None,
    called: str,
    project: TargetProject,
) -> tuple[_Module, str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] | None:
    if receiver is None:
        local = here.top_level(called)
        if local is not None:
            return here, called, local
        if called in names:
            origin, name = names[called]
            module = _find_module(origin, project)
            node = module.top_level(name) if module else None
            return (module, name, node) if module and node else None
        return None
    if receiver in ("self", "cls") and owner is not None:
        method = next((n for n in owner.body if isinstance(n, _DEFS) and n.name == called), None)
        return (here, f"{owner.name}.{called}", method) if method is not None else None
    dotted = modules.get(receiver) or (".".join(names[receiver]) if receiver in names else None)
    module = _find_module(dotted, project) if dotted else None
    node = module.top_level(called) if module else None
    return (module, called, node) if module and node else None
