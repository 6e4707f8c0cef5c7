"""The coverage model: Tally arithmetic, the percentage, its display, and the gate."""

from __future__ import annotations

import pytest
from migrate_storage.codemods.model import FileStatus, Status
from migrate_storage.codemods.report.model import (
    Tally,
    build_report,
    display_covered,
    fail_under_message,
    file_tally,
    missing_lines,
    restrict_to_lines,
    should_fail_under,
    site_lines,
    source_text,
)
from report_helpers import file_result, site


def test_tally_counts_each_status() -> None:
    sites = [site("a.py", 1, s) for s in (Status.MIGRATED, Status.MIGRATED, Status.PENDING,
                                           Status.UNMIGRATED, Status.LOCAL)]
    tally = Tally.of(sites)
    assert (tally.migrated, tally.pending, tally.unmigrated, tally.local) == (2, 1, 1, 1)
    assert tally.sites == 5
    assert tally.counted == 4  # local is listed but not counted
    assert tally.pc_covered == 50.0


def test_tallies_add_and_sum() -> None:
    a = Tally(1, 2, 3, 4)
    b = Tally(10, 20, 30, 40)
    assert a + b == Tally(11, 22, 33, 44)
    assert sum([a, b]) == Tally(11, 22, 33, 44)
    assert sum([], Tally()) == Tally()


def test_no_counted_site_is_100_percent() -> None:
    """Should score 100, since a file with nothing to migrate is fully migrated."""
    assert Tally().pc_covered == 100.0
    assert Tally(local=3).pc_covered == 100.0


def test_only_local_and_unmigrated() -> None:
    assert Tally(unmigrated=1, local=5).pc_covered == 0.0


@pytest.mark.parametrize(
    ("pc", "precision", "shown"),
    [
        (100.0, 0, "100"),
        (99.999, 0, "99"),  # never rounds up to 100
        (99.96, 1, "99.9"),
        (0.0, 0, "0"),
        (0.001, 0, "1"),  # never rounds down to 0
        (0.04, 1, "0.1"),
        (66.666, 2, "66.67"),
        (50.0, 1, "50.0"),
    ],
)
def test_display_covered(pc: float, precision: int, shown: str) -> None:
    assert display_covered(pc, precision) == shown


def test_pc_covered_str_uses_display_rule() -> None:
    assert Tally(migrated=999, pending=1).pc_covered_str(0) == "99"
    assert Tally(migrated=2, pending=1).pc_covered_str(1) == "66.7"


@pytest.mark.parametrize(
    ("total", "fail_under", "precision", "fails"),
    [
        (50.0, 50.0, 0, False),
        (49.9, 50.0, 0, False),  # shown as 50, and compared as shown
        (49.4, 50.0, 0, True),
        (49.96, 50.0, 1, False),
        (49.94, 50.0, 1, True),
        (49.94, 50.0, 2, True),
        (99.9999, 100.0, 0, True),  # 100 means exactly 100
        (100.0, 100.0, 0, False),
        (0.0, 0.0, 0, False),
    ],
)
def test_should_fail_under(total: float, fail_under: float, precision: int, fails: bool) -> None:
    assert should_fail_under(total, fail_under, precision) is fails


@pytest.mark.parametrize("bad", [-1.0, 100.5])
def test_should_fail_under_rejects_impossible_thresholds(bad: float) -> None:
    with pytest.raises(ValueError, match="must be between 0 and 100"):
        should_fail_under(50.0, bad, 0)


def test_fail_under_message_uses_the_same_precision() -> None:
    assert fail_under_message(49.444, 50.0, 1) == (
        "Migration coverage failure: total of 49.4% is less than fail-under=50.0%"
    )
    assert fail_under_message(99.99, 100, 0) == (
        "Migration coverage failure: total of 99% is less than fail-under=100%"
    )


def test_build_report_sorts_dedups_and_totals() -> None:
    b = file_result("b.py", [site("b.py", 2, Status.PENDING), site("b.py", 1, Status.MIGRATED)])
    a = file_result("a.py", [site("a.py", 1, Status.UNMIGRATED)])
    report = build_report([b, a, file_result("a.py", [])])
    assert [f.path for f in report.files] == ["a.py", "b.py"]
    assert file_tally(report.files[0]).unmigrated == 1  # the first row for a path wins
    assert [s.line for s in report.files[1].sites] == [1, 2]  # sites sorted by position
    assert report.totals == Tally(migrated=1, pending=1, unmigrated=1)


def test_unscanned_files_are_listed_not_counted() -> None:
    skipped = file_result("gen.py", (), status=FileStatus.SKIPPED, message="gen.py: @generated")
    failed = file_result("bad.py", (), status=FileStatus.FAILED, message="bad.py:1: cannot parse")
    report = build_report([skipped, failed, file_result("ok.py", [site("ok.py", 1, Status.PENDING)])])
    assert report.skipped == (skipped,)
    assert report.failed == (failed,)
    assert [f.path for f in report.scanned] == ["ok.py"]
    assert report.totals.counted == 1


def test_missing_lines_are_pending_and_unmigrated_only() -> None:
    f = file_result("a.py", [
        site("a.py", 1, Status.MIGRATED), site("a.py", 2, Status.PENDING),
        site("a.py", 3, Status.LOCAL), site("a.py", 4, Status.UNMIGRATED), site("a.py", 4, Status.MIGRATED),
    ])
    assert missing_lines(f) == (2, 4)
    assert site_lines(f) == (1, 2, 3, 4)


def test_restrict_to_lines_keeps_changed_sites_only() -> None:
    a = file_result("a.py", [site("a.py", 1, Status.MIGRATED), site("a.py", 5, Status.PENDING)])
    b = file_result("b.py", [site("b.py", 1, Status.UNMIGRATED)])
    report = build_report([a, b])
    restricted = restrict_to_lines(report, {"a.py": frozenset({5, 6})}, "origin/main")
    assert [f.path for f in restricted.files] == ["a.py"]
    assert restricted.totals == Tally(pending=1)
    assert restricted.diff_base == "origin/main"
    assert restricted.totals.pc_covered == 0.0
    # no changed line holds a site: nothing to judge, so 100
    assert restrict_to_lines(report, {"a.py": frozenset({2})}, "HEAD").totals.pc_covered == 100.0


def test_decode_source_follows_pep263() -> None:
    f = file_result("l1.py", [], source="# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n".encode("latin-1"))
    assert "café" in (source_text(f) or "")
    g = file_result("bad.py", [], source=b"x = '\xff'\n")
    assert "\ufffd" in (source_text(g) or "")
