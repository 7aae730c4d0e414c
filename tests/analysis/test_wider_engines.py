"""The wider fleet's engines on small projects: flaky classification, Bandit, SARIF, audit, durations, readiness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.fleet import write_project
from lionagi_qe.analysis.dependency_audit import audit_dependencies
from lionagi_qe.analysis.flaky_hunter import HuntOptions, hunt_flaky, shuffled
from lionagi_qe.analysis.interpreter import resolve_interpreter
from lionagi_qe.analysis.performance import SlowdownRule, judge_durations
from lionagi_qe.analysis.project import inspect_project
from lionagi_qe.analysis.readiness import ReadinessInputs, ReadinessThresholds, decide_readiness
from lionagi_qe.analysis.sarif import bandit_sarif
from lionagi_qe.analysis.security_scan import bandit_interpreter, scan_sources
from lionagi_qe.analysis.test_runner import RunSettings
from lionagi_qe.errors import ToolMissingError

SETTINGS = RunSettings(python=resolve_interpreter(), test_timeout=30)


def bare_python(tmp_path: Path) -> Path:
    """An interpreter without Bandit (a virtualenv without pip)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    return tmp_path / "bare" / "bin" / "python"


def test_shuffled_orders_are_reproducible_and_keep_files_together() -> None:
    order = [f"tests/test_{f}.py::test_{i}" for f in "abc" for i in range(4)]
    assert shuffled(order, 5) == shuffled(order, 5) and sorted(shuffled(order, 5)) == sorted(order)
    assert len({tuple(shuffled(order, seed)) for seed in range(6)}) > 1
    files = [nodeid.split("::")[0] for nodeid in shuffled(order, 5)]
    assert [f for i, f in enumerate(files) if i == 0 or files[i - 1] != f] == list(dict.fromkeys(files))


def test_a_test_failing_every_other_run_is_nondeterministic_with_its_rate(tmp_path: Path) -> None:
    counter = tmp_path / "count.txt"
    root = write_project(tmp_path / "p", {
        "src/pkg/__init__.py": "",
        "tests/test_coin.py": f'''
            from pathlib import Path

            COUNTER = Path({str(counter)!r})


            def test_coin():
                seen = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
                COUNTER.write_text(str(seen))
                assert seen % 2 == 1, f"run {{seen}}"


            def test_steady():
                assert True
        ''',
    })
    first = {"tests/test_coin.py::test_coin": "passed", "tests/test_coin.py::test_steady": "passed"}
    hunt = hunt_flaky(inspect_project(root), SETTINGS, tmp_path / "work", first, HuntOptions(reruns=2, orders=0))
    assert hunt.order_dependent == []
    [found] = hunt.flaky
    assert found.nodeid == "tests/test_coin.py::test_coin"
    assert (found.failures, found.runs, found.failure_rate) == (1, 4, 0.25)
    assert "run 2" in found.message
    assert hunt.observed["tests/test_coin.py::test_steady"] == {"runs": 4, "failures": 0}


def test_a_brittle_test_is_reported_with_its_state_setter(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "src/pkg/__init__.py": "",
        "src/pkg/config.py": "SETTINGS = {}\n",
        "tests/test_a_setup.py": '''
            from pkg import config


            def test_loads_settings():
                config.SETTINGS["currency"] = "EUR"


            def test_unrelated():
                assert 2 * 2 == 4
        ''',
        "tests/test_b_prices.py": '''
            from pkg import config


            def test_other():
                assert True


            def test_prices_in_currency():
                assert config.SETTINGS["currency"] == "EUR"
        ''',
    })
    project = inspect_project(root)
    first = dict.fromkeys(
        ["tests/test_a_setup.py::test_loads_settings", "tests/test_a_setup.py::test_unrelated",
         "tests/test_b_prices.py::test_other", "tests/test_b_prices.py::test_prices_in_currency"], "passed",
    )
    hunt = hunt_flaky(project, SETTINGS, tmp_path / "work", first, HuntOptions(reruns=1, orders=0))
    [found] = hunt.order_dependent
    stored = found.to_dict()
    assert stored["kind"] == "brittle" and stored["victim"] == "tests/test_b_prices.py::test_prices_in_currency"
    assert stored["state_setter"] == "tests/test_a_setup.py::test_loads_settings"
    assert "KeyError" in stored["message"]
    assert hunt.flaky == []


