"""The terminal table, in the manner of coverage.py's `report.py`.

One row per file (sites, migrated, pending, unmigrated, local, existence checks when
there are any, cover %), column widths
sized from the data, a TOTAL row last; `--show-missing` adds the lines of the pending and
unmigrated sites, grouped into ranges. Files that could not be scanned are listed under
the table, never dropped.

The table is preceded by what is left to do: the pending and unmigrated sites grouped by
reason and family, largest group first, with their counts (the first thing to read).
"""

from __future__ import annotations

from migrate_storage.codemods.report._common import (
    LEFT_HEADERS,
    ReportOptions,
    format_lines,
    left_cells,
    left_headline,
    not_counted,
    select_rows,
)
from migrate_storage.codemods.report.model import CoverageReport, Tally, file_tally

HEADERS = ("Name", "Sites", "Migrated", "Pending", "Unmigrated", "Local", "Cover")
# Shown (before Cover) only when the report holds existence checks, as coverage.py shows
# its branch columns only with branch data: reports without any keep their shape.
CHECKS_HEADER = "Checks"


def _cells(name: str, tally: Tally, precision: int, checks: bool) -> list[str]:
    cells = [
        name,
        str(tally.sites),
        str(tally.migrated),
        str(tally.pending),
        str(tally.unmigrated),
        str(tally.local),
    ]
    if checks:
        cells.append(str(tally.checks))
    return [*cells, f"{tally.pc_covered_str(precision)}%"]


def render(report: CoverageReport, options: ReportOptions = ReportOptions()) -> str:
    """The whole table as one string, ending with a newline."""
    rows, hidden = select_rows(report, options)
    checks = report.totals.checks > 0
    header = list(HEADERS)
    if checks:
        header.insert(-1, CHECKS_HEADER)
    body = []
    for file in rows:
        cells = _cells(file.path, file_tally(file), options.precision, checks)
        if options.show_missing:
            cells.append(format_lines(file))
        body.append(cells)
    total = _cells("TOTAL", report.totals, options.precision, checks)
    ncols = len(header)
    if options.show_missing:
        header.append("Missing")
        total.append("")

    widths = [max(len(r[i]) for r in [header, total, *body]) for i in range(ncols)]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [cells[i].rjust(widths[i]) for i in range(1, ncols)]
        if options.show_missing:
            parts.append(cells[ncols])
        return "   ".join(parts).rstrip()

    rule = "-" * len(line(header))
    out: list[str] = []
    if report.diff_base is not None:
        out.append(f"Sites on lines changed since {report.diff_base}")
        out.append("")
    out.extend(_left(report))
    out.append("")
    out.append(line(header))
    out.append(rule)
    out.extend(line(cells) for cells in body)
    if body:
        out.append(rule)
    out.append(line(total))
    if hidden:
        plural = "file" if hidden == 1 else "files"
        out.append("")
        out.append(f"{hidden} {plural} skipped due to complete migration.")
    unscanned = not_counted(report)
    if unscanned:
        out.append("")
        out.append(f"Not scanned ({len(unscanned)}):")
        for file in unscanned:
            out.append(f"  {file.status.value}: {file.message or file.path}")
    return "\n".join(out) + "\n"


def _left(report: CoverageReport) -> list[str]:
    out = [left_headline(report) + (":" if report.left else ".")]
    if not report.left:
        return out
    rows = [list(LEFT_HEADERS), *(left_cells(g) for g in report.left)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for cells in rows:
        out.append(
            "  "
            + "   ".join(
                [
                    cells[0].rjust(widths[0]),
                    cells[1].rjust(widths[1]),
                    cells[2].ljust(widths[2]),
                    cells[3],
                ]
            ).rstrip()
        )
    return out
