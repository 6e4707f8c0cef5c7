"""The review commands' CLI glue: `apply --interactive` (the terminal side of
interactive.py), `undo` and `log` (over journal.py). Kept out of cli.py so that module
stays a small dispatcher; `undo` and `log` are registered as lazy commands there."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from migrate_storage.codemods.cli.main import (
    EXIT_INTERRUPTED,
    UserError,
    _changed_only,
    _user_error,
    common_options,
    settings_of,
)
from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.settings import Mode


def run_interactive(ctx: click.Context, paths: Sequence[str], ask_again: bool,
                    changed_ref: str | None) -> None:
    """apply --interactive: scan as diff does, then review hunk by hunk (interactive.py)."""
    from migrate_storage.codemods.cli import interactive, journal, output
    from migrate_storage.codemods.pipeline import runner

    if not sys.stdin.isatty():
        raise UserError("apply --interactive needs a terminal, and stdin is not one; "
                        "review with `migrate-storage diff` instead, or run it in a terminal")
    settings = settings_of(ctx, Mode.DIFF)
    try:
        only = _changed_only(paths, changed_ref)
        ruleset = runner.load_ruleset(paths, settings)
        result = runner.run(list(paths), settings, ruleset=ruleset, only=only)
        root = journal.project_root(list(paths))
        source = str(ruleset.source) if ruleset.source is not None else None
        record = journal.Journal(root, rules_file=source, rules_digest=ruleset.digest)
        try:
            with interactive.cbreak(sys.stdin.fileno()):
                outcome = interactive.review(
                    result, ruleset, root, ask=_ask, show=lambda b: click.echo(b, nl=False),
                    color=output._wants_color(settings, sys.stdout), ask_again=ask_again,
                    journal=record)
        finally:
            written = record.write()
    except MigrateStorageError as exc:
        raise _user_error(settings, exc) from None
    except (KeyboardInterrupt, EOFError):
        click.echo("\nInterrupted: files already answered for were written; the rest unchanged.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    for line in outcome.refused:
        click.echo(f"refused: {line}", err=True)
    sites = sum(n for _, n in outcome.applied)
    summary = f"Applied {sites} site(s) in {len(outcome.applied)} file(s); skipped {outcome.skipped} rewrite(s)"
    if outcome.skipped_before:
        summary += f"; {outcome.skipped_before} skipped earlier not asked (--ask-again asks them)"
    click.echo(summary + ".", err=True)
    if written is not None:
        click.echo(f"Recorded as apply {written.name} (`migrate-storage undo` reverts it).", err=True)
    ctx.exit(2 if result.has_errors or outcome.refused else 0)


def _ask(prompt: str) -> str:
    """One key from the terminal (no Enter needed); repeats on keys it does not know.
    The terminal is in cbreak mode for the whole review (`interactive.cbreak`), so a key
    typed before the prompt shows is kept, not flushed as a raw-mode switch would."""
    from migrate_storage.codemods.cli.interactive import KEYS

    while True:
        click.echo(prompt, nl=False)
        data = os.read(sys.stdin.fileno(), 1)
        if not data:
            raise EOFError
        key = data.decode("ascii", "replace").lower()
        click.echo(key if key.isprintable() else "")
        if key in KEYS:
            return key
        if key == "\x04":  # Ctrl-D
            raise EOFError


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Project root (default: the git top-level folder, else the current folder).")
@common_options
@click.pass_context
def undo(ctx: click.Context, root: Path | None, **_: Any) -> None:
    """Revert the last apply exactly, or refuse (changing nothing) if its files were edited."""
    from migrate_storage.codemods.cli import journal

    settings = settings_of(ctx)
    top = root.resolve() if root is not None else journal.project_root(["."])
    try:
        record = journal.undo_last(top)
    except MigrateStorageError as exc:
        raise _user_error(settings, exc) from None
    if not settings.quiet:
        files = record.files
        click.echo(f"Undid apply {record.id}: restored {len(files)} file(s): "
                   f"{', '.join(f['path'] for f in files)}.", err=True)


@click.command("log")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Project root (default: the git top-level folder, else the current folder).")
@common_options
@click.pass_context
def log_command(ctx: click.Context, root: Path | None, **_: Any) -> None:
    """List the recorded applies, oldest first: id, time, files, sites (and if undone)."""
    from migrate_storage.codemods.cli import journal

    top = root.resolve() if root is not None else journal.project_root(["."])
    found = journal.records(top)
    if not found:
        click.echo(f"No apply recorded under {journal.applies_dir(top)}.", err=True)
        return
    for record in found:
        files = record.files
        state = f"  (undone {record.undone})" if record.undone else ""
        click.echo(f"{record.id}  {record.data['time']}  {len(files)} file(s)  "
                   f"{record.sites} site(s){state}")
        if settings_of(ctx).verbose:
            for entry in files:
                click.echo(f"    {entry['path']} ({entry['sites']} site(s))")
