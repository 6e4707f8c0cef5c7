"""Options and row selection shared by the table formats (text, Markdown, HTML index).

Selecting and sorting rows never changes a figure: totals always cover every file, as in
coverage.py, where `--skip-covered` hides rows but not their share of TOTAL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from migrate_storage.codemods.model import FileResult
from migrate_storage.codemods.report.model import (
    CoverageReport,
    LeftGroup,
    file_tally,
    is_scanned,
    missing_lines,
)

SORT_KEYS: dict[str, Callable[[FileResult], object]] = {
    "name": lambda f: f.path,
    "sites": lambda f: file_tally(f).sites,
    "migrated": lambda f: file_tally(f).migrated,
    "pending": lambda f: file_tally(f).pending,
    "unmigrated": lambda f: file_tally(f).unmigrated,
    "local": lambda f: file_tally(f).local,
    "cover": lambda f: file_tally(f).pc_covered,
}
SORT_CHOICES: tuple[str, ...] = tuple(SORT_KEYS) + tuple(f"-{k}" for k in SORT_KEYS)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How to present a report; never what it counts."""

    show_missing: bool = False
    skip_covered: bool = False
    sort: str = "name"  # a SORT_KEYS name, "-" prefixed for descending
    precision: int = 0

    def __post_init__(self) -> None:
        if self.sort.lower() not in SORT_CHOICES:
            raise ValueError(
                f"--sort must be one of {', '.join(SORT_KEYS)} (prefix - to reverse)"
            )
        if not 0 <= self.precision <= 10:
            raise ValueError("--precision must be between 0 and 10")


def select_rows(
    report: CoverageReport, options: ReportOptions
) -> tuple[list[FileResult], int]:
    """The scanned files to show, sorted; and how many were hidden by `skip_covered`."""
    rows = list(report.scanned)
    hidden = 0
    if options.skip_covered:
        shown = [f for f in rows if file_tally(f).not_migrated > 0]
        hidden = len(rows) - len(shown)
        rows = shown
    sort = options.sort.lower()
    reverse = sort.startswith("-")
    key = SORT_KEYS[sort.lstrip("-")]
    # Ties are broken by path, always ascending, so the output is deterministic.
    rows.sort(key=lambda f: f.path)
    rows.sort(key=key, reverse=reverse)  # type: ignore[arg-type]
    return rows, hidden


def line_ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Group line numbers into runs of consecutive lines: 3, 4, 5, 9 -> (3, 5), (9, 9).

    Unlike coverage.py's ranges, a run never spans lines without a missing site: sites are
    sparse (a few per file, not one per statement), and "12-40" would hide where they are.
    """
    pairs: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if pairs and line == pairs[-1][1] + 1:
            pairs[-1] = (pairs[-1][0], line)
        else:
            pairs.append((line, line))
    return pairs


def format_lines(file: FileResult) -> str:
    """ "3-4, 9": the lines of a file's pending and unmigrated sites, grouped."""
    pairs = line_ranges(missing_lines(file))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in pairs)


def not_counted(report: CoverageReport) -> list[FileResult]:
    """SKIPPED and FAILED files, which a report must list rather than drop."""
    return [f for f in report.files if not is_scanned(f)]


def left_headline(report: CoverageReport) -> str:
    """ "Left to do: 7 sites (4 pending, 3 unmigrated)", or that nothing is left; and
    the existence checks `apply` would rewrite, which are not in the cover, so that
    the pending figures here add up to what `apply` reports."""
    totals = report.totals
    checks = ""
    if totals.checks_pending:
        plural = "check" if totals.checks_pending == 1 else "checks"
        checks = f"; plus {totals.checks_pending} existence {plural} that apply rewrites (not counted)"
    if not report.left:
        return f"Left to do: nothing (no pending or unmigrated site){checks}"
    plural = "site" if totals.not_migrated == 1 else "sites"
    return (
        f"Left to do: {totals.not_migrated} {plural} "
        f"({totals.pending} pending, {totals.unmigrated} unmigrated), by reason and family"
        f"{checks}"
    )


LEFT_HEADERS = ("Sites", "Files", "Family", "Reason")


def left_cells(group: LeftGroup) -> list[str]:
    return [str(group.count), str(group.files), group.family.value, group.label]
