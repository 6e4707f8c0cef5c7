"""`migrate-storage coverage PATHS...`: scan, render one format, and gate.

Exit codes (ruff's convention, shared by every migrate-storage command):
  0  the report was written (and the total is at or above --fail-under, if given);
  1  the total is below --fail-under (the report is still written in full);
  2  usage or input error: bad options (click's own), a bad rules file, --diff-base
     outside a git repository or with an unknown ref, no Python file under PATHS, an
     output that cannot be written, or a file that could not be read or parsed (reported
     after every other file was scanned; it takes precedence over 1).
  130 interrupted (Ctrl-C) before the report was written.

Reports go to stdout (or to --output); "Wrote ... report to ..." and errors to stderr.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from migrate_storage.codemods.cli.main import changed_since, common_options, settings_of
from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.pipeline.writing import write_own_file
from migrate_storage.codemods.report import html as html_format
from migrate_storage.codemods.report import json as json_format
from migrate_storage.codemods.report import markdown as markdown_format
from migrate_storage.codemods.report import sarif as sarif_format
from migrate_storage.codemods.report import text as text_format
from migrate_storage.codemods.report._common import SORT_CHOICES, ReportOptions
from migrate_storage.codemods.report.collect import collect
from migrate_storage.codemods.report.gate import changed_for_report
from migrate_storage.codemods.report.model import (
    CoverageReport,
    fail_under_message,
    restrict_to_lines,
    should_fail_under,
)
from migrate_storage.codemods.settings import Settings

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as every migrate-storage command

# Formats rendered to one string: name -> (label for "Wrote ... report", render). A new
# format (e.g. SARIF) is one entry here with the same `render(report, options) -> str`.
STRING_FORMATS: dict[str, tuple[str, Callable[[CoverageReport, ReportOptions], str]]] = {
    "text": ("text", text_format.render),
    "json": ("JSON", json_format.render),
    "markdown": ("Markdown", markdown_format.render),
    "sarif": ("SARIF", sarif_format.render),
}
DEFAULT_HTML_DIR = "htmlcov-storage"


class InputError(click.ClickException):
    """A usage or input problem the user can fix: exit code 2, no traceback."""

    exit_code = EXIT_INPUT_ERROR


def _repo_dir(paths: tuple[Path, ...]) -> Path:
    """A folder inside the repository of PATHS (their common folder), for git commands."""
    common = Path(os.path.commonpath([os.path.abspath(p) for p in paths]))
    return common if common.is_dir() else common.parent


def _say(settings: Settings, message: str) -> None:
    """Progress-style messages go to stderr, and not at all under --quiet."""
    if not settings.quiet:
        click.echo(message, err=True)


def write_html_folder(report: CoverageReport, folder: Path, options: ReportOptions) -> Path:
    """Render into a temporary sibling folder, then move each page into `folder`.

    On failure the temporary folder is removed and `folder` keeps its previous pages.
    """
    files = html_format.render(report, options)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, content in files.items():
            (staging / name).write_text(content, encoding="utf-8")
        folder.mkdir(exist_ok=True)
        for name in files:
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / "index.html"


@click.command("coverage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([*STRING_FORMATS, "html"]), default="text",
              show_default=True, help="Report format.")
@click.option("-o", "--output", metavar="PATH",
              help="Where to write: a file ('-' = stdout, the default), or for html a folder "
                   f"(default {DEFAULT_HTML_DIR}/).")
@click.option("--show-missing", is_flag=True, help="Show the lines of pending and unmigrated sites.")
@click.option("--skip-covered", is_flag=True, help="Hide files whose counted sites are all migrated.")
@click.option("--sort", type=click.Choice(SORT_CHOICES, case_sensitive=False), default="name",
              metavar="[-]COLUMN", show_default=True,
              help="Sort rows by name, sites, migrated, pending, unmigrated, local or cover; "
                   "prefix - to reverse.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PCT",
              help="Exit 1 when the total cover % is below PCT.")
@click.option("--diff-base", metavar="REF",
              help="Count only sites on lines changed since the git ref REF (merge base to working tree).")
@click.option("--changed-since", "changed_ref", metavar="REF",
              help="Only files changed since the git ref REF (committed, staged, unstaged or "
                   "untracked); --diff-base narrows to changed lines instead.")
@click.option("--precision", type=click.IntRange(0, 10), default=0, show_default=True,
              help="Digits after the decimal point in percentages (and in the --fail-under check).")
@common_options
@click.pass_context
def coverage(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    output: str | None,
    show_missing: bool,
    skip_covered: bool,
    sort: str,
    fail_under: float | None,
    diff_base: str | None,
    changed_ref: str | None,
    precision: int,
    **_: Any,
) -> None:
    """Report how many file-I/O call sites under PATHS go through the storage runtime.

    Cover % = migrated / (migrated + pending + unmigrated); sites the rules keep local
    are listed but not counted. Exit codes: 0 ok, 1 below --fail-under, 2 usage or
    input error.
    """
    if fmt == "html" and output == "-":
        raise click.BadParameter("html writes a folder; give a folder name, not '-'", param_hint="--output")
    options = ReportOptions(
        show_missing=show_missing, skip_covered=skip_covered, sort=sort, precision=precision
    )
    settings = settings_of(ctx)
    cwd = Path.cwd()
    try:
        only = changed_since(changed_ref, list(paths)) if changed_ref is not None else None
        report = collect(list(paths), settings, cwd=cwd, keep_source=fmt == "html", only=only)
        if not report.files and changed_ref is None:
            raise InputError(f"no Python files found under {', '.join(map(str, paths))}")
        if not report.files:  # nothing changed: an empty report (a PR without Python changes passes)
            _say(settings, f"No Python file under {', '.join(map(str, paths))} changed since {changed_ref}.")
        if diff_base is not None:
            changed = changed_for_report(diff_base, [f.path for f in report.files], cwd, _repo_dir(paths))
            report = restrict_to_lines(report, changed, diff_base)
    except MigrateStorageError as exc:
        if settings.verbose:
            click.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
        raise InputError(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("Interrupted: no report written.", err=True)
        ctx.exit(EXIT_INTERRUPTED)

    try:
        if fmt == "html":
            index = write_html_folder(report, Path(output or DEFAULT_HTML_DIR), options)
            _say(settings, f"Wrote HTML report to {index}")
        else:
            label, render = STRING_FORMATS[fmt]
            rendered = render(report, options)
            if output is None or output == "-":
                click.echo(rendered, nl=False)
            else:
                write_own_file(Path(output), rendered.encode("utf-8"))
                _say(settings, f"Wrote {label} report to {output}")
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc}") from None

    failed = report.failed
    if failed:
        for file in failed:
            click.echo(f"error: cannot scan {file.message or file.path}", err=True)
        raise InputError(f"{len(failed)} file(s) could not be scanned; their sites are not counted")
    if fail_under is not None:
        total = report.totals.pc_covered
        if should_fail_under(total, fail_under, precision):
            click.echo(fail_under_message(total, fail_under, precision), err=True)
            ctx.exit(EXIT_BELOW_THRESHOLD)