def test_bandit_missing_everywhere_says_how_to_install_it(tmp_path: Path) -> None:
    bare = bare_python(tmp_path)
    with pytest.raises(ToolMissingError, match=r"Bandit is not installed .* -m pip install bandit"):
        bandit_interpreter(bare, own=bare)
    assert bandit_interpreter(bare) == Path(sys.executable)


def test_bandit_findings_and_sarif(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "src/pkg/__init__.py": "",
        "src/pkg/run.py": "import subprocess\n\n\ndef go(cmd):\n    return subprocess.call(cmd, shell=True)\n",
        "src/pkg/keys.py": "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n",
        "tests/test_x.py": "def test_x():\n    assert True\n",
    })
    scan = scan_sources(inspect_project(root), Path(sys.executable), tmp_path / "work")
    found = {(f["id"], f["file"], f["line"], f["severity"]) for f in scan.findings}
    assert ("B602", "src/pkg/run.py", 5, "HIGH") in found and ("B324", "src/pkg/keys.py", 5, "HIGH") in found
    assert scan.findings[0]["severity"] == "HIGH" and scan.high == 2
    assert scan.counts() == {"high": 2, "medium": 0, "low": 1}
    sarif = json.loads(Path(scan.sarif_file).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert sorted(rules) == ["B324", "B404", "B602"]
    shell = next(r for r in run["results"] if r["ruleId"] == "B602")
    assert shell["level"] == "error" and rules[shell["ruleIndex"]] == "B602"
    location = shell["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/pkg/run.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 5


def test_sarif_levels_follow_severity(tmp_path: Path) -> None:
    report = {"results": [
        {"test_id": t, "test_name": t.lower(), "issue_text": "x", "issue_severity": s, "issue_confidence": "LOW",
         "filename": str(tmp_path / "a.py"), "line_number": 1}
        for t, s in (("B1", "HIGH"), ("B2", "MEDIUM"), ("B3", "LOW"))
    ]}
    [run] = bandit_sarif(report, tmp_path, "1")["runs"]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]


def test_dependency_audit_is_skipped_with_a_note_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AQE_DEPENDENCY_AUDIT")
    audit = audit_dependencies(Path(sys.executable), url="http://127.0.0.1:9/v1/query", timeout=2)
    assert audit["status"] == "skipped" and audit["vulnerable"] == []
    assert audit["note"].startswith("dependency audit skipped: the vulnerability database is not reachable")
    assert "127.0.0.1:9" in audit["note"]


def _tests(**durations: float) -> list[dict[str, object]]:
    return [{"nodeid": name, "outcome": "passed", "duration": d} for name, d in durations.items()]


def test_a_slowdown_needs_both_the_ratio_and_the_floor() -> None:
    history = [("r1", {"fast": 0.002, "slow": 0.2, "steady": 1.0}), ("r2", {"fast": 0.002, "slow": 0.22})]
    judged = judge_durations(_tests(fast=0.01, slow=0.5, steady=1.3, new=2.0), history, SlowdownRule(1.5, 0.1, 5))
    assert [r["nodeid"] for r in judged["regressions"]] == ["slow"]
    [slow] = judged["regressions"]
    assert slow["baseline"] == 0.21
    assert slow["history"] == [{"run": "r1", "duration": 0.2}, {"run": "r2", "duration": 0.22}]
    assert [s["nodeid"] for s in judged["slowest"]] == ["new", "steady", "slow", "fast"]
    assert judged["compared"] == 3


def test_readiness_names_every_verdict() -> None:
    limits = ReadinessThresholds()
    nothing = decide_readiness(ReadinessInputs(), limits)
    assert nothing.go is False and nothing.reasons[0].startswith("no verdict in memory")
    ready = decide_readiness(ReadinessInputs(gate_passed=True, flaky=0, high_findings=0, slowdowns=0), limits)
    assert ready.go is True and "mutation: not measured" in ready.reasons
    weak = decide_readiness(ReadinessInputs(gate_passed=True, mutation_score=41.5, breaking_changes=2), limits)
    assert weak.go is False
    assert "mutation: score 41.5% < 60%" in weak.reasons
    assert "api_contract: 2 breaking API change(s) (0 allowed)" in weak.reasons


def test_dependency_audit_turned_off_asks_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQE_DEPENDENCY_AUDIT", "off")
    audit = audit_dependencies(Path(sys.executable), url="http://127.0.0.1:9/v1/query", timeout=2)
    assert audit == {
        "status": "skipped", "note": "dependency audit skipped: turned off by AQE_DEPENDENCY_AUDIT",
        "packages": 0, "vulnerable": [],
    }
