"""The coverage data, built once: per-file rows and totals that every format renders.

A row is the pipeline's own per-file `FileResult` (the runner's scan of the file, with its
`FileStatus`); this module adds only figures derived from it (`file_tally`,
`missing_lines`, ...), never a second per-file record.

Anchor: coverage.py's `results.py` (`Numbers` adds with `+`, `display_covered`,
`should_fail_under`). Unlike coverage.py's reporters, no renderer adds anything up: the
`CoverageReport` holds every figure already, so the text table, JSON, Markdown and HTML
can never disagree with each other or with the gate.

Coverage % = migrated / (migrated + pending + unmigrated). LOCAL sites (the rules file
keeps them on the machine on purpose) are listed but excluded from the percentage, and so
are existence checks (family `existence`, whatever their status: `os.path.exists(p)` is
not file I/O, and migrating it must not move a codebase's cover). A file with no counted
site scores 100.
"""

from __future__ import annotations

import io
import tokenize
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from migrate_storage.codemods.model import (
    Family,
    FileResult,
    FileStatus,
    Reason,
    Site,
    Status,
    counts_in_cover,
)


@dataclass(frozen=True, slots=True)
class Tally:
    """Site counts by status; adds with `+` (coverage.py's `Numbers`). Existence checks
    (`Family.EXISTENCE`) are counted in `checks` alone, whatever their status: shown,
    never in the percentage (see `counts_in_cover`)."""

    migrated: int = 0
    pending: int = 0
    unmigrated: int = 0
    local: int = 0
    checks: int = 0
    # Of `checks`, those PENDING: `apply` rewrites them too, so its "Rewrote N" is
    # `pending + checks_pending`; shown apart because they are not in the cover.
    checks_pending: int = 0

    @classmethod
    def of(cls, sites: Iterable[Site]) -> Tally:
        counts = {status: 0 for status in Status}
        checks = checks_pending = 0
        for site in sites:
            if counts_in_cover(site):
                counts[site.status] += 1
            else:
                checks += 1
                checks_pending += site.status is Status.PENDING
        return cls(
            migrated=counts[Status.MIGRATED],
            pending=counts[Status.PENDING],
            unmigrated=counts[Status.UNMIGRATED],
            local=counts[Status.LOCAL],
            checks=checks,
            checks_pending=checks_pending,
        )

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(
            self.migrated + other.migrated,
            self.pending + other.pending,
            self.unmigrated + other.unmigrated,
            self.local + other.local,
            self.checks + other.checks,
            self.checks_pending + other.checks_pending,
        )

    def __radd__(self, other: int) -> Tally:
        # So that sum(tallies) works: sum() starts from the int 0.
        if other == 0:
            return self
        return NotImplemented

    @property
    def sites(self) -> int:
        """Every site, LOCAL ones and existence checks included."""
        return self.migrated + self.pending + self.unmigrated + self.local + self.checks

    @property
    def counted(self) -> int:
        """The sites the percentage is about (LOCAL ones are excluded)."""
        return self.migrated + self.pending + self.unmigrated

    @property
    def not_migrated(self) -> int:
        return self.pending + self.unmigrated

    @property
    def pc_covered(self) -> float:
        """Percent migrated, 0.0..100.0; 100.0 when there is nothing to count."""
        if self.counted == 0:
            return 100.0
        return 100.0 * self.migrated / self.counted

    def pc_covered_str(self, precision: int) -> str:
        return display_covered(self.pc_covered, precision)


def display_covered(pc: float, precision: int) -> str:
    """Format a percentage so that 100 is shown only when exact, and 0 only when exact.

    99.99 % at precision 0 reads "99", not "100" (coverage.py's `display_covered`).
    """
    near0 = 1.0 / 10**precision
    if 0 < pc < near0:
        pc = near0
    elif (100.0 - near0) < pc < 100.0:
        pc = 100.0 - near0
    else:
        pc = round(pc, precision)
    return "%.*f" % (precision, pc)


def should_fail_under(total: float, fail_under: float, precision: int) -> bool:
    """True when `total` percent is below the `fail_under` threshold.

    Compared at the displayed precision, so the gate agrees with what the report shows;
    but 100 means exactly 100 (one unmigrated site in a million still fails).
    """
    if not 0.0 <= fail_under <= 100.0:
        raise ValueError(
            f"fail-under={fail_under} is invalid: it must be between 0 and 100"
        )
    if fail_under == 100.0 and total != 100.0:
        return True
    return round(total, precision) < fail_under


def fail_under_message(total: float, fail_under: float, precision: int) -> str:
    """The line printed when `should_fail_under` is true, at the same precision."""
    return (
        f"Migration coverage failure: total of {display_covered(total, precision)}% "
        f"is less than fail-under={fail_under:.{precision}f}%"
    )


def is_scanned(file: FileResult) -> bool:
    """Whether a file's sites were counted: every status but SKIPPED (deliberately not
    scanned, e.g. @generated) and FAILED (could not be read or parsed); those two are
    listed, with their message, not counted."""
    return file.status not in (FileStatus.SKIPPED, FileStatus.FAILED)


