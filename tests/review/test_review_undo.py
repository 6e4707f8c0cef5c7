"""Apply records, `undo` and `log`: undo restores every byte, refuses after an edit."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from migrate_storage.codemods.cli.journal import project_root
from migrate_storage.codemods.cli.main import main
from review_helpers import MIXED, git

FIXTURES = {
    "pkg/lf.py": MIXED.encode(),
    "pkg/crlf.py": MIXED.replace("\n", "\r\n").encode(),
    "pkg/bom.py": b"\xef\xbb\xbf" + MIXED.encode(),
    "pkg/latin1.py": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + MIXED.encode(),
    "pkg/noeol.py": MIXED.rstrip("\n").encode(),
    "pkg/clean.py": b"import shelve\nshelve.open('x', 'r')\n",
}


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["--jobs", "1", *args], catch_exceptions=False)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "pkg").rglob("*.py"))}


def _records(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".migrate-storage/applies").iterdir() if not p.name.startswith("."))


def test_undo_restores_every_byte(project) -> None:
    root = project(FIXTURES)
    before = _tree(root)
    (root / "pkg/bom.py").chmod(0o640)
    assert cli("apply", "pkg").exit_code == 0
    after = _tree(root)
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["pkg/bom.py", "pkg/crlf.py", "pkg/latin1.py", "pkg/lf.py", "pkg/noeol.py"]

    (record,) = _records(root)
    data = json.loads((record / "record.json").read_text())
    assert [f["path"] for f in data["files"]] == changed  # relative to the root, sorted
    assert data["tool_version"] and len(data["rules_digest"]) == 64 and data["time"].endswith("Z")
    for entry in data["files"]:
        assert entry["sha256_before"] == hashlib.sha256(before[entry["path"]]).hexdigest()
        assert entry["sha256_after"] == hashlib.sha256(after[entry["path"]]).hexdigest()
        assert gzip.decompress((record / entry["original"]).read_bytes()) == before[entry["path"]]
        assert entry["sites"] == 5
    patch = (record / "patch.diff").read_bytes()
    assert b"--- a/pkg/crlf.py\n" in patch and b"\r\n" in patch  # the CLI's own diff format
    assert (root / ".migrate-storage/.gitignore").read_text().splitlines()[-1] == "*"

    result = cli("undo")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Undid apply {record.name}: restored 5 file(s): pkg/bom.py")
    assert _tree(root) == before
    assert (root / "pkg/bom.py").stat().st_mode & 0o777 == 0o640  # mode kept by the writer

    again = cli("undo")
    assert again.exit_code == 2
    assert "nothing to undo: every apply recorded under" in again.stderr
    # Applying again after an undo works and records a second apply.
    assert cli("apply", "pkg").exit_code == 0 and _tree(root) == after
    assert len(_records(root)) == 2


def test_undo_refuses_and_names_the_edited_files(project) -> None:
    root = project(FIXTURES)
    cli("apply", "pkg")
    edited = root / "pkg/crlf.py"
    edited.write_bytes(edited.read_bytes() + b"# a later edit\r\n")
    (root / "pkg/lf.py").unlink()
    snapshot = _tree(root)
    result = cli("undo")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: cannot undo apply {_records(root)[0].name}: edited since: pkg/crlf.py, pkg/lf.py; "
        "nothing was changed"
    )
    assert _tree(root) == snapshot  # not even the files that were not edited


def test_undo_reverts_only_the_last_apply(project) -> None:
    root = project({"pkg/a.py": MIXED, "pkg/b.py": MIXED})
    original_b = (root / "pkg/b.py").read_bytes()
    cli("apply", "pkg/a.py")
    rewritten_a = (root / "pkg/a.py").read_bytes()
    cli("apply", "pkg/b.py")
    assert cli("undo").exit_code == 0
    assert (root / "pkg/b.py").read_bytes() == original_b
    assert (root / "pkg/a.py").read_bytes() == rewritten_a


def test_log_lists_the_applies(project) -> None:
    root = project({"pkg/a.py": MIXED, "pkg/b.py": MIXED, "pkg/c.py": MIXED})
    empty = cli("log")
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert empty.stderr.startswith("No apply recorded under")
    cli("apply", "pkg/a.py", "pkg/b.py")
    cli("apply", "pkg/c.py")
    cli("undo")
    first, second = _records(root)
    lines = cli("log").stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{first.name}  ") and lines[0].endswith("  2 file(s)  10 site(s)")
    assert lines[1].startswith(f"{second.name}  ") and "  1 file(s)  5 site(s)  (undone " in lines[1]
    verbose = cli("log", "--verbose").stdout.splitlines()
    assert "    pkg/a.py (5 site(s))" in verbose


def test_nothing_is_recorded_when_nothing_changes(project) -> None:
    """Should record nothing, since the apply rewrites no file (and neither do check/diff)."""
    root = project({"pkg/clean.py": "x = 1\n", "pkg/m.py": MIXED})
    cli("apply", "pkg/clean.py")
    cli("diff", "pkg")
    cli("apply", "--check", "pkg")
    assert not (root / ".migrate-storage").exists()


def test_the_record_goes_to_the_git_top_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "src/deep").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "src/deep/m.py").write_text(MIXED)
    monkeypatch.chdir(repo / "src")
    assert project_root(["deep/m.py"]) == repo.resolve()
    cli("apply", "deep/m.py")
    assert (repo / ".migrate-storage/applies").is_dir()
    assert git(repo, "status", "--porcelain", "--untracked-files=all").split() == ["??", "src/deep/m.py"]
    monkeypatch.chdir(repo / "src/deep")  # undo finds the record from anywhere in the repo
    assert cli("undo").exit_code == 0
    assert (repo / "src/deep/m.py").read_text() == MIXED


def test_an_apply_replayed_from_the_diff_cache_is_recorded_and_undone(project) -> None:
    root = project(FIXTURES)
    before = _tree(root)
    assert cli("diff", "pkg").exit_code == 1  # fills the cache with the pending rewrites
    assert cli("apply", "pkg").exit_code == 0  # writes them from the cache
    (record,) = _records(root)
    data = json.loads((record / "record.json").read_text())
    assert [f["path"] for f in data["files"]] == ["pkg/bom.py", "pkg/crlf.py", "pkg/latin1.py", "pkg/lf.py", "pkg/noeol.py"]
    assert all(entry["sites"] == 5 for entry in data["files"])
    assert cli("undo").exit_code == 0
    assert _tree(root) == before
