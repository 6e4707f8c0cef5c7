"""migrate_storage.codemods.report: the migration coverage report and its formats.

`model` builds one frozen CoverageReport; `text`, `json`, `markdown` and `html` each render
it; `gate` reads changed lines from git for `--diff-base`; `command` is the click command.
"""

from migrate_storage.codemods.report._common import ReportOptions
from migrate_storage.codemods.report.model import (
    CoverageReport,
    Tally,
    build_report,
    display_covered,
    fail_under_message,
    should_fail_under,
)

__all__ = [
    "CoverageReport",
    "ReportOptions",
    "Tally",
    "build_report",
    "display_covered",
    "fail_under_message",
    "should_fail_under",
]
