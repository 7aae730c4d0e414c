"""Breaking changes to a project's public API between a git ref and the working tree (griffe), and semver advice.

    contract = compare_api(project, "v1.2.0")        # GitRefError: no repository, unknown ref
    contract.semver                                  # 'major' | 'minor' | 'patch'
    [b.message for b in contract.breaking]
    # ["ledger.accounts.open_account: parameter 'currency' was added as required", ...]
    contract.added                                   # public objects and parameters new since the ref

Both versions are loaded statically by griffe (`griffe.load` for the
working tree, `griffe.load_git` for the ref: a temporary git worktree), one
package or module at a time: the project's measured sources. Public means
what griffe takes as public (listed in `__all__`, else a name without a
leading underscore). A removed object for which an object of the same kind
and signature appeared beside it is reported as renamed. Advice: `major`
when anything breaks, `minor` when public objects or parameters were only
added, `patch` otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lionagi_qe.analysis.git_repo import GitRepo
from lionagi_qe.analysis.project import TargetProject

if TYPE_CHECKING:
    import griffe

_WHAT = {
    "PARAMETER_MOVED": "positional parameter {name!r} moved",
    "PARAMETER_REMOVED": "parameter {name!r} was removed",
    "PARAMETER_CHANGED_KIND": "parameter {name!r} changed kind ({old} -> {new})",
    "PARAMETER_CHANGED_DEFAULT": "default of parameter {name!r} changed ({old} -> {new})",
    "PARAMETER_CHANGED_REQUIRED": "parameter {name!r} is now required",
    "PARAMETER_ADDED_REQUIRED": "parameter {name!r} was added as required",
    "RETURN_CHANGED_TYPE": "return type changed ({old} -> {new})",
    "OBJECT_REMOVED": "{kind} was removed",
    "OBJECT_CHANGED_KIND": "changed from a {old} to a {new}",
    "ATTRIBUTE_CHANGED_TYPE": "attribute type changed ({old} -> {new})",
    "ATTRIBUTE_CHANGED_VALUE": "attribute value changed ({old} -> {new})",
    "CLASS_REMOVED_BASE": "base class {old} was removed",
}


@dataclass
class ApiBreak:
    """One breaking change: its kind, the object, and a sentence saying what broke."""

    kind: str
    path: str
    message: str
    file: str | None = None
    line: int | None = None
    old: str | None = None
    new: str | None = None


@dataclass
class ApiContract:
    """The public API compared between `base` (commit `commit`) and the working tree."""

    base: str
    commit: str
    packages: list[str]
    breaking: list[ApiBreak] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def semver(self) -> str:
        """The version bump these changes call for."""
        return "major" if self.breaking else "minor" if self.added else "patch"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the advice included."""
        return {**asdict(self), "semver": self.semver}


def compare_api(project: TargetProject, base: str) -> ApiContract:
    """Compare the public API of `project` at `base` with its working tree; see the module docstring."""
    import griffe

    repo = GitRepo.at(project.root)
    commit = repo.commit(base)
    contract = ApiContract(base, commit, [])
    logging.getLogger("griffe").setLevel(logging.ERROR)
    for name, search_root in top_level_names(project):
        contract.packages.append(name)
        relative_root = repo.relative(search_root)
        old = _load(griffe.load_git, name, ref=commit, repo=repo.root, search_paths=[relative_root or "."])
        new = _load(griffe.load, name, search_paths=[str(search_root)], try_relative_path=False)
        if old is None and new is None:
            contract.notes.append(f"griffe could not load {name} in either version")
        elif old is None:
            contract.added.append(name)
        elif new is None:
            contract.breaking.append(ApiBreak("object-removed", name, f"{name}: the module was removed"))
        else:
            _compare(old, new, project, contract)
    return contract


def top_level_names(project: TargetProject) -> list[tuple[str, Path]]:
    """(import name, folder it is imported from) of each top-level package or module measured."""
    found: list[tuple[str, Path]] = []
    for source in project.sources:
        if source.is_file() and source.suffix == ".py":
            found.append((source.stem, source.parent))
        elif (source / "__init__.py").is_file():
            found.append((source.name, source.parent))
        elif source.is_dir():
            for child in sorted(source.iterdir()):
                if (child / "__init__.py").is_file() or (child.suffix == ".py" and child.stem.isidentifier()):
                    found.append((child.stem, source))
    return found


