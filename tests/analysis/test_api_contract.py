"""The API contract between a git ref and the working tree: each kind of break, renames, and the semver advice."""

from __future__ import annotations

from pathlib import Path

from helpers.diff_project import git, make_diff_project
from helpers.fleet import write_project
from lionagi_qe.analysis.api_contract import compare_api
from lionagi_qe.analysis.project import inspect_project


def test_the_planted_signature_change_is_major(tmp_path: Path) -> None:
    contract = compare_api(inspect_project(make_diff_project(tmp_path)), "HEAD~1")
    assert contract.packages == ["ledger"]
    assert [b.message for b in contract.breaking if b.kind == "parameter-added-required"] == [
        "ledger.accounts.open_account: parameter 'currency' was added as required"
    ]
    assert contract.breaking[0].file == "ledger/accounts.py" and contract.breaking[0].line == 1
    assert "ledger.accounts.close_account" in contract.added
    assert contract.semver == "major"


def test_removed_renamed_defaults_and_parameters(tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    accounts = (root / "ledger" / "accounts.py").read_text(encoding="utf-8")
    write_project(root, {
        "ledger/accounts.py": accounts.replace("balance=0", "balance=5").replace("def transfer(source, target, amount)",
                                                                               "def transfer(source, amount)"),
        "ledger/fees.py": "def charge(amount, rate):\n    return amount * rate\n",
        "ledger/report.py": "def describe(account):\n    return str(account)\n\n\ndef _helper():\n    return 1\n",
    })
    found = {(b.kind, b.path) for b in compare_api(inspect_project(root), "HEAD").breaking}
    assert ("parameter-changed-default", "ledger.accounts.open_account") in found
    assert ("parameter-removed", "ledger.accounts.transfer") in found
    assert ("object-removed", "ledger.fees.fee") in found
    assert ("object-renamed", "ledger.report.summary") in found
    messages = [b.message for b in compare_api(inspect_project(root), "HEAD").breaking]
    assert "ledger.accounts.open_account: default of parameter 'balance' changed (0 -> 5)" in messages
    assert "ledger.report.summary: renamed to ledger.report.describe (callers of the old name break)" in messages
    assert not any("_helper" in message for message in messages)


def test_additions_only_are_minor_and_nothing_is_patch(tmp_path: Path) -> None:
    root = make_diff_project(tmp_path)
    assert compare_api(inspect_project(root), "HEAD").semver == "patch"
    report = (root / "ledger" / "report.py").read_text(encoding="utf-8")
    write_project(root, {"ledger/report.py": report.replace("(account)", '(account, sep=": ")')})
    contract = compare_api(inspect_project(root), "HEAD")
    assert contract.breaking == [] and contract.added == ["ledger.report.summary(sep)"]
    assert contract.semver == "minor"
    git(root, "commit", "-qam", "optional separator")
    assert compare_api(inspect_project(root), "HEAD~2").semver == "major"
