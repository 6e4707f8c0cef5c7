"""`--changed-since REF` on diff, apply, check and coverage, in a real temporary git repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from migrate_storage.codemods.cli.main import main
from review_helpers import MIXED, git


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["--jobs", "1", *args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three files committed on `base`; then one edited, one new (untracked), one renamed."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    for name in ("old.py", "edited.py", "moved.py"):
        (root / "src" / name).write_text(MIXED)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    (root / "src/edited.py").write_text(MIXED + "\nprint(open('x').read())\n")
    (root / "src/new.py").write_text(MIXED)
    git(root, "mv", "src/moved.py", "src/renamed.py")
    monkeypatch.chdir(root)
    return root


def test_diff_only_shows_files_changed_since_the_ref(repo: Path) -> None:
    result = cli("diff", "--changed-since", "base", "src")
    assert result.exit_code == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith("+++ ")]
    assert headers == ["+++ b/src/edited.py", "+++ b/src/new.py", "+++ b/src/renamed.py"]
    assert result.stderr.startswith("3 files scanned: 3 would be rewritten")


def test_apply_only_rewrites_changed_files_and_check_agrees(repo: Path) -> None:
    assert cli("apply", "--changed-since", "base", "src").exit_code == 0
    assert (repo / "src/old.py").read_text() == MIXED
    assert "storage_runtime" in (repo / "src/new.py").read_text()
    assert cli("check", "--changed-since", "base", "src").exit_code == 0
    assert cli("check", "src").exit_code == 1  # old.py is still pending outside the filter


def test_changes_committed_after_the_ref_count(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "work")
    (repo / "src/later.py").write_text(MIXED)
    result = cli("diff", "--changed-since", "HEAD", ".")
    assert [l for l in result.stdout.splitlines() if l.startswith("+++ ")] == ["+++ b/src/later.py"]
    result = cli("diff", "--changed-since", "base", ".")
    assert len([l for l in result.stdout.splitlines() if l.startswith("+++ ")]) == 4


def test_coverage_changed_since(repo: Path) -> None:
    result = cli("coverage", "--format", "json", "--changed-since", "base", "src")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert sorted(data["files"]) == ["src/edited.py", "src/new.py", "src/renamed.py"]
    sarif = json.loads(cli("coverage", "--format", "sarif", "--changed-since", "base", "src").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"src/edited.py", "src/new.py", "src/renamed.py"}


def test_nothing_changed_is_a_clean_empty_run(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "work")
    diff = cli("diff", "--changed-since", "HEAD", "src")
    assert (diff.exit_code, diff.stdout) == (0, "")
    assert diff.stderr == "No Python files found: nothing to do.\n"
    coverage = cli("coverage", "--changed-since", "HEAD", "src")
    assert coverage.exit_code == 0
    assert "No Python file under src changed since HEAD." in coverage.stderr


def test_bad_ref_and_no_repository_are_input_errors(repo: Path, tmp_path: Path) -> None:
    bad = cli("diff", "--changed-since", "nope", "src")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: --changed-since: unknown git ref 'nope'")
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "m.py").write_text(MIXED)
    result = cli("apply", "--changed-since", "HEAD", str(outside))
    assert result.exit_code == 2
    assert "--changed-since needs a git repository" in result.stderr
    assert (outside / "m.py").read_text() == MIXED
