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
from migrate_storage.codemods.model import FileStatus
from migrate_storage.codemods.pipeline.discovery import display_path
from migrate_storage.codemods.pipeline.runner import RunResult, load_ruleset, run
from migrate_storage.codemods.report.model import (
    CoverageReport,
    FileReport,
    FileState,
    build_report,
    make_file_report,
)
from migrate_storage.codemods.settings import Mode, Settings

_STATES = {
    FileStatus.SKIPPED: FileState.SKIPPED,
    FileStatus.FAILED: FileState.FAILED,
}


def _source(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _state(status: FileStatus, excluded: bool) -> FileState:
    state = _STATES.get(status, FileState.SCANNED)
    # A file the rules exclude that cannot be parsed (a deliberately broken test fixture,
    # say) is listed as skipped, not an input error: the user already set it aside.
    return FileState.SKIPPED if state is FileState.FAILED and excluded else state


def rows_of(
    result: RunResult, *, keep_source: bool = False, is_excluded: Callable[[Path], bool] | None = None
) -> list[FileReport]:
    """One FileReport per scanned file and per path discovery did not take."""
    rows = [
        make_file_report(
            f.path,
            f.sites,
            state=_state(f.status, bool(is_excluded and is_excluded(f.real_path))),
            message=f.message,
            source=_source(f.real_path) if keep_source else None,
        )
        for f in result.files
    ]
    rows += [
        make_file_report(
            s.path,
            (),
            state=FileState.FAILED if s.error else FileState.SKIPPED,
            message=f"{s.path}: {s.reason}",
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
