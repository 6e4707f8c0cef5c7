"""Fixtures of the report tests."""

from __future__ import annotations

import pytest
from report_helpers import SNAPSHOTS, synthetic_report

from migrate_storage.codemods.report.model import CoverageReport


@pytest.fixture
def report() -> CoverageReport:
    return synthetic_report()


@pytest.fixture
def snapshot_dir(snapshot):  # type: ignore[no-untyped-def]
    """pytest-snapshot with its folder set to tests/report/snapshots (update: --snapshot-update)."""
    snapshot.snapshot_dir = SNAPSHOTS
    return snapshot
