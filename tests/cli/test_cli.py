"""The CLI end to end, with the real engine and the real rules loader (click's CliRunner).

stdout, stderr and the exit code are checked separately (click >= 8.2 keeps them apart).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from migrate_storage.codemods.cli.main import main
from project_tree import snapshot, write_tree

WRITER = '''\
def save(text, path):
    with open(path, "w") as handle:
        handle.write(text)
'''
CLEAN = '''\
import os


def descriptor(path):
    return os.open(path, os.O_RDWR)
'''
RULES = '''\
default = "cache"
exclude = ["vendored/"]

[[rules]]
paths = ["pkg/models/**"]
strategy = "pin"
'''
TREE = {
    "migrate-storage.toml": RULES,
    "pkg/__init__.py": "",
    "pkg/store.py": WRITER,
    "pkg/lowlevel.py": CLEAN,
    "pkg/models/export.py": WRITER.replace("save", "export"),
    "vendored/lib.py": WRITER,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "proj", TREE)
    monkeypatch.chdir(root)
    return root


def cli(*args: str) -> Result:
    """Run the CLI in this process. One job unless a test asks for more (`apply -j 2`):
    LibCST warms up once in the test process instead of in every fresh worker."""
    return CliRunner().invoke(main, ["--jobs", "1", *args], catch_exceptions=False)


# -- apply -------------------------------------------------------------------------------


def test_apply_rewrites_and_a_second_apply_changes_nothing(project: Path) -> None:
    first = cli("apply", "pkg", "vendored")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""
    text = (project / "pkg/store.py").read_text()
    assert "pin=False" in text and "storage_runtime" in text
    assert "pin=True" in (project / "pkg/models/export.py").read_text()
    assert (project / "pkg/lowlevel.py").read_text() == CLEAN
    assert (project / "vendored/lib.py").read_text() == WRITER  # excluded
    assert first.stderr.splitlines() == [
        "5 files scanned: 2 rewritten, 2 unchanged, 1 excluded.",
        "Rewrote 2 sites: open/cache 1, open/pin 1.",
        "Left alone 1 site: unsupported family 1.",
    ]
    compile_all(project)

    after = snapshot(project)
    second = cli("apply", "pkg", "vendored")
    assert second.exit_code == 0
    assert snapshot(project) == after
    assert "0 rewritten" in second.stderr and "cached)" in second.stderr


def test_apply_without_cache_is_idempotent_too(project: Path) -> None:
    cli("apply", "--no-cache", "pkg")
    after = snapshot(project)
    again = cli("--no-cache", "apply", "pkg")
    assert snapshot(project) == after
    assert again.exit_code == 0 and "cached" not in again.stderr


def test_check_changes_nothing_and_exits_1_then_0_after_apply(project: Path) -> None:
    before = snapshot(project)
    for args in (["check", "pkg"], ["apply", "--check", "pkg"]):
        result = cli(*args)
        assert result.exit_code == 1
        assert snapshot(project) == before
        assert "would rewrite pkg/store.py (1 site)" in result.stderr
        assert "would rewrite pkg/lowlevel.py" not in result.stderr
    cli("apply", "pkg")
    assert cli("check", "pkg").exit_code == 0


def test_diff_applies_with_git_apply_and_reproduces_apply(project: Path, tmp_path: Path) -> None:
    (project / "pkg/crlf.py").write_bytes(WRITER.replace("save", "crlf").replace("\n", "\r\n").encode())
    (project / "pkg/nonl.py").write_bytes(WRITER.rstrip("\n").encode())
    mirror = tmp_path / "mirror"
    shutil.copytree(project, mirror)
    subprocess.run(["git", "init", "-q"], cwd=mirror, check=True)

    before = snapshot(project)
    diff = cli("diff", "pkg")
    assert diff.exit_code == 1
    assert diff.stdout_bytes.startswith(b"--- a/pkg/")
    assert b"\x1b[" not in diff.stdout_bytes  # not a terminal: no color
    assert snapshot(project) == before
    assert cli("apply", "--dry-run", "pkg").stdout_bytes == diff.stdout_bytes

    patch = tmp_path / "migration.patch"
    patch.write_bytes(diff.stdout_bytes)
    subprocess.run(["git", "apply", str(patch)], cwd=mirror, check=True, capture_output=True)
    cli("apply", "pkg")
    assert snapshot(mirror / "pkg") == snapshot(project / "pkg")
    assert (project / "pkg/crlf.py").read_bytes().count(b"\r\n") == (project / "pkg/crlf.py").read_bytes().count(b"\n")


def test_diff_exits_0_when_there_is_nothing_to_do(project: Path) -> None:
    result = cli("diff", "pkg/lowlevel.py")
    assert (result.exit_code, result.stdout) == (0, "")


def test_color_always_colors_the_diff(project: Path) -> None:
    result = cli("diff", "--color", "always", "pkg/store.py")
    assert b"\x1b[32m+" in result.stdout_bytes and result.exit_code == 1


def test_jobs_give_the_same_result(project: Path, tmp_path: Path) -> None:
    other = write_tree(tmp_path / "other", TREE)
    cli("apply", "-j", "1", str(project / "pkg"))
    cli("apply", "--jobs", "2", str(other / "pkg"))  # the command's option wins over the group's
    assert snapshot(project / "pkg") == snapshot(other / "pkg")


# -- what is left alone ----------------------------------------------------------------------


def test_gitignore_and_exclude_are_honoured(project: Path) -> None:
    write_tree(project, {".gitignore": "pkg/build/\n", "pkg/build/gen.py": WRITER})
    result = cli("apply", ".")
    assert result.exit_code == 0
    assert (project / "pkg/build/gen.py").read_text() == WRITER
    assert (project / "vendored/lib.py").read_text() == WRITER
    assert "1 excluded" in result.stderr


def test_generated_file_is_skipped_with_reason_and_exit_0(project: Path) -> None:
    generated = "# @generated by protoc\n" + WRITER
    write_tree(project, {"pkg/gen.py": generated})
    result = cli("apply", "pkg")
    assert result.exit_code == 0
    assert (project / "pkg/gen.py").read_text() == generated
    assert "skipped: pkg/gen.py" in result.stderr


def test_unparsable_file_is_reported_with_line_and_the_run_goes_on(project: Path) -> None:
    write_tree(project, {"pkg/broken.py": WRITER + "def (:\n"})
    result = cli("apply", "pkg")
    assert result.exit_code == 2
    assert "error: pkg/broken.py:4: " in result.stderr
    assert "Traceback" not in result.stderr
    assert "pin=False" in (project / "pkg/store.py").read_text()


def test_non_utf8_file_is_reported_and_skipped(project: Path) -> None:
    write_tree(project, {"pkg/latin.py": b"x = '\xe9'\n" + WRITER.encode()})
    result = cli("apply", "pkg")
    assert result.exit_code == 2
    assert "pkg/latin.py" in result.stderr
    assert (project / "pkg/latin.py").read_bytes().startswith(b"x = '\xe9'\n")


def test_missing_path_exits_2_after_the_others(project: Path) -> None:
    result = cli("apply", "nope", "pkg")
    assert result.exit_code == 2
    assert "error: nope: no such file or directory" in result.stderr
    assert "pin=False" in (project / "pkg/store.py").read_text()


# -- the tree is never damaged -------------------------------------------------------------


def test_permission_bits_are_kept(project: Path) -> None:
    script, private = project / "pkg/store.py", project / "pkg/models/export.py"
    os.chmod(script, 0o755)
    os.chmod(private, 0o640)
    assert cli("apply", "pkg").exit_code == 0
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert stat.S_IMODE(private.stat().st_mode) == 0o640


def test_read_only_file_is_reported_skipped_and_exit_2(project: Path) -> None:
    os.chmod(project / "pkg/store.py", 0o444)
    result = cli("apply", "pkg")
    assert result.exit_code == 2
    assert "error: pkg/store.py: read-only file (mode 0444); skipped" in result.stderr
    assert (project / "pkg/store.py").read_text() == WRITER
    assert "pin=True" in (project / "pkg/models/export.py").read_text()


def test_symlinks_inside_are_edited_at_the_target_outside_are_skipped(project: Path, tmp_path: Path) -> None:
    (project / "pkg/alias.py").symlink_to("store.py")
    outside = write_tree(tmp_path / "elsewhere", {"ext.py": WRITER})
    (project / "pkg/ext.py").symlink_to(outside / "ext.py")
    result = cli("apply", "pkg")
    assert result.exit_code == 0
    assert (project / "pkg/alias.py").is_symlink() and (project / "pkg/ext.py").is_symlink()
    assert "pin=False" in (project / "pkg/store.py").read_text()
    assert (outside / "ext.py").read_text() == WRITER
    assert "skipped: pkg/ext.py: symlink to" in result.stderr


# -- user errors -----------------------------------------------------------------------------


def test_bad_rules_file_is_one_clear_line_and_exit_2(project: Path) -> None:
    (project / "migrate-storage.toml").write_text('default = "cache"\n\n[[rules]]\npaths = ["x/**"]\nstrategy = "pinned"\n')
    before = snapshot(project)
    result = cli("apply", "pkg")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "migrate-storage.toml:5" in result.stderr
    assert "strategy" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(project) == before
    verbose = cli("apply", "-v", "pkg")
    assert verbose.exit_code == 2 and "Traceback" in verbose.stderr


def test_missing_rules_file_names_it(project: Path) -> None:
    result = cli("--rules", "nope.toml", "apply", "pkg")
    assert result.exit_code == 2
    assert result.stderr == "Error: nope.toml: rules file not found\n"


@pytest.mark.parametrize("args", [["apply"], ["apply", "--check", "--dry-run", "pkg"], ["apply", "-v", "-q", "pkg"], ["apply", "--jobs", "0", "pkg"], ["frobnicate"]])
def test_usage_errors_exit_2(project: Path, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert "Usage: " in result.stderr and "Error: " in result.stderr


# -- rules and coverage ------------------------------------------------------------------------


def test_rules_explain_names_the_deciding_rule(project: Path) -> None:
    result = cli("rules", "explain", "pkg/models/export.py")
    assert result.exit_code == 0
    assert "pin" in result.stdout and "migrate-storage.toml" in result.stdout


def test_rules_check_clean_warns_and_errors(project: Path) -> None:
    assert cli("rules", "check", ".").exit_code == 0
    (project / "migrate-storage.toml").write_text(RULES + '\n[[rules]]\npaths = ["nothing/**"]\nstrategy = "cache"\n')
    warned = cli("rules", "check", ".")
    assert warned.exit_code == 1 and "migrate-storage.toml:8: warning: [[rules]] #2: matches no file" in warned.stdout
    (project / "migrate-storage.toml").write_text(RULES + "colour = 1\n")
    broken = cli("rules", "check", ".")
    assert broken.exit_code == 2 and "migrate-storage.toml:7: error:" in broken.stdout


def test_coverage_command_is_registered() -> None:
    result = cli("--help")
    assert "coverage" in result.stdout
    assert cli("coverage", "--help").exit_code == 0


def compile_all(root: Path) -> None:
    for path in root.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")


# -- the fixture packages, end to end ------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sample_pkg"])
def test_fixture_package_apply_is_complete_idempotent_and_matches_diff(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    mirror = tmp_path / "mirror"
    shutil.copytree(root, mirror)
    subprocess.run(["git", "init", "-q"], cwd=mirror, check=True)
    monkeypatch.chdir(root)
    before = snapshot(root)

    diff = cli("diff", ".")
    assert diff.exit_code == 1, diff.stderr
    assert snapshot(root) == before
    first = cli("apply", "--no-cache", ".")  # transformed again, not the bytes diff cached
    assert first.exit_code == 0, first.stderr
    assert snapshot(root) != before
    compile_all(root)
    after = snapshot(root)
    again = cli("check", "--no-cache", ".")  # idempotent: a second full pass finds nothing
    assert again.exit_code == 0, again.stderr
    assert "0 would be rewritten" in again.stderr

    patch = tmp_path / "fixture.patch"
    patch.write_bytes(diff.stdout_bytes)
    subprocess.run(["git", "apply", str(patch)], cwd=mirror, check=True, capture_output=True)
    assert snapshot(mirror) == after


@pytest.mark.slow
def test_fixture_cases_diff_reproduces_apply_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over every before/after case (CRLF and tabs, BOM, Latin-1, @generated, syntax error,
    non-UTF-8, ...): `git apply` of the diff gives exactly what apply writes, the broken
    files are reported with exit 2 after all the others, and a second pass finds nothing."""
    root, mirror = tmp_path / "cases", tmp_path / "mirror"
    shutil.copytree(FIXTURES / "cases", root)
    shutil.copytree(root, mirror)
    subprocess.run(["git", "init", "-q"], cwd=mirror, check=True)
    monkeypatch.chdir(root)

    diff = cli("diff", ".")
    assert diff.exit_code == 2  # input errors win over "changes pending"
    assert "error: files/syntax_error.py:" in diff.stderr and "error: files/non_utf8.py:1: " in diff.stderr
    assert "skipped: files/generated.py:1: " in diff.stderr
    patch = tmp_path / "cases.patch"
    patch.write_bytes(diff.stdout_bytes)
    subprocess.run(["git", "apply", str(patch)], cwd=mirror, check=True, capture_output=True)

    applied = cli("apply", "--no-cache", ".")
    assert applied.exit_code == 2
    assert snapshot(mirror) == snapshot(root)
    again = cli("check", "--no-cache", ".")
    assert "0 would be rewritten" in again.stderr and again.exit_code == 2


