"""Helpers of the report tests: a small synthetic report built from Site values."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from migrate_storage.codemods.model import (
    Family,
    FileResult,
    FileStatus,
    Reason,
    Site,
    Status,
    Strategy,
)
from migrate_storage.codemods.report.model import CoverageReport, build_report

SNAPSHOTS = Path(__file__).parent / "snapshots"


def site(path: str, line: int, status: Status, *, family: Family = Family.OPEN, name: str = "open",
         column: int = 0, reason: Reason | None = None, strategy: Strategy | None = None) -> Site:
    return Site(path, line, column, family, name, status, reason, strategy)


def file_result(path: str, sites: Iterable[Site], *, status: FileStatus = FileStatus.UNCHANGED,
        message: str | None = None, source: bytes | None = None) -> FileResult:
    """A file as a scan reports it (a scan rewrites nothing: UNCHANGED, whatever is pending)."""
    return FileResult(path, status, sites=tuple(sites), message=message, source=source)


def synthetic_report() -> CoverageReport:
    """Four files covering every status, a LOCAL-only file, a clean file and a skipped one."""
    a = "pkg/loader.py"
    b = "pkg/secrets_store.py"
    c = "pkg/clean.py"
    d = "pkg/models/convert.py"
    source_a = "".join(f"line_{i} = open('f{i}')  # <b>&amp;</b>\n" for i in range(1, 16))
    files = [
        file_result(a, [
            site(a, 3, Status.PENDING, column=4, strategy=Strategy.PIN),
            site(a, 5, Status.UNMIGRATED, family=Family.PATHLIB, name="pathlib.Path.read_text",
                 reason=Reason.RECEIVER_UNKNOWN),
            site(a, 5, Status.MIGRATED, family=Family.JSON, name="json.load", column=20, strategy=Strategy.CACHE),
            site(a, 9, Status.MIGRATED, family=Family.OPEN, name="open", strategy=Strategy.CACHE),
            site(a, 12, Status.UNMIGRATED, family=Family.UNSUPPORTED, name="os.fdopen",
                 reason=Reason.UNSUPPORTED_FAMILY),
            site(a, 13, Status.UNMIGRATED, family=Family.UNSUPPORTED, name="shutil.copyfile",
                 reason=Reason.UNSUPPORTED_FAMILY),
        ], source=source_a.encode()),
        file_result(b, [site(b, 2, Status.LOCAL, reason=Reason.LOCAL_RULE, strategy=Strategy.LOCAL)],
                         source=b"import os\nopen('secrets.key')\n"),
        file_result(c, [site(c, 1, Status.MIGRATED, strategy=Strategy.PIN)], source=b"open('x', 'w', pin=True)\n"),
        file_result(d, [
            site(d, 1, Status.PENDING, family=Family.PICKLE, name="pickle.dump", strategy=Strategy.PIN),
            site(d, 2, Status.PENDING, family=Family.PICKLE, name="pickle.load", strategy=Strategy.PIN),
        ], source=b"pickle.dump(m, open(p, 'wb'))\nm = pickle.load(open(p, 'rb'))\n"),
        file_result("pkg/broken.py", (), status=FileStatus.SKIPPED,
                         message="pkg/broken.py:4: cannot parse: invalid syntax"),
    ]
    return build_report(files, tool_version="0.1.0", rules="migrate-storage.toml")
