"""The prompt that asks a model for tests of one gap, and the parser of its reply.

    prompt = build_prompt(gap, project)       # source, signature, docstring, uncovered lines, the project
                                              # functions it calls, an example test
    source = parse_reply(reply_text)          # the test module, or MalformedReply

The reply must hold one Python code block (or bare code) that parses and
defines at least one `test_*` function; anything else, a refusal included,
is a `MalformedReply`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lionagi_qe.analysis.call_synthesis import find_function
from lionagi_qe.analysis.callees import called_sources
from lionagi_qe.analysis.coverage_report import Arc
from lionagi_qe.analysis.gaps import Gap
from lionagi_qe.analysis.project import TargetProject

MAX_EXAMPLE_CHARS = 2500
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


class MalformedReply(ValueError):
    """The model's reply holds no usable pytest module."""


def signature_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """'name(arg: type = default) -> result', as written in the source."""
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    prefix = "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
    return f"{prefix}{node.name}({ast.unparse(node.args)}){returns}"


def example_test(project: TargetProject, gap: Gap) -> str | None:
    """An existing test of the project: one that calls the target if any, else one of its module, else any."""
    name = gap.qualname.split(".")[-1]
    tail = gap.module.rsplit(".", 1)[-1]
    best: tuple[int, str] | None = None
    for file in project.test_files:
        try:
            source = file.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        imports = "\n".join(
            ast.get_source_segment(source, n) or "" for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
        )
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                segment = ast.get_source_segment(source, node) or ""
                score = 2 if re.search(rf"\b{re.escape(name)}\(", segment) else 1 if tail in imports else 0
                if best is None or score > best[0]:
                    best = (score, f"{imports}\n\n\n{segment}".strip()[:MAX_EXAMPLE_CHARS])
    return None if best is None else best[1]


def describe_missing(lines: list[str], missing_lines: list[int], missing_branches: list[Arc]) -> tuple[str, str]:
    """('  line 33: raise ...' one a line, '  line 32 -> line 33: `if ...` never took this way' one a line)."""
    uncovered = "\n".join(f"  line {n}: {lines[n - 1].strip()}" for n in missing_lines if 0 < n <= len(lines))
    branches = "\n".join(
        f"  line {a} -> {'exit' if b < 0 else f'line {b}'}: `{lines[a - 1].strip()}` never took this way"
        for a, b in missing_branches
        if 0 < a <= len(lines)
    )
    return uncovered, branches


def callees_section(gap: Gap, project: TargetProject) -> str:
    """The sources of the project functions the gap calls, as a prompt section ('' if none)."""
    found = called_sources(gap, project)
    if not found:
        return ""
    blocks = "\n\n".join(f"# {ident}\n{source}" for ident, source in found)
    return f"Project functions it calls (for the values they return or raise):\n```python\n{blocks}\n```\n\n"


def build_prompt(gap: Gap, project: TargetProject) -> str:
    """The instruction for one gap: everything the model needs, nothing else."""
    source = Path(gap.path).read_text(encoding="utf-8")
    lines = source.splitlines()
    owner, node = find_function(ast.parse(source), gap.qualname)
    function_source = "\n".join(lines[gap.lineno - 1 : gap.end_lineno])
    if node is not None and node.decorator_list:
        function_source = "\n".join(lines[node.decorator_list[0].lineno - 1 : gap.end_lineno])
    signature = signature_of(node) if node is not None else gap.qualname
    docstring = (ast.get_docstring(node) if node is not None else None) or "(none)"
    uncovered, branches = describe_missing(lines, gap.missing_lines, gap.missing_branches)
    importable = gap.qualname.split(".")[0]
    how = f"from {gap.module} import {importable}"
    if owner is not None:
        how += f"  (then call it on an instance: {owner.name}(...).{gap.qualname.split('.')[-1]}(...))"
    example = example_test(project, gap) or "(the project has no test to show)"
    return (
        f"Write pytest tests for `{gap.id}` that run its uncovered lines and branches.\n\n"
        f"File: {gap.file}, lines {gap.lineno}-{gap.end_lineno}\n"
        f"Signature: {signature}\n"
        f"Docstring: {docstring}\n\n"
        f"Source:\n```python\n{function_source}\n```\n\n"
        f"Uncovered lines:\n{uncovered or '  (none)'}\n"
        f"Uncovered branches:\n{branches or '  (none)'}\n\n"
        f"{callees_section(gap, project)}"
        f"Import it with: {how}\n\n"
        f"An existing test of this project, for style:\n```python\n{example}\n```\n\n"
        "Reply with exactly one ```python code block holding a complete pytest module: its imports, "
        "test functions named test_*, plain asserts on the exact values the code returns, pytest.raises "
        "for errors. Deterministic: no network, no sleeping, files only under pytest's tmp_path."
    )


def parse_reply(reply: str) -> str:
    """The pytest module in a model's reply; raises `MalformedReply` if there is none."""
    if not isinstance(reply, str) or not reply.strip():
        raise MalformedReply("the model returned an empty reply")
    fenced = _FENCE.findall(reply)
    blocks = fenced or [reply]
    problem = "the reply holds no ```python code block"
    for block in blocks:
        code = str(block).strip("\n")
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            if fenced:
                problem = f"the code does not parse (line {exc.lineno}: {exc.msg})"
            continue
        if any(
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
            for node in ast.walk(tree)
        ):
            return code + "\n"
        problem = "the code defines no test_* function"
    raise MalformedReply(problem)