@pytest.mark.slow
def test_warm_diff_and_apply_replay_the_cache_without_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm `diff` prints exactly what the cold one printed, and `apply` after it writes
    what a cacheless apply writes, with the engine made to fail if it is ever called."""
    root, mirror = tmp_path / "pkg", tmp_path / "mirror"
    shutil.copytree(FIXTURES / "sample_pkg", root)
    shutil.copytree(root, mirror)
    monkeypatch.chdir(root)
    cold = cli("diff", "--jobs", "1", ".")
    assert cold.exit_code == 1 and cold.stdout_bytes

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine ran on a warm tree")

    with monkeypatch.context() as patched:
        patched.setattr("migrate_storage.codemods.pipeline.engine.transform_source", no_engine)
        warm = cli("diff", "--jobs", "1", ".")
        assert (warm.exit_code, warm.stdout_bytes) == (1, cold.stdout_bytes)
        assert warm.stderr.splitlines()[-1] == cold.stderr.splitlines()[-1]  # the summary
        applied = cli("apply", "--jobs", "1", ".")
        assert applied.exit_code == 0, applied.stderr
    monkeypatch.chdir(mirror)
    assert cli("apply", "--no-cache", "--jobs", "1", ".").exit_code == 0
    assert snapshot(root) == snapshot(mirror)


def test_quiet_prints_nothing_on_success_and_verbose_names_files(project: Path) -> None:
    quiet = cli("apply", "-q", "pkg")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    write_tree(project, {"pkg/more.py": WRITER})
    verbose = cli("-v", "apply", "pkg")
    assert "rewrote pkg/more.py (1 site)" in verbose.stderr


def test_the_cache_lives_in_migrate_storage_cache_dir_and_no_cache_leaves_it_alone(project: Path, cache_dir: Path) -> None:
    cli("apply", "--no-cache", "pkg")
    assert list(cache_dir.iterdir()) == []
    cli("apply", "pkg")
    assert [p.name.startswith("cache.") and p.suffix == ".json" for p in cache_dir.iterdir()] == [True]
