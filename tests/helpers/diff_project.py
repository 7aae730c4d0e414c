"""A target project in a git repository of two commits, with one planted finding per diff-aware agent.

    root = make_diff_project(tmp_path)        # HEAD~1 is the base; the working tree is HEAD, clean
    # api-contract-validator: ledger.accounts.open_account gained a required parameter `currency`
    # regression-risk-analyzer: ledger.accounts.transfer changed; IMPACTED tests exercise it;
    #                           ledger.accounts.close_account is new and no test covers it
    # mutation-tester: ledger.fees.fee is covered by a test that asserts almost nothing: mutants survive
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.fleet import write_project

BASE_FILES = {
    "ledger/__init__.py": '''\
        """A tiny ledger."""
        from ledger.accounts import open_account, transfer

        __all__ = ["open_account", "transfer"]
        ''',
    "ledger/accounts.py": '''\
        def open_account(owner, balance=0):
            return {"owner": owner, "balance": balance}


        def transfer(source, target, amount):
            if amount <= 0:
                raise ValueError("amount must be positive")
            source["balance"] -= amount
            target["balance"] += amount
            return amount
        ''',
    "ledger/fees.py": '''\
        def fee(amount):
            if amount > 1000:
                return amount * 0.01
            return 2.5
        ''',
    "ledger/report.py": '''\
        def summary(account):
            return f"{account['owner']}: {account['balance']}"
        ''',
    "tests/test_accounts.py": '''\
        import pytest

        from ledger.accounts import open_account, transfer


        def test_open():
            assert open_account("ann") == {"owner": "ann", "balance": 0}


        def test_transfer():
            a, b = open_account("a", 10), open_account("b")
            assert transfer(a, b, 4) == 4
            assert (a["balance"], b["balance"]) == (6, 4)


        def test_transfer_rejects_zero():
            with pytest.raises(ValueError):
                transfer(open_account("a"), open_account("b"), 0)
        ''',
    "tests/test_fees.py": '''\
        from ledger.fees import fee


        def test_fee_runs():
            assert fee(5000) is not None
            assert fee(10) > 0
        ''',
    "tests/test_report.py": '''\
        from ledger.report import summary


        def test_summary():
            assert summary({"owner": "ann", "balance": 3}) == "ann: 3"
        ''',
}

HEAD_FILES = {
    "ledger/accounts.py": '''\
        def open_account(owner, currency, balance=0):
            return {"owner": owner, "currency": currency, "balance": balance}


        def transfer(source, target, amount):
            if amount <= 0:
                raise ValueError("amount must be positive")
            if amount > source["balance"]:
                raise ValueError("insufficient funds")
            source["balance"] -= amount
            target["balance"] += amount
            return amount


        def close_account(account):
            account["closed"] = True
            return account["balance"]
        ''',
    "tests/test_accounts.py": '''\
        import pytest

        from ledger.accounts import open_account, transfer


        def test_open():
            assert open_account("ann", "EUR") == {"owner": "ann", "currency": "EUR", "balance": 0}


        def test_transfer():
            a, b = open_account("a", "EUR", 10), open_account("b", "EUR")
            assert transfer(a, b, 4) == 4
            assert (a["balance"], b["balance"]) == (6, 4)


        def test_transfer_rejects_zero():
            with pytest.raises(ValueError):
                transfer(open_account("a", "EUR"), open_account("b", "EUR"), 0)
        ''',
}

IMPACTED = [
    "tests/test_accounts.py::test_open",
    "tests/test_accounts.py::test_transfer",
    "tests/test_accounts.py::test_transfer_rejects_zero",
]
"""The tests that exercise the functions changed since the base commit."""
NOT_IMPACTED = ["tests/test_fees.py::test_fee_runs", "tests/test_report.py::test_summary"]


def git(root: Path, *args: str) -> str:
    """Run git in `root` as a fixed author; its output."""
    command = ["git", "-c", "user.name=aqe", "-c", "user.email=aqe@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run([*command, *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def make_diff_project(tmp_path: Path) -> Path:
    """The ledger project: base commit, then the head commit with the planted changes (see module docstring)."""
    root = write_project(tmp_path / "ledger_project", BASE_FILES)
    (root / ".gitignore").write_text(".aqe/\n__pycache__/\n.pytest_cache/\n.coverage*\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    write_project(root, HEAD_FILES)
    git(root, "commit", "-q", "-am", "head: currency, funds check, close_account")
    return root
