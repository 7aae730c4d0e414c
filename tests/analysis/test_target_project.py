"""inspect_project: what `aqe run PATH` analyses, and the clear errors for what it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.fleet import copy_sample, write_project
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.errors import TargetProjectError


def test_src_layout_sample(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    project = inspect_project(root)
    assert project.root == root.resolve()
    assert project.sources == (root.resolve() / "src",)
    assert project.import_roots == (root.resolve() / "src",)
    assert {p.name for p in project.test_files} == {"test_pricing.py", "test_inventory.py", "test_text.py"}


def test_a_source_folder_inside_a_project_is_measured_alone(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    project = inspect_project(root / "src")
    assert project.root == root.resolve()
    assert project.sources == ((root / "src").resolve(),)


def test_flat_layout_finds_packages_and_modules(tmp_path: Path) -> None:
    root = write_project(tmp_path / "flat", {
        "pkg/__init__.py": "", "tool.py": "X = 1\n", "setup.py": "", "docs/conf.py": "",
        "tests/test_a.py": "def test_a():\n    pass\n",
    })
    project = inspect_project(root)
    assert [p.name for p in project.sources] == ["pkg", "tool.py"]


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(TargetProjectError, match="does not exist"):
        inspect_project(tmp_path / "nowhere")


def test_file_instead_of_folder(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    with pytest.raises(TargetProjectError, match="is a file"):
        inspect_project(file)


def test_no_tests(tmp_path: Path) -> None:
    root = write_project(tmp_path / "bare", {"pkg/__init__.py": "def f():\n    return 1\n"})
    with pytest.raises(TargetProjectError, match="no tests found"):
        inspect_project(root)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", {
        "pkg/__init__.py": "", "pkg/core.py": "def f(:\n    pass\n", "tests/test_a.py": "def test_a():\n    pass\n",
    })
    with pytest.raises(TargetProjectError, match=r"syntax error in pkg/core.py:1"):
        inspect_project(root)
