"""runner.run with a stand-in engine (fake_engine): modes, cache, pool, failures.

The real engine is exercised end to end in test_cli.py; here a fake lets each runner
behaviour be checked on its own, including fault paths the real engine should never hit.
"""

from __future__ import annotations

import os
from pathlib import Path

import fake_engine as fake
import pytest
from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings
from project_tree import snapshot, write_tree

RULES = """\
default = "cache"
exclude = ["vendored/"]

[[rules]]
paths = ["models/**"]
strategy = "pin"
"""

TREE = {
    "migrate-storage.toml": RULES,
    "app.py": 'x = old_io("a")\ny = mystery.read_text()\n',
    "models/train.py": 'old_io("m")\nold_io("n")\n',
    "clean.py": "z = 1\n",
    "gen.py": "# @generated\nold_io(1)\n",
    "broken.py": "def (\n",
    "vendored/lib.py": 'old_io("v")\n',
}


@pytest.fixture
def project(tree) -> Path:
    return tree(TREE)


def go(root: Path, mode: Mode = Mode.APPLY, paths: list[str] | None = None, **kw: object) -> RunResult:
    settings = Settings(mode=mode, jobs=kw.pop("jobs", 1), use_cache=kw.pop("use_cache", True))  # type: ignore[arg-type]
    fake.CALLS.clear()
    return run([str(root / p) for p in (paths or ["."])], settings, transform=fake.transform_source, cwd=root, **kw)  # type: ignore[arg-type]


def statuses(result: RunResult) -> dict[str, str]:
    return {f.path: f.status.value for f in result.files}


def test_apply_rewrites_reports_and_exits_2_for_the_broken_file(project: Path) -> None:
    result = go(project)
    assert statuses(result) == {
        "app.py": "changed", "broken.py": "failed", "clean.py": "unchanged",
        "gen.py": "skipped", "models/train.py": "changed", "vendored/lib.py": "excluded",
    }
    assert (project / "app.py").read_bytes() == b'x = new_io("a")\ny = mystery.read_text()\n'
    assert (project / "vendored/lib.py").read_text() == 'old_io("v")\n'  # excluded: never written
    assert result.rewritten_by() == {(Family.OPEN, Strategy.CACHE): 1, (Family.OPEN, Strategy.PIN): 2}
    assert result.left_alone_by() == {"receiver type unknown": 1}
    assert result.problems == ("broken.py:1: cannot parse: invalid syntax; skipped", "gen.py:1: @generated file; skipped")
    assert result.exit_code == 2


def test_excluded_files_never_reach_the_engine_for_rewriting(project: Path) -> None:
    go(project)
    assert "vendored/lib.py" not in fake.CALLS


def test_second_apply_changes_nothing_and_hits_the_cache(project: Path) -> None:
    go(project)
    after_first = snapshot(project)
    second = go(project)
    assert snapshot(project) == after_first
    assert statuses(second)["app.py"] == "cached" and statuses(second)["clean.py"] == "cached"
    assert sorted(fake.CALLS) == ["broken.py", "gen.py"]  # never cached: skipped and failed
    assert second.left_alone_by() == {"receiver type unknown": 1}  # warm summary = cold one
    assert not second.changed


def test_no_cache_reads_every_file_again(project: Path) -> None:
    go(project)
    go(project, use_cache=False)
    assert sorted(fake.CALLS) == ["app.py", "broken.py", "clean.py", "gen.py", "models/train.py"]


def test_check_and_diff_change_nothing_and_exit_1(project: Path) -> None:
    (project / "broken.py").unlink()
    before = snapshot(project)
    for mode in (Mode.CHECK, Mode.DIFF):
        result = go(project, mode)
        assert snapshot(project) == before
        assert [f.path for f in result.changed] == ["app.py", "models/train.py"]
        assert result.exit_code == 1
    assert go(project, Mode.DIFF).files[0].diff == (
        b'--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n-x = old_io("a")\n+x = new_io("a")\n y = mystery.read_text()\n'
    )