def _load(loader: Any, name: str, **options: Any) -> griffe.Object | griffe.Alias | None:
    """`loader(name, **options)`, or None when the package is not there (in that version)."""
    try:
        return loader(name, **options)  # type: ignore[no-any-return]
    except (ImportError, OSError):
        return None


def _compare(old: Any, new: Any, project: TargetProject, contract: ApiContract) -> None:
    import griffe

    removed: list[ApiBreak] = []
    for breakage in griffe.find_breaking_changes(old, new):
        found = _describe(breakage, project)
        (removed if found.kind == "object-removed" else contract.breaking).append(found)
    old_api, new_api = dict(_public(old)), dict(_public(new))
    for item in removed:
        renamed_to = _renamed_to(item.path, old_api, new_api)
        if renamed_to:
            item.kind = "object-renamed"
            item.message = f"{item.path}: renamed to {renamed_to} (callers of the old name break)"
        contract.breaking.append(item)
    fresh = set(new_api) - set(old_api)
    contract.added.extend(sorted(p for p in fresh if "(" not in p or p.partition("(")[0] not in fresh))


def _describe(breakage: Any, project: TargetProject) -> ApiBreak:
    kind = breakage.kind.name
    obj = breakage.obj
    old, new = breakage.old_value, breakage.new_value
    name = getattr(old, "name", None) or getattr(new, "name", None) or obj.name
    values = {
        "name": name,
        "kind": getattr(getattr(obj, "kind", None), "value", "object"),
        "old": _text(old, kind),
        "new": _text(new, kind),
    }
    what = _WHAT.get(kind, breakage.kind.value).format(**values)
    return ApiBreak(
        kind=kind.lower().replace("_", "-"),
        path=obj.path,
        message=f"{obj.path}: {what}",
        file=_file_of(obj, project),
        line=getattr(obj, "lineno", None),
        old=values["old"],
        new=values["new"],
    )


def _text(value: Any, kind: str) -> str | None:
    """A breakage's old or new value in a few words: a parameter as name=default, a kind by its name."""
    if value is None:
        return None
    if "DEFAULT" in kind:
        return str(getattr(value, "default", value))
    if "KIND" in kind and hasattr(value, "kind"):
        return str(value.kind.value)
    if hasattr(value, "default") and hasattr(value, "name"):
        return str(value.name) if value.default is None else f"{value.name}={value.default}"
    if hasattr(value, "path"):
        return str(value.path)
    label = getattr(value, "value", None)
    return label if isinstance(label, str) else str(value)


def _file_of(obj: Any, project: TargetProject) -> str | None:
    """The object's file relative to the project root (an object of the old version: where it was)."""
    filepath = getattr(obj, "filepath", None)
    if not isinstance(filepath, Path):
        return None
    if filepath.is_relative_to(project.root):
        return project.relative(filepath)
    try:
        return str(obj.relative_package_filepath)
    except ValueError:
        return filepath.name


def _public(obj: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(path, signature) of each public object and parameter under `obj` (aliases left out)."""
    for member in obj.members.values():
        if member.is_alias or not member.is_public:
            continue
        signature = ""
        if member.is_function:
            signature = ", ".join(p.name for p in member.parameters)
            for parameter in member.parameters:
                yield f"{member.path}({parameter.name})", ""
        yield member.path, f"{member.kind.value}:{signature}"
        if (member.is_class or member.is_module) and depth < 20:
            yield from _public(member, depth + 1)


def _renamed_to(path: str, old_api: dict[str, str], new_api: dict[str, str]) -> str | None:
    """The new object of the same parent, kind and signature that did not exist before, if exactly one."""
    parent = path.rpartition(".")[0]
    signature = old_api.get(path)
    matches = [
        other for other, shape in new_api.items()
        if other not in old_api and other.rpartition(".")[0] == parent and "(" not in other and shape == signature
    ]
    return matches[0] if len(matches) == 1 else None
