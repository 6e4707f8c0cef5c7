"""`--diff-base`: parsing `git diff --unified=0`, and changed lines in a real repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from migrate_storage.codemods.report.gate import GitError, changed_for_report, changed_lines, parse_diff, unquote_path

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

DIFF = """\
diff --git a/pkg/a.py b/pkg/a.py
index 1111111..2222222 100644
--- a/pkg/a.py
+++ b/pkg/a.py
@@ -3 +3 @@ import os
-x = 1
+x = 2
@@ -10,0 +11,3 @@ def f():
+    a
+    b
+    c
@@ -20,2 +22,0 @@ def g():
-    gone
-    gone
diff --git a/old.py b/new.py
similarity index 90%
rename from old.py
rename to new.py
index 3333333..4444444 100644
--- a/old.py
+++ b/new.py
@@ -1 +1 @@
-print(1)
+print(2)
diff --git a/deleted.py b/deleted.py
deleted file mode 100644
--- a/deleted.py
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git a/fresh.py b/fresh.py
new file mode 100644
--- /dev/null
+++ b/fresh.py
@@ -0,0 +1,2 @@
+a
+b
diff --git "a/sp ace\\tx.py" "b/sp ace\\tx.py"
--- "a/sp ace\\tx.py"
+++ "b/sp ace\\tx.py"
@@ -5,0 +6 @@
+new
"""


def test_parse_diff() -> None:
    assert parse_diff(DIFF) == {
        "pkg/a.py": {3, 11, 12, 13},
        "new.py": {1},
        "fresh.py": {1, 2},
        "sp ace\tx.py": {6},
    }


def test_unquote_path() -> None:
    assert unquote_path('"caf\\303\\251.py"') == "café.py"
    assert unquote_path('"a\\"b.py"') == 'a"b.py'
    assert unquote_path("plain.py") == "plain.py"


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *env_args, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "a.py").write_text("".join(f"line{i}\n" for i in range(1, 11)))
    (tmp_path / "old.py").write_text("".join(f"keep{i}\n" for i in range(1, 21)))
    (tmp_path / "gone.py").write_text("x\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def test_changed_lines_in_a_real_repository(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    lines = (repo / "a.py").read_text().splitlines(keepends=True)
    lines[3] = "changed4\n"
    lines.insert(7, "inserted\n")
    (repo / "a.py").write_text("".join(lines))
    git(repo, "commit", "-q", "-am", "edit a")
    # renamed with one edit (committed), staged new file, unstaged edit, untracked file
    git(repo, "mv", "old.py", "moved.py")
    moved = (repo / "moved.py").read_text().replace("keep15\n", "edited15\n")
    (repo / "moved.py").write_text(moved)
    git(repo, "commit", "-q", "-am", "move")
    (repo / "staged.py").write_text("s1\ns2\n")
    git(repo, "add", "staged.py")
    (repo / "a.py").write_text((repo / "a.py").read_text() + "tail\n")
    (repo / "untracked.py").write_text("u1\nu2\nu3\n")
    git(repo, "rm", "-q", "gone.py")

    changed = changed_lines("main", repo)
    root = repo.resolve()
    assert changed[root / "a.py"] == {4, 8, 12}
    assert changed[root / "moved.py"] == {15}  # a rename counts only its edited lines
    assert changed[root / "staged.py"] == {1, 2}
    assert changed[root / "untracked.py"] == {1, 2, 3}
    assert root / "old.py" not in changed and root / "gone.py" not in changed


def test_diff_base_is_the_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "a.py").write_text("new1\n" + (repo / "a.py").read_text())
    git(repo, "commit", "-q", "-am", "feature edit")
    git(repo, "checkout", "-q", "main")
    (repo / "gone.py").write_text("main moved on\n")
    git(repo, "commit", "-q", "-am", "main edit")
    git(repo, "checkout", "-q", "feature")
    changed = changed_lines("main", repo)
    # Only the feature's own change: main's later edit to gone.py is not the PR's.
    assert changed == {repo.resolve() / "a.py": frozenset({1})}


def test_report_paths_are_matched_relative_to_cwd(repo: Path) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "m.py").write_text("x\n")
    out = changed_for_report("HEAD", ["m.py", "elsewhere.py"], repo / "pkg")
    assert out == {"m.py": frozenset({1})}


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="needs a git repository, and .* is not inside one"):
        changed_lines("main", tmp_path)


def test_unknown_ref(repo: Path) -> None:
    with pytest.raises(GitError, match="unknown git ref 'no-such-branch'"):
        changed_lines("no-such-branch", repo)