def _seen(result: RunResult) -> list[tuple[str, str, tuple[object, ...], bytes | None]]:
    return [(f.path, f.status.value, f.sites, f.diff) for f in result.files]


def test_warm_check_and_diff_replay_pending_files_without_the_engine(project: Path) -> None:
    (project / "broken.py").unlink()
    cold_check = go(project, Mode.CHECK)
    warm_check = go(project, Mode.CHECK)
    assert "app.py" not in fake.CALLS and "models/train.py" not in fake.CALLS
    assert _seen(warm_check) == [
        (p, "cached" if s == "unchanged" else s, sites, diff) for p, s, sites, diff in _seen(cold_check)
    ]
    assert warm_check.exit_code == 1
    cold_diff = go(project, Mode.DIFF, use_cache=False)
    after_check = go(project, Mode.DIFF)  # the diff made from the bytes check recorded
    warm_diff = go(project, Mode.DIFF)
    assert "app.py" not in fake.CALLS
    changed = [(f.path, f.sites, f.diff) for f in cold_diff.changed]
    assert changed == [(f.path, f.sites, f.diff) for f in after_check.changed]
    assert changed == [(f.path, f.sites, f.diff) for f in warm_diff.changed]


def test_apply_after_diff_writes_the_recorded_bytes(project: Path, tmp_path: Path) -> None:
    other = write_tree(tmp_path / "other", TREE)
    go(project, Mode.DIFF)
    applied = go(project)
    assert "app.py" not in fake.CALLS and "models/train.py" not in fake.CALLS
    assert [f.path for f in applied.changed] == ["app.py", "models/train.py"]
    go(other, use_cache=False)
    assert snapshot(project) == snapshot(other)
    assert statuses(go(project))["app.py"] == "cached"


def test_an_edited_file_or_a_lost_blob_is_transformed_again(project: Path, cache_dir: Path) -> None:
    go(project, Mode.DIFF)
    (project / "models/train.py").write_text('old_io("m")\nold_io("other")\n')
    for blob in cache_dir.glob("*.blobs/*"):
        if b"new_io(\"a\")" in blob.read_bytes():
            blob.unlink()
    second = go(project, Mode.DIFF)
    assert sorted(fake.CALLS) == ["app.py", "broken.py", "gen.py", "models/train.py"]
    diff = {f.path: f.diff for f in second.files}["models/train.py"]
    assert diff is not None and b'+new_io("other")' in diff


def test_a_file_shown_under_another_path_is_transformed_again(project: Path) -> None:
    go(project, Mode.DIFF)
    fake.CALLS.clear()
    result = run([str(project / "models")], Settings(mode=Mode.DIFF, jobs=1), transform=fake.transform_source, cwd=project / "models")
    assert fake.CALLS == ["train.py"] and result.files[0].diff.startswith(b"--- a/train.py")


def test_a_pool_gives_the_same_result_as_one_process(project: Path, tmp_path: Path) -> None:
    other = write_tree(tmp_path / "other", TREE)
    one, many = go(project, jobs=1, use_cache=False), go(other, jobs=3, use_cache=False)
    assert [(f.path, f.status, f.sites and len(f.sites)) for f in one.files] == \
        [(f.path, f.status, f.sites and len(f.sites)) for f in many.files]
    assert snapshot(project) == snapshot(other)


def test_scan_finds_sites_everywhere_including_excluded_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = go(project, Mode.SCAN)
    assert snapshot(project) == before
    assert statuses(result)["vendored/lib.py"] == "unchanged"
    assert result.left_alone_by() == {"receiver type unknown": 1, "excluded file": 1}
    assert result.exit_code == 2  # broken.py


