"""Imports point down the layers only.

    cli -> fleet -> workers -> agents -> core -> analysis | storage -> config -> errors
"""

from __future__ import annotations

from pathlib import Path

import lionagi_qe
from helpers.import_layers import upward_imports

SRC = Path(lionagi_qe.__file__).resolve().parent


def test_every_import_of_the_project_points_down() -> None:
    assert upward_imports(SRC, "lionagi_qe") == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_checker_accepts_downward_and_finds_every_kind_of_upward_import(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "__init__.py": "from pkg.cli import app\n",  # the root may re-export anything
        "errors.py": "",
        "config/__init__.py": "from pkg.errors import E\n",
        "storage/__init__.py": "from ..config import C\n",
        "analysis/engine.py": "import pkg.storage.base\n",  # peers: sideways is refused
        "core/base.py": "def f():\n    from pkg.agents import A\n",  # lazy, still upward
        "core/ok.py": "from pkg.storage import S\nfrom pkg.core import base\n",
        "agents/x.py": "from pkg import fleet\n",
        "agents/y.py": "from pkg import Thing\n",
        "fleet/run.py": "from . import run\nfrom ..agents import x\nfrom pkg.workers import jobs\n"
        "from pkg.cli.main import app\n",
        "cli/main.py": "from pkg.fleet.run import go\n",
    })
    assert upward_imports(src, "pkg") == [
        "pkg/agents/x.py:1 agents imports fleet",
        "pkg/agents/y.py:1 agents imports the package root (every layer); import the module",
        "pkg/analysis/engine.py:1 analysis imports storage",
        "pkg/core/base.py:2 core imports agents",
        "pkg/fleet/run.py:4 fleet imports cli",
    ]


def test_checker_names_a_folder_that_is_no_layer(tmp_path: Path) -> None:
    src = _tree(tmp_path, {"__init__.py": "", "extras/tool.py": "import os\n"})
    assert upward_imports(src, "pkg") == ["pkg/extras/tool.py: 'extras' is not a known layer; add it to LAYERS"]
