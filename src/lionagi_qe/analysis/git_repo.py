"""The git facts `--diff BASE` needs: the commit BASE names, the lines changed since, old file versions, churn.

    repo = GitRepo.at(project.root)                  # GitRefError outside a git checkout
    commit = repo.merge_base("main")                 # GitRefError for a ref that names no commit
    repo.added_lines(commit)                         # {'src/pkg/mod.py': {12, 13}, ...} (paths from the git root)
    repo.renamed(commit)                             # {'src/pkg/new.py': 'src/pkg/old.py'}
    repo.show(commit, "src/pkg/mod.py")              # the file at that commit, or None
    repo.churn(["src/pkg/mod.py"])                   # {'src/pkg/mod.py': Churn(commits=4, lines=57)}

Changed lines are counted as diff-cover counts them: the lines added or
modified (`+` lines of `git diff -U0`) from the merge base of BASE and HEAD
to the working tree (committed, staged and unstaged changes together);
untracked files are left out, deleted lines are not lines.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lionagi_qe.errors import GitRefError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
GIT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Churn:
    """How often a file changed in the history: commits touching it, lines added plus deleted."""

    commits: int
    lines: int


@dataclass(frozen=True)
class GitRepo:
    """A git working tree; build it with `GitRepo.at(path)`."""

    root: Path

    @classmethod
    def at(cls, path: str | Path) -> GitRepo:
        """The repository holding `path`; raises `GitRefError` when there is none."""
        folder = Path(path).resolve()
        done = _git(folder, "rev-parse", "--show-toplevel", check=False)
        if done.returncode != 0:
            raise GitRefError(
                f"{folder} is not inside a git repository: --diff BASE compares the working tree with a git "
                "commit; run aqe on a git checkout or leave out --diff"
            )
        return cls(Path(done.stdout.strip()).resolve())

    def git(self, *args: str) -> str:
        """Run a git command in the repository; its standard output."""
        return _git(self.root, *args).stdout

    def commit(self, ref: str) -> str:
        """The full hash of the commit `ref` names; raises `GitRefError` if it names none."""
        done = _git(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise GitRefError(
                f"--diff {ref!r} names no commit in the git repository {self.root}; pass a branch, tag or commit "
                "that exists there (for example main or HEAD~1; in a shallow CI checkout, fetch it first)"
            )
        return done.stdout.strip()

    def merge_base(self, ref: str) -> str:
        """The commit the working tree is compared with: the merge base of `ref` and HEAD (as diff-cover's `...`)."""
        commit = self.commit(ref)
        done = _git(self.root, "merge-base", commit, "HEAD", check=False)
        return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else commit

    def added_lines(self, commit: str) -> dict[str, set[int]]:
        """{path from the git root: added or modified line numbers in the working tree} since `commit`."""
        diff = self.git("diff", "--no-color", "--no-ext-diff", "-U0", "--src-prefix=a/", "--dst-prefix=b/", commit)
        found: dict[str, set[int]] = {}
        current: str | None = None
        for line in diff.splitlines():
            if line.startswith("+++ "):
                name = line[4:]
                current = None if name == "/dev/null" else _unquote(name)[2:]
            elif current is not None and (hunk := _HUNK.match(line)):
                start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
                if count:
                    found.setdefault(current, set()).update(range(start, start + count))
        return found

    def changed_files(self, commit: str) -> list[str]:
        """Paths (from the git root) of the tracked files that differ from `commit`, deleted ones included."""
        out = self.git("diff", "--name-only", "--no-renames", "-z", commit)
        return sorted(name for name in out.split("\0") if name)

    def renamed(self, commit: str) -> dict[str, str]:
        """{new path: old path} of the files renamed since `commit`."""
        out = self.git("diff", "--name-status", "-M", "-z", commit)
        fields = out.split("\0")
        found: dict[str, str] = {}
        i = 0
        while i < len(fields) and fields[i]:
            status = fields[i]
            if status.startswith(("R", "C")):
                found[fields[i + 2]] = fields[i + 1]
                i += 3
            else:
                i += 2
        return found

    def show(self, commit: str, path: str) -> str | None:
        """The text of `path` (from the git root) at `commit`, or None where it did not exist."""
        done = _git(self.root, "show", f"{commit}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def churn(self, paths: Sequence[str], max_commits: int = 500) -> dict[str, Churn]:
        """Commits touching each path and lines changed in them, over the last `max_commits` commits."""
        if not paths:
            return {}
        out = self.git("log", f"-n{max_commits}", "--no-renames", "--format=%x00", "--numstat", "--", *paths)
        commits = dict.fromkeys(paths, 0)
        lines = dict.fromkeys(paths, 0)
        for row in out.splitlines():
            parts = row.split("\t")
            if len(parts) == 3 and parts[2] in commits:
                commits[parts[2]] += 1
                lines[parts[2]] += sum(int(n) for n in parts[:2] if n.isdigit())
        return {path: Churn(commits[path], lines[path]) for path in paths}

    def relative(self, path: Path) -> str:
        """`path` relative to the git root (posix)."""
        return path.resolve().relative_to(self.root).as_posix()


def _unquote(name: str) -> str:
    """A path as git prints it: C-quoted when it holds unusual characters."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, text=True,
            timeout=GIT_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitRefError("git is not installed: --diff BASE needs it; install git or leave out --diff") from None
    except subprocess.TimeoutExpired:
        raise GitRefError(f"git {args[0]} did not finish within {GIT_TIMEOUT:g}s in {cwd}") from None
    if check and done.returncode != 0:
        raise GitRefError(f"git {' '.join(args[:2])} failed in {cwd}: {done.stderr.strip()[-300:]}")
    return done
