"""Before/after snapshots of every fixture under fixtures/cases, plus the invariants that
hold for each: the output parses, one more run changes nothing and leaves nothing
pending, and what was PENDING is exactly what changed status.

Regenerate the snapshots with `pytest tests/codemods --snapshot-update` and review them.
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest
from codemod_cases import (
    case_files,
    case_id,
    describe_sites,
    output,
    pending,
    policy_for,
    run,
)
from migrate_storage.codemods.model import FileStatus, Status
from migrate_storage.codemods.pipeline.engine import transform_source

CASES = [pytest.param(path, id=case_id(path)) for path in case_files()]


@pytest.mark.parametrize("path", CASES)
def test_snapshot(path: Path, snapshot) -> None:
    result = run(path)
    snapshot.assert_match(output(result), "output.py")
    header = f"outcome: {result.status.value}\n"
    if result.message:
        header += f"message: {result.message}\n"
    snapshot.assert_match(header + describe_sites(result.sites), "sites.txt")


@pytest.mark.parametrize("path", CASES)
def test_migrated_output_parses_and_is_idempotent(path: Path) -> None:
    result = run(path)
    assert result.status is not FileStatus.FAILED, result.message
    if result.status is not FileStatus.CHANGED:
        assert result.new_source is None
        return
    assert result.new_source is not None
    ast.parse(result.new_source)  # parses after migration
    again = transform_source(result.new_source, result.path, policy_for(path))
    assert again.status is FileStatus.UNCHANGED, again.message
    assert pending(again) == []
    # PENDING before == what the rewrite migrated: the rest kept their status.
    before = {s.status for s in result.sites}
    assert Status.PENDING in before

    def key(site):
        return (
            site.family.value,
            site.status.value,
            site.reason.value if site.reason else "",
        )

    kept = sorted(
        key(s)
        for s in result.sites
        if s.status not in (Status.PENDING, Status.MIGRATED)
    )
    kept_after = sorted(key(s) for s in again.sites if s.status is not Status.MIGRATED)
    assert kept_after == kept


@pytest.mark.parametrize("path", CASES)
def test_find_only_matches_rewrite(path: Path) -> None:
    """`rewrite=False` (coverage) reports the very sites `rewrite=True` (apply) does."""
    rewrite = run(path)
    found = transform_source(
        path.read_bytes(), rewrite.path, policy_for(path), rewrite=False
    )
    assert found.sites == rewrite.sites
    assert found.new_source is None
    if rewrite.status is FileStatus.CHANGED:
        assert found.status is FileStatus.UNCHANGED
    else:
        assert found.status is rewrite.status


def test_results_are_picklable() -> None:
    for path in case_files():
        result = run(path)
        assert pickle.loads(pickle.dumps(result)) == result


def test_every_family_is_exercised() -> None:
    families = {s.family for path in case_files() for s in run(path).sites}
    reasons = {s.reason for path in case_files() for s in run(path).sites}
    from migrate_storage.codemods.model import Family, Reason

    assert families == set(Family)
    # NAME_CLASH is defensive: the bindings pick runtime names no local shadows (see
    # cases/open/name_clash.py), so no fixture reaches it. BOUND_AT_IMPORT is no longer
    # produced (an imported open is `storage.open(p, call=o)` now). STDLIB_SHADOWED is the
    # runner's, over a file's folder (tests/codemods/pipeline/test_shadowing.py).
    missing = set(Reason) - reasons - {
        Reason.FAMILY_NOT_IN_RULE,
        Reason.SECRET_PATH,
        Reason.NAME_CLASH,
        Reason.BOUND_AT_IMPORT,
        Reason.STDLIB_SHADOWED,
    }
    assert not missing, f"no fixture produces {missing}"