def test_read_only_file_is_reported_skipped_and_the_run_goes_on(project: Path) -> None:
    os.chmod(project / "app.py", 0o444)
    result = go(project)
    assert statuses(result)["app.py"] == "failed"
    assert "app.py: read-only file (mode 0444); skipped" in result.problems
    assert (project / "app.py").read_text().startswith('x = old_io("a")')
    assert (project / "models/train.py").read_text() == 'new_io("m")\nnew_io("n")\n'
    assert result.exit_code == 2


def test_missing_path_is_reported_after_the_others(project: Path) -> None:
    result = go(project, paths=["nope.py", "app.py"])
    assert statuses(result) == {"app.py": "changed"}
    assert result.problems == (f"{project / 'nope.py'}: no such file or directory",)
    assert result.exit_code == 2


def test_symlinked_file_is_edited_at_its_target_and_stays_a_link(project: Path, tmp_path: Path) -> None:
    (project / "alias.py").symlink_to("app.py")
    outside = write_tree(tmp_path / "outside", {"o.py": 'old_io("o")\n'})
    (project / "ext.py").symlink_to(outside / "o.py")
    result = go(project)
    assert (project / "alias.py").is_symlink() and (project / "ext.py").is_symlink()
    assert (project / "app.py").read_text().startswith('x = new_io("a")')
    assert (outside / "o.py").read_text() == 'old_io("o")\n'  # outside the paths: untouched
    assert any(p.startswith("ext.py: symlink to ") for p in result.problems)


def test_a_file_edited_during_the_run_is_not_overwritten(project: Path) -> None:
    def editing_engine(source: bytes, path: str, policy, *, rewrite: bool = True):  # type: ignore[no-untyped-def]
        if path == "app.py":
            (project / "app.py").write_bytes(b"# edited by the user\n")
        return fake.transform_source(source, path, policy, rewrite=rewrite)

    result = run([str(project / "app.py")], Settings(jobs=1), transform=editing_engine, cwd=project)
    assert (project / "app.py").read_bytes() == b"# edited by the user\n"
    assert result.problems == ("app.py: changed on disk during the run; skipped",)
    assert result.exit_code == 2


def test_an_engine_that_raises_fails_only_its_file(project: Path) -> None:
    def crashing(source: bytes, path: str, policy, *, rewrite: bool = True):  # type: ignore[no-untyped-def]
        if path == "clean.py":
            raise RuntimeError("boom")
        return fake.transform_source(source, path, policy, rewrite=rewrite)

    result = run([str(project)], Settings(jobs=1), transform=crashing, cwd=project)
    assert "clean.py: internal error: RuntimeError: boom" in result.problems
    assert statuses(result)["app.py"] == "changed"


def test_progress_is_called_once_per_file_in_order(project: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    go(project, progress=lambda report, done, total: seen.append((report.path, done, total)))
    assert [d for _, d, _ in seen] == list(range(1, 7)) and {t for *_, t in seen} == {6}
    assert seen[0][0] == "vendored/lib.py"  # excluded files are reported first, not processed


def test_stale_temp_files_are_removed_by_apply_only(project: Path) -> None:
    stale = project / ".app.py.999999.abcd1234.migrate-storage.tmp"
    stale.write_bytes(b"partial")
    go(project, Mode.CHECK)
    assert stale.exists()
    result = go(project)
    assert not stale.exists() and result.removed_temp_files == (stale.resolve(),)


def dying_engine(source: bytes, path: str, policy, *, rewrite: bool = True):  # type: ignore[no-untyped-def]
    """Fault path: the worker process dies (as when the OOM killer takes it)."""
    if path == "clean.py":
        os._exit(1)
    return fake.transform_source(source, path, policy, rewrite=rewrite)


def test_a_dead_worker_fails_the_files_it_left_and_the_run_still_reports(project: Path) -> None:
    result = run([str(project)], Settings(jobs=2, use_cache=False), transform=dying_engine, cwd=project)
    assert result.exit_code == 2
    assert any("a worker process died; not processed" in p for p in result.problems)
    assert len(result.files) == 6
