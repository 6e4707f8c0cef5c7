"""From PATHS to a CoverageReport: scan with the shared runner, then build the model once.

Sites come from the one shared finder: `runner.run` in `Mode.SCAN` calls
`engine.transform_source(..., rewrite=False)` with the FilePolicy the rules give each
file, exactly as `apply` does with `rewrite=True`; so the sites this report calls
"pending" are exactly those `apply` would rewrite.

A scan also covers files matched by the rules' `exclude` globs (their sites count as
unmigrated, "excluded file": they still do file I/O outside the runtime). Files that
could not be scanned (@generated ones, unparsable or unreadable ones, paths discovery
refused) are kept as SKIPPED or FAILED rows, never dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from migrate_storage.codemods import __version__
from migrate_storage.codemods.model import FileResult, FileStatus
from migrate_storage.codemods.pipeline.discovery import display_path
from migrate_storage.codemods.pipeline.runner import RunResult, load_ruleset, run
from migrate_storage.codemods.report.model import CoverageReport, build_report
from migrate_storage.codemods.settings import Mode, Settings


def _source(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _row(file: FileResult, keep_source: bool, excluded: bool) -> FileResult:
    if file.status is FileStatus.FAILED and excluded:
        # A file the rules exclude that cannot be parsed (a deliberately broken test
        # fixture, say) is listed as skipped, not an input error: the user already set it
        # aside.
        file = replace(file, status=FileStatus.SKIPPED, skipped_on_purpose=True)
    return replace(file, source=_source(file.real_path)) if keep_source else file


def rows_of(
    result: RunResult, *, keep_source: bool = False, is_excluded: Callable[[Path], bool] | None = None
) -> list[FileResult]:
    """The run's FileResult per scanned file (with its bytes when `keep_source`), and one
    per path discovery did not take."""
    rows = [
        _row(f, keep_source, bool(is_excluded and f.real_path and is_excluded(f.real_path)))
        for f in result.files
    ]
    rows += [
        FileResult(
            s.path,
            FileStatus.FAILED if s.error else FileStatus.SKIPPED,
            message=f"{s.path}: {s.reason}",
            skipped_on_purpose=not s.error,
        )
        for s in result.skipped
    ]
    return rows


def collect(
    paths: Sequence[Path],
    settings: Settings | None = None,
    *,
    cwd: Path | None = None,
    keep_source: bool = False,
    only: frozenset[Path] | None = None,
) -> CoverageReport:
    """Scan every Python file under `paths` and build the report.

    `keep_source`: also keep each file's text (the HTML pages show it). `only`: real paths;
    other files are left out (`--changed-since`). Raises RulesError for a bad rules file.
    """
    here = Path(os.path.abspath(cwd or Path.cwd()))
    scan = replace(settings or Settings(), mode=Mode.SCAN, use_cache=False)
    # Loaded here (the runner's own lookup) so the report can name the rules file it used.
    ruleset = load_ruleset(list(paths), scan, here)
    result = run(list(paths), scan, ruleset=ruleset, cwd=here, only=only)
    source = ruleset.source
    return build_report(
        rows_of(result, keep_source=keep_source, is_excluded=ruleset.is_excluded),
        tool_version=__version__,
        rules=display_path(source, here) if source is not None else None,
    )
