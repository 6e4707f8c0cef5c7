"""A Markdown report for a pull-request comment or the CI job summary ($GITHUB_STEP_SUMMARY).

Every piece of text that comes from the scanned tree (paths, messages) is escaped: each
ASCII punctuation character gets a backslash (CommonMark allows escaping any of them), so
a file named `a_b*.py` or `x|y.py` cannot turn into emphasis or break the table.

After the one-sentence summary comes what is left to do (pending and unmigrated sites by
reason and family, with counts), then the per-file table.
"""

from __future__ import annotations

import string

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

_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}
_ESCAPES.update({ord("\n"): " ", ord("\r"): " "})


def escape(text: str) -> str:
    """Backslash-escape Markdown punctuation and flatten newlines."""
    return text.translate(_ESCAPES)


def _numbers(tally: Tally, precision: int, checks: bool) -> list[str]:
    cells = [
        str(tally.sites),
        str(tally.migrated),
        str(tally.pending),
        str(tally.unmigrated),
        str(tally.local),
    ]
    if checks:  # existence checks, shown only in a report that holds some
        cells.append(str(tally.checks))
    return [*cells, escape(f"{tally.pc_covered_str(precision)}%")]


def render(report: CoverageReport, options: ReportOptions = ReportOptions()) -> str:
    rows, hidden = select_rows(report, options)
    totals = report.totals
    out = ["## Migration coverage", ""]
    scope = (
        ""
        if report.diff_base is None
        else f" on lines changed since `{report.diff_base}`"
    )
    out.append(
        f"**{escape(totals.pc_covered_str(options.precision) + '%')}** of "
        f"{totals.counted} counted sites{scope} go through the storage runtime "
        f"({totals.migrated} migrated, {totals.pending} pending, {totals.unmigrated} unmigrated; "
        f"{totals.local} kept local on purpose, not counted"
        + (f"; {totals.checks} existence checks, not counted" if totals.checks else "")
        + ")."
    )
    out.append("")
    out += [f"### {escape(left_headline(report))}", ""]
    if report.left:
        out.append("| " + " | ".join(LEFT_HEADERS) + " |")
        out.append("| ---: | ---: | --- | --- |")
        for group in report.left:
            out.append("| " + " | ".join(escape(c) for c in left_cells(group)) + " |")
        out.append("")
    out += ["### Files", ""]
    checks = totals.checks > 0
    header = ["Name", "Sites", "Migrated", "Pending", "Unmigrated", "Local", "Cover"]
    if checks:
        header.insert(-1, "Checks")
    align = ["---"] + ["---:"] * (len(header) - 1)
    if options.show_missing:
        header.append("Missing")
        align.append("---")
    out.append("| " + " | ".join(header) + " |")
    out.append("| " + " | ".join(align) + " |")
    for file in rows:
        cells = [escape(file.path), *_numbers(file_tally(file), options.precision, checks)]
        if options.show_missing:
            cells.append(escape(format_lines(file)))
        out.append("| " + " | ".join(cells) + " |")
    total = ["**TOTAL**", *(f"**{c}**" for c in _numbers(totals, options.precision, checks))]
    if options.show_missing:
        total.append("")
    out.append("| " + " | ".join(total) + " |")
    if hidden:
        plural = "file" if hidden == 1 else "files"
        out += ["", f"_{hidden} {plural} skipped due to complete migration\\._"]
    unscanned = not_counted(report)
    if unscanned:
        out += ["", f"**Not scanned ({len(unscanned)}):**", ""]
        out += [
            f"- {file.status.value}: {escape(file.message or file.path)}"
            for file in unscanned
        ]
    return "\n".join(out) + "\n"