def file_tally(file: FileResult) -> Tally:
    """One file's site counts (its row's figures)."""
    return Tally.of(file.sites)


def missing_lines(file: FileResult) -> tuple[int, ...]:
    """Lines of the sites that count against the percentage (pending or unmigrated)."""
    return tuple(
        sorted(
            {
                s.line
                for s in file.sites
                if s.status in (Status.PENDING, Status.UNMIGRATED) and counts_in_cover(s)
            }
        )
    )


def site_lines(file: FileResult) -> tuple[int, ...]:
    return tuple(sorted({s.line for s in file.sites}))


def source_text(file: FileResult) -> str | None:
    """The file's text as the interpreter reads it (for the HTML pages); None when the
    source was not kept."""
    return decode_source(file.source) if file.source is not None else None


#: How the "left to do" summary names the PENDING sites (they have no Reason).
PENDING_LABEL = "pending (apply rewrites it)"


@dataclass(frozen=True, slots=True)
class LeftGroup:
    """Sites that count against the percentage, of one reason and one family.

    `reason` is None for PENDING sites (what `apply` does next); every other group is
    UNMIGRATED sites with that Reason. `files` is how many files hold them."""

    status: Status
    reason: Reason | None
    family: Family
    count: int
    files: int

    @property
    def label(self) -> str:
        return PENDING_LABEL if self.reason is None else self.reason.value


def left_to_do(sites: Iterable[Site]) -> tuple[LeftGroup, ...]:
    """The PENDING and UNMIGRATED sites grouped by (reason, family), largest group first
    (ties: pending first, then by reason and family name)."""
    counts: Counter[tuple[Status, Reason | None, Family]] = Counter()
    paths: dict[tuple[Status, Reason | None, Family], set[str]] = {}
    for site in sites:
        if site.status not in (Status.PENDING, Status.UNMIGRATED) or not counts_in_cover(site):
            continue
        key = (
            site.status,
            site.reason if site.status is Status.UNMIGRATED else None,
            site.family,
        )
        counts[key] += 1
        paths.setdefault(key, set()).add(site.path)
    groups = [
        LeftGroup(st, r, f, n, len(paths[(st, r, f)]))
        for (st, r, f), n in counts.items()
    ]
    groups.sort(key=lambda g: (-g.count, g.reason is not None, g.label, g.family.value))
    return tuple(groups)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Every file's row and the totals; built once by `build_report`, then only rendered."""

    # One row per file, sorted by path, its sites sorted by position; SKIPPED and FAILED
    # files included (listed, not counted).
    files: tuple[FileResult, ...]
    totals: Tally
    tool_version: str = ""
    rules: str | None = None  # the rules file used, if any
    diff_base: str | None = None  # set when restricted to lines changed since a git ref
    # What is left to do, grouped (left_to_do): every format shows this first.
    left: tuple[LeftGroup, ...] = ()

    @property
    def scanned(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if is_scanned(f))

    @property
    def skipped(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.SKIPPED)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.FAILED)

    @property
    def sites(self) -> tuple[Site, ...]:
        return tuple(s for f in self.files for s in f.sites)


def site_sort_key(site: Site) -> tuple[int, int, str, str]:
    return (site.line, site.column, site.family.value, site.name)


def decode_source(source: bytes) -> str:
    """Decode Python source the way the interpreter would (PEP 263), never raising."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return source.decode(encoding, errors="replace")
    except LookupError:
        return source.decode("utf-8", errors="replace")


def build_report(
    files: Iterable[FileResult],
    *,
    tool_version: str = "",
    rules: str | None = None,
    diff_base: str | None = None,
) -> CoverageReport:
    """Sort the rows by path (one row per path, the first given wins) and each row's sites
    by position, and add up the totals, once."""
    by_path: dict[str, FileResult] = {}
    for file in files:
        by_path.setdefault(file.path, file)
    rows = tuple(
        replace(file, sites=tuple(sorted(file.sites, key=site_sort_key)))
        for file in (by_path[p] for p in sorted(by_path))
    )
    totals = sum((file_tally(f) for f in rows), Tally())
    left = left_to_do(s for f in rows for s in f.sites)
    return CoverageReport(rows, totals, tool_version, rules, diff_base, left)


def restrict_to_lines(
    report: CoverageReport, changed: dict[str, frozenset[int]], base: str
) -> CoverageReport:
    """Keep only sites on changed lines (and only files with changes): the `--diff-base` view.

    `changed` maps a report path to the set of its changed 1-based line numbers.
    """
    rows: list[FileResult] = []
    for file in report.files:
        lines = changed.get(file.path)
        if lines is None:
            continue
        rows.append(replace(file, sites=tuple(s for s in file.sites if s.line in lines)))
    return build_report(
        rows, tool_version=report.tool_version, rules=report.rules, diff_base=base
    )
