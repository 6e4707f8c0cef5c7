"""`migrate-storage coverage` end to end on fixture trees: outputs, exit codes, files written.

stdout, stderr and the exit code are checked separately (click >= 8.2 CliRunner).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.report import json as json_report

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MIXED = FIXTURES / "report" / "mixed_pkg"
BROKEN = FIXTURES / "report" / "broken_pkg"


def coverage(*args: str) -> Result:
    return CliRunner().invoke(main, ["coverage", "--jobs", "1", *args], catch_exceptions=False)


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of fixtures/report/mixed_pkg as the current folder (paths in reports are relative)."""
    tree = tmp_path / "mixed_pkg"
    shutil.copytree(MIXED, tree)
    monkeypatch.chdir(tree)
    return tree


def report_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = coverage("--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, json_report.SCHEMA)
    return data


def test_text_json_markdown_golden(mixed: Path, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    for fmt, suffix in (("text", "txt"), ("json", "json"), ("markdown", "md")):
        result = coverage(".", "--format", fmt, "--show-missing")
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        snapshot_dir.assert_match(result.stdout, f"mixed_pkg.{suffix}")


def test_every_status_is_where_it_belongs(mixed: Path) -> None:
    files = report_json(".")["files"]
    statuses = {path: {s["status"] for s in f["sites"]} for path, f in files.items()}
    assert statuses["mixed/migrated.py"] == {"migrated"}
    assert statuses["mixed/pending.py"] == {"pending"}
    assert statuses["mixed/secrets/keys.py"] == {"local"}
    assert files["mixed/secrets/keys.py"]["summary"]["percent_covered"] == 100.0  # local is not counted
    assert "unmigrated" in statuses["mixed/unsupported.py"]
    by_family: dict[str, set[tuple[str, str, str]]] = {}
    for s in files["mixed/unsupported.py"]["sites"]:
        by_family.setdefault(s["family"], set()).add((s["name"], s["status"], s["reason"]))
    # shutil.copyfile and the os.replace that commits the temp file: the lifecycle family.
    assert by_family["lifecycle"] == {
        ("shutil.copyfile", "pending", None),
        ("os.replace", "pending", None),
    }
    assert by_family["third-party"] == {("gzip.open", "unmigrated", "third_party_writer")}
    # mkstemp -> fdopen -> os.replace: the temp file is scratch, kept local, not counted.
    assert by_family["scratch"] == {
        ("tempfile.mkstemp", "local", "temporary_file"),
        ("os.fdopen", "local", "temporary_file"),
    }
    assert all(s["reason"] for s in files["mixed/unsupported.py"]["sites"] if s["status"] == "unmigrated")
    vendored = files["vendored/thirdparty.py"]["sites"]
    assert vendored and {(s["status"], s["reason"]) for s in vendored} == {("unmigrated", "excluded_file")}
    assert files["mixed/nothing.py"]["summary"]["sites"] == 0
    assert files["mixed/generated.py"]["state"] == "skipped"


def test_totals_are_the_sum_of_the_files(mixed: Path) -> None:
    data = report_json(".")
    for key in ("sites", "migrated", "pending", "unmigrated", "local"):
        assert data["totals"][key] == sum(f["summary"][key] for f in data["files"].values())
    t = data["totals"]
    assert t["percent_covered"] == pytest.approx(100 * t["migrated"] / (t["migrated"] + t["pending"] + t["unmigrated"]))


def test_fail_under(mixed: Path) -> None:
    total = report_json(".")["totals"]["percent_covered"]
    assert 0 < total < 100
    below = coverage(".", "--fail-under", str(min(100, round(total) + 1)))
    assert below.exit_code == 1
    assert any(line.startswith("TOTAL") for line in below.stdout.splitlines())  # still written
    assert "Migration coverage failure: total of" in below.stderr
    assert coverage(".", "--fail-under", str(int(total))).exit_code == 0
    assert coverage(".", "--fail-under", "100").exit_code == 1


def test_output_file_and_stdout_agree(mixed: Path, tmp_path: Path) -> None:
    to_stdout = coverage(".", "--format", "json", "-o", "-")
    out = tmp_path / "reports" / "coverage.json"
    to_file = coverage(".", "--format", "json", "-o", str(out))
    assert to_file.exit_code == 0
    assert to_file.stdout == ""
    assert to_file.stderr == f"Wrote JSON report to {out}\n"
    assert out.read_text() == to_stdout.stdout
    quiet = coverage(".", "--quiet", "--format", "markdown", "-o", str(tmp_path / "c.md"))
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_unwritable_output_leaves_no_partial_file(mixed: Path, tmp_path: Path) -> None:
    target = tmp_path / "is_a_folder"
    target.mkdir()
    result = coverage(".", "--format", "json", "-o", str(target))
    assert result.exit_code == 2
    assert "Error: cannot write the report:" in result.stderr
    assert list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_html_folder(mixed: Path) -> None:
    result = coverage(".", "--format", "html")
    assert result.exit_code == 0
    assert result.stderr == "Wrote HTML report to htmlcov-storage/index.html\n"
    written = {p.name for p in (mixed / "htmlcov-storage").iterdir()}
    assert {"index.html", "report.css", "report.js"} <= written
    assert len([n for n in written if n.endswith(".html")]) == 1 + 8  # index + scanned files
    assert not [p for p in mixed.iterdir() if p.name.startswith(".htmlcov")]  # staging removed
    bad = coverage(".", "--format", "html", "-o", "-")
    assert bad.exit_code == 2 and "html writes a folder" in bad.stderr


def test_unparsable_file_is_listed_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(BROKEN, tmp_path / "broken_pkg")
    monkeypatch.chdir(tmp_path / "broken_pkg")
    result = coverage(".", "--fail-under", "0")
    assert result.exit_code == 2
    assert "good.py" in result.stdout and "failed: bad_syntax.py" in result.stdout
    assert "error: cannot scan bad_syntax.py" in result.stderr
    assert "Error: 1 file(s) could not be scanned" in result.stderr
    data = json.loads(coverage(".", "--format", "json").stdout)
    assert data["files"]["bad_syntax.py"]["state"] == "failed"
    assert data["files"]["good.py"]["summary"]["pending"] == 1


def test_usage_errors_exit_2(mixed: Path, tmp_path: Path) -> None:
    assert coverage("no/such/path").exit_code == 2
    assert coverage(".", "--sort", "size").exit_code == 2
    assert coverage(".", "--fail-under", "101").exit_code == 2
    assert coverage(".", "--format", "xml").exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = coverage(str(empty))
    assert result.exit_code == 2 and "no Python files found under" in result.stderr
    bad_rules = tmp_path / "bad.toml"
    bad_rules.write_text("default = 'sideways'\n")
    result = coverage("--rules", str(bad_rules), ".")
    assert result.exit_code == 2 and "bad.toml" in result.stderr


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_gates_only_new_io(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(mixed, "init", "-q", "-b", "main")
    git(mixed, "add", "-A")
    git(mixed, "commit", "-q", "-m", "base")
    clean = coverage(".", "--diff-base", "main", "--fail-under", "100")
    assert clean.exit_code == 0, clean.stdout  # nothing changed: nothing to judge
    assert clean.stdout.startswith("Sites on lines changed since main\n")
    migrated = mixed / "mixed" / "migrated.py"
    migrated.write_text(migrated.read_text() + "\n\ndef more(p):\n    return open(p).read()\n")
    pending = mixed / "mixed" / "pending.py"
    pending.write_text(pending.read_text() + "\n\ndef log2(p):\n    with open(p, 'a') as f:\n        f.write('x')\n")
    new_migrated = migrated.read_text().splitlines().index("    return open(p).read()") + 1
    new_pending = pending.read_text().splitlines().index("    with open(p, 'a') as f:") + 1
    data = json.loads(coverage(".", "--format", "json", "--diff-base", "main").stdout)
    assert data["meta"]["diff_base"] == "main"
    sites = [(path, s["line"], s["status"]) for path, f in data["files"].items() for s in f["sites"]]
    # The runtime's open in migrated.py is migrated; the new builtin open in pending.py is not.
    assert sites == [("mixed/migrated.py", new_migrated, "migrated"), ("mixed/pending.py", new_pending, "pending")]
    gate = coverage(".", "--diff-base", "main", "--fail-under", "100")
    assert gate.exit_code == 1
    assert "total of 50% is less than fail-under=100%" in gate.stderr
    # Run from outside the repository: git is asked where the PATHS are.
    monkeypatch.chdir(mixed.parent)
    outside = json.loads(coverage("mixed_pkg", "--format", "json", "--diff-base", "main").stdout)
    assert [p for p, f in outside["files"].items() if f["sites"]] == ["mixed_pkg/mixed/migrated.py", "mixed_pkg/mixed/pending.py"]


def test_diff_base_errors(mixed: Path) -> None:
    result = coverage(".", "--diff-base", "main")
    assert result.exit_code == 2
    assert "--diff-base needs a git repository" in result.stderr
    git(mixed, "init", "-q", "-b", "main")
    git(mixed, "add", "-A")
    git(mixed, "commit", "-q", "-m", "base")
    result = coverage(".", "--diff-base", "origin/nope")
    assert result.exit_code == 2
    assert "unknown git ref 'origin/nope'" in result.stderr
