"""Gap ids are unique and stable when functions share a qualified name (if/else twins, setters, nested twins)."""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent

from helpers.fleet import write_project
from lionagi_qe.analysis.coverage_report import load_coverage
from lionagi_qe.analysis.gaps import find_gaps, index_functions
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.test_runner import RunSettings, run_test_suite

TWINS = """
    import sys

    if sys.version_info < (3,):
        def text(value):
            if value:
                return unicode(value)
            return u""
    else:
        def text(value):
            if value:
                return str(value)
            return ""


    class Box:
        def __init__(self):
            self._size = 0

        @property
        def size(self):
            return self._size

        @size.setter
        def size(self, value):
            if value < 0:
                raise ValueError(value)
            self._size = value


    def outer(flag):
        if flag:
            def inner():
                return 1
        else:
            def inner():
                return 2
        return inner()
"""


def test_twins_get_unique_ids_in_a_real_run(tmp_path: Path) -> None:
    root = write_project(tmp_path / "twins", {
        "twins.py": TWINS,
        "tests/test_twins.py": "from twins import Box, outer\n\n\ndef test_box():\n    assert Box().size == 0\n"
        "    assert outer(True) == 1\n",
    })
    project = inspect_project(root)
    run = run_test_suite(project, root / ".aqe" / "run", RunSettings(python=Path(sys.executable)))
    gaps, _ = find_gaps(load_coverage(run.data_file, project), project)
    ids = [gap.id for gap in gaps]
    assert len(ids) == len(set(ids))
    assert {"twins:text#2", "twins:Box.size#2", "twins:outer.<locals>.inner#2"} <= set(ids)
    assert "twins:Box.size" not in ids  # the getter ran; only the setter (the second `size`) is a gap
    by_id = {gap.id: gap for gap in gaps}
    assert by_id["twins:Box.size#2"].missing_lines and by_id["twins:text#2"].lineno > 4


def test_ids_do_not_move_when_code_is_added_above() -> None:
    before = index_functions(dedent(TWINS))
    after = index_functions("def added():\n    pass\n\n\n" + dedent(TWINS))[1:]
    assert [(f.qualname, f.occurrence) for f in before] == [(f.qualname, f.occurrence) for f in after]
    assert [f.occurrence for f in before if f.qualname == "text"] == [1, 2]
