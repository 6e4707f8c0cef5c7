"""The report on the fixture packages: golden outputs, and the invariant that ties it to
`apply`: on every package, the sites it calls pending are exactly those `apply` rewrites,
file by file, and after `apply` none is pending.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.pipeline.runner import run
from migrate_storage.codemods.settings import Mode, Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PACKAGES = {
    "sample_pkg": FIXTURES / "sample_pkg",
    "handwired_pkg": FIXTURES / "handwired_pkg",
    "mixed_pkg": FIXTURES / "report" / "mixed_pkg",
    "programs": FIXTURES / "programs",
}


def copy_package(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    source = PACKAGES[name]
    if not any(source.rglob("*.py")):
        pytest.skip(f"{source} has no Python files yet")
    tree = tmp_path / name
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tree)
    return tree


def coverage_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["coverage", "-j", "1", "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def pending_by_file(data: dict) -> dict[str, list[tuple[int, int, str]]]:  # type: ignore[type-arg]
    return {
        path: sorted((s["line"], s["column"], s["name"]) for s in f["sites"] if s["status"] == "pending")
        for path, f in data["files"].items()
        if any(s["status"] == "pending" for s in f["sites"])
    }


@pytest.mark.parametrize("name", PACKAGES)
def test_pending_is_what_apply_rewrites_and_zero_after(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = copy_package(name, tmp_path, monkeypatch)
    before = coverage_json(".")
    pending = pending_by_file(before)

    result = run(["."], Settings(mode=Mode.APPLY, jobs=1, use_cache=False), cwd=tree)
    rewritten = {
        f.path: sorted((s.line, s.column, s.name) for s in f.rewritten) for f in result.files if f.rewritten
    }
    assert rewritten == pending
    # Existence checks are rewritten too, but are in `checks`, not in the counted figures.
    checks_pending = sum(
        s["status"] == "pending" and s["family"] == "existence"
        for f in before["files"].values()
        for s in f["sites"]
    )
    assert before["totals"]["checks_pending"] == checks_pending
    assert sum(map(len, rewritten.values())) == before["totals"]["pending"] + checks_pending

    after = coverage_json(".")
    assert after["totals"]["pending"] == 0
    assert not pending_by_file(after)
    # Migrating existence checks moves no figure of the cover.
    assert after["totals"]["checks"] == before["totals"]["checks"]
    # Rewriting moves sites to migrated; it never makes a migrated or local site disappear.
    assert after["totals"]["migrated"] >= before["totals"]["migrated"]
    assert after["totals"]["local"] == before["totals"]["local"]
    if before["totals"]["pending"]:
        assert after["totals"]["percent_covered"] > before["totals"]["percent_covered"]


@pytest.mark.parametrize("name", ["sample_pkg", "handwired_pkg"])
def test_golden_outputs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    copy_package(name, tmp_path, monkeypatch)
    runner = CliRunner()
    for fmt, suffix in (("text", "txt"), ("json", "json"), ("markdown", "md")):
        result = runner.invoke(main, ["coverage", "-j", "1", ".", "--format", fmt, "--show-missing"])
        assert result.exit_code in (0, 2), result.stderr
        snapshot_dir.assert_match(result.stdout, f"{name}.{suffix}")


def test_handwired_package_scores_what_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing and instantiating the runtime in every module proves nothing: 0 %, not 100."""
    tree = copy_package("handwired_pkg", tmp_path, monkeypatch)
    for module in (tree / "feature_store").glob("*.py"):
        if module.name != "__init__.py":
            assert "storage_runtime" in module.read_text()  # the hand integration is there
    data = coverage_json("feature_store")
    totals = data["totals"]
    assert totals["migrated"] == 0
    assert totals["pending"] >= 11  # EXPECTED.md: at least one site per row of its table
    assert totals["percent_covered"] == 0.0
    assert totals["percent_covered_display"] == "0"
    text = CliRunner().invoke(main, ["coverage", "-j", "1", "feature_store"]).stdout
    assert text.splitlines()[-1].split()[-1] == "0%"
