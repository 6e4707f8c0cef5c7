"""diffing.unified_diff: what `git apply` accepts, byte for byte."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from migrate_storage.codemods.pipeline.diffing import (
    NO_NEWLINE,
    colorize,
    split_lines,
    unified_diff,
)

CASES = {
    "plain": (b"a\nb\nc\n", b"a\nB\nc\n"),
    "no newline at end, both": (b"a\nb", b"a\nB"),
    "newline added at end": (b"a\nb", b"a\nb\n"),
    "newline removed at end": (b"a\nb\n", b"a\nb"),
    "crlf": (b"import os\r\nx = open(p)\r\n\ty = 1\r\n", b"import os\r\nfrom r import open\r\nx = open(p)\r\n\ty = 1\r\n"),
    "latin-1 and bom": (b"\xef\xbb\xbf# coding: latin-1\nx = '\xe9'\n", b"\xef\xbb\xbf# coding: latin-1\nx = '\xe9\xe9'\n"),
    "lone cr inside a line": (b"s = 'a\rb'\nx\n", b"s = 'a\rb'\ny\n"),
    "empty to something": (b"", b"x = 1\n"),
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize("old,new", CASES.values(), ids=list(CASES))
def test_git_apply_reproduces_the_new_bytes(tmp_path: Path, old: bytes, new: bytes) -> None:
    git(tmp_path, "init", "-q")
    target = tmp_path / "pkg" / "mod.py"
    target.parent.mkdir()
    target.write_bytes(old)
    patch = tmp_path / "change.patch"
    patch.write_bytes(unified_diff(old, new, "pkg/mod.py"))
    git(tmp_path, "apply", "--check", str(patch))
    git(tmp_path, "apply", str(patch))
    assert target.read_bytes() == new


def test_equal_inputs_give_no_diff() -> None:
    assert unified_diff(b"x\n", b"x\n", "a.py") == b""


def test_headers_use_a_and_b_prefixes() -> None:
    diff = unified_diff(b"x\n", b"y\n", "src/m.py")
    assert diff.splitlines()[:3] == [b"--- a/src/m.py", b"+++ b/src/m.py", b"@@ -1 +1 @@"]


def test_missing_final_newline_gets_gits_marker() -> None:
    diff = unified_diff(b"x", b"y", "m.py")
    assert diff.endswith(b"-x\n" + NO_NEWLINE + b"+y\n" + NO_NEWLINE)


def test_split_lines_splits_on_newline_only() -> None:
    assert split_lines(b"a\r\nb\rc\nd") == [b"a\r\n", b"b\rc\n", b"d"]
    assert split_lines(b"") == []


def test_colorize_wraps_lines_and_keeps_their_bytes() -> None:
    diff = unified_diff(b"a\r\nb\r\n", b"a\r\nB\r\n", "m.py")
    colored = colorize(diff)
    assert b"\x1b[31m-b\r\x1b[0m\n" in colored and b"\x1b[32m+B\r\x1b[0m\n" in colored
    assert colored.replace(b"\x1b[0m", b"").replace(b"\x1b[1m", b"").replace(b"\x1b[36m", b"") \
        .replace(b"\x1b[31m", b"").replace(b"\x1b[32m", b"") == diff
