"""The `migrate-storage` command line: a thin click layer over runner.run.

    migrate-storage apply PATHS...            rewrite in place (--check, --dry-run,
                                              --interactive: review.py); recorded
    migrate-storage diff PATHS...             unified diff (or --format sarif) on stdout
    migrate-storage undo / log                revert the last apply / list them (journal.py)
    migrate-storage check PATHS...            same as apply --check
    migrate-storage rules check [PATHS...]    validate the rules file against the tree
    migrate-storage rules explain PATH        which rule decides PATH, and why
    migrate-storage coverage PATHS...         (migrate_storage.codemods.report.command)

Exit codes (ruff's): 0 done or nothing to do; 1 changes pending (check, diff) or, for
`rules check`, warnings only; 2 usage error, bad rules file, or a file that could not be
read, parsed or written (reported after every other file was processed). 130 on Ctrl-C.

`--changed-since REF` (apply, diff, check, coverage) keeps only the files changed since a
git ref. Diffs go to stdout; the summary, progress and errors to stderr (as black does).
The global options may also be given after the command name (`apply --jobs 2 src`).
"""

from __future__ import annotations

import importlib
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource
from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.settings import Color, Mode, Settings

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130

# Commands written in other modules, imported only when used (click's LazyGroup pattern).
LAZY_COMMANDS = {
    "coverage": "migrate_storage.codemods.report.command:coverage",
    "log": "migrate_storage.codemods.cli.review:log_command",
    "undo": "migrate_storage.codemods.cli.review:undo",
}


class UserError(click.ClickException):
    """A MigrateStorageError shown as one line, exit code 2."""

    exit_code = 2


class LazyGroup(click.Group):
    """A group whose extra commands are imported on first use; a command whose module is not
    there (yet) is simply not offered, and the other commands keep working."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [name for name in LAZY_COMMANDS if self._load(name) is not None]
        return sorted({*super().list_commands(ctx), *lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._load(cmd_name)

    def _load(self, name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                return None  # not written yet: no such command
            raise
        command = getattr(module, attr)
        return command if isinstance(command, click.Command) else None


def common_options(func: F) -> F:
    """The options every command takes, before or after the command name."""
    options = [
        click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Rules file (default: nearest migrate-storage.toml or pyproject.toml)."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
                     help="Worker processes (default: one per core)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("--verbose", "-v", is_flag=True, help="Say more; tracebacks for errors."),
        click.option("--quiet", "-q", is_flag=True, help="Print errors only."),
        click.option("--color", type=click.Choice([c.value for c in Color]), default="auto",
                     help="Color diffs: auto (on a terminal), always, never."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_OPTION_FIELDS = {"rules_file": "rules_file", "jobs": "jobs", "no_cache": "use_cache",
                  "verbose": "verbose", "quiet": "quiet", "color": "color"}


def _field_value(name: str, value: Any) -> Any:
    if name == "no_cache":
        return not value
    if name == "color":
        return Color(value)
    return value


def settings_of(ctx: click.Context, mode: Mode | None = None) -> Settings:
    """ctx.obj's Settings, with the options given on this command line level overriding."""
    base = ctx.find_object(Settings) or Settings()
    changes: dict[str, Any] = {}
    for name, field in _OPTION_FIELDS.items():
        source = ctx.get_parameter_source(name) if name in ctx.params else None
        if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            changes[field] = _field_value(name, ctx.params[name])
    settings = replace(base, **changes)
    if settings.verbose and settings.quiet:
        raise click.UsageError("--verbose and --quiet exclude each other", ctx)
    return replace(settings, mode=mode) if mode is not None else settings


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="migrate-storage", prog_name="migrate-storage")
@click.pass_context
def main(ctx: click.Context, **_: Any) -> None:
    """Migrate a Python codebase's file I/O onto the storage runtime, reviewably."""
    ctx.obj = Settings()
    ctx.obj = settings_of(ctx)


def _user_error(settings: Settings, exc: MigrateStorageError) -> UserError:
    if settings.verbose:
        click.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
    return UserError(str(exc))


def _changed_only(paths: Sequence[str], ref: str | None) -> frozenset[Path] | None:
    """`--changed-since REF`: the real paths of files changed since REF (report.gate's
    `changed_files`: git diff --name-only plus untracked files), or None without a ref."""
    return None if ref is None else changed_since(ref, paths)


def changed_since(ref: str, paths: Sequence[str | Path]) -> frozenset[Path]:
    """Real paths of the files changed since the git ref `ref`, found from PATHS' folder."""
    from migrate_storage.codemods.report.gate import changed_files

    absolute = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    common = Path(os.path.commonpath(absolute))
    folder = common if common.is_dir() else common.parent
    return changed_files(ref, folder)


def _run(ctx: click.Context, paths: Sequence[str], mode: Mode, *, fmt: str = "diff",
         changed_ref: str | None = None) -> None:
    """Run, render, exit: the body every rewriting command shares."""
    from migrate_storage.codemods.cli import journal, output
    from migrate_storage.codemods.pipeline import runner

    settings = settings_of(ctx, mode)
    if fmt == "sarif":  # one result per site: a cached clean file would hide its sites
        settings = replace(settings, use_cache=False)
    record, written = None, None
    try:
        only = _changed_only(paths, changed_ref)
        ruleset = runner.load_ruleset(paths, settings)
        if mode is Mode.APPLY:
            source = str(ruleset.source) if ruleset.source is not None else None
            record = journal.Journal(journal.project_root(list(paths)), rules_file=source,
                                     rules_digest=ruleset.digest)
        with output.Progress(settings) as progress:
            try:
                result = runner.run(list(paths), settings, ruleset=ruleset, progress=progress,
                                    only=only, on_written=record.add if record else None)
            finally:
                written = record.write() if record is not None else None
    except MigrateStorageError as exc:
        raise _user_error(settings, exc) from None
    except KeyboardInterrupt:
        click.echo("Interrupted: every file is either unchanged or fully rewritten; "
                   "run the command again to finish.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    if mode is Mode.DIFF and fmt == "sarif":
        from migrate_storage.codemods.report import sarif

        click.echo(sarif.render_run(result), nl=False)
    elif mode is Mode.DIFF:
        output.write_diffs(result, settings)
    output.echo_summary(result, settings)
    if mode is Mode.APPLY and result.changed:
        from migrate_storage.codemods.cli import dependency

        runtime = getattr(ruleset, "runtime", None) or "storage_runtime"
        rewritten = [f.real_path or Path(f.path) for f in result.changed]
        for metadata in dependency.undeclared(rewritten, runtime):
            click.echo(dependency.note(metadata, runtime), err=True)
    if written is not None and settings.verbose:
        click.echo(f"Recorded as apply {written.name} (`migrate-storage undo` reverts it).", err=True)
    ctx.exit(result.exit_code)


changed_since_option = click.option(
    "--changed-since", "changed_ref", metavar="REF",
    help="Only files changed since the git ref REF (committed, staged, unstaged or untracked).")
format_option = click.option(
    "--format", "fmt", type=click.Choice(["diff", "sarif"]), default="diff", show_default=True,
    help="diff: a unified diff; sarif: SARIF 2.1.0, one result per site, fixes for pending ones.")


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file would change.")
@click.option("--dry-run", "--diff", "dry_run", is_flag=True, help="Print a diff instead (= diff).")
@click.option("--interactive", "-i", is_flag=True,
              help="Review each rewrite in the terminal: y/n/a/d/q (? for help).")
@click.option("--ask-again", is_flag=True,
              help="With --interactive: also ask about rewrites skipped in earlier runs.")
@changed_since_option
@common_options
@click.pass_context
def apply(ctx: click.Context, paths: tuple[str, ...], check: bool, dry_run: bool, interactive: bool,
          ask_again: bool, changed_ref: str | None, **_: Any) -> None:
    """Rewrite the file I/O in PATHS in place, each file atomically.

    Each apply that changes files is recorded under .migrate-storage/applies/ at the
    project root (`migrate-storage log` lists them, `migrate-storage undo` reverts the last).
    """
    if check and dry_run:
        raise click.UsageError("--check and --dry-run exclude each other", ctx)
    if interactive:
        if check or dry_run:
            raise click.UsageError("--interactive excludes --check and --dry-run", ctx)
        from migrate_storage.codemods.cli.review import run_interactive

        run_interactive(ctx, paths, ask_again, changed_ref)
    mode = Mode.CHECK if check else Mode.DIFF if dry_run else Mode.APPLY
    _run(ctx, paths, mode, changed_ref=changed_ref)


@main.command()
@paths_argument
@format_option
@changed_since_option
@common_options
@click.pass_context
def diff(ctx: click.Context, paths: tuple[str, ...], fmt: str, changed_ref: str | None,
         **_: Any) -> None:
    """Print the rewrite of PATHS as a unified diff (git apply accepts it); change nothing."""
    _run(ctx, paths, Mode.DIFF, fmt=fmt, changed_ref=changed_ref)


@main.command()
@paths_argument
@changed_since_option
@common_options
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], changed_ref: str | None, **_: Any) -> None:
    """Change nothing; exit 1 when apply would rewrite a file in PATHS (= apply --check)."""
    _run(ctx, paths, Mode.CHECK, changed_ref=changed_ref)


@main.group()
def rules() -> None:
    """Validate and explain the rules file."""


@rules.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@common_options
@click.pass_context
def rules_check(ctx: click.Context, paths: tuple[Path, ...], **_: Any) -> None:
    """Report errors and warnings in the rules file, against the files under PATHS.

    Exit 0 when clean, 1 when there are warnings only, 2 when there are errors.
    """
    from migrate_storage.rules import check as check_rules
    from migrate_storage.rules import load_rules

    settings = settings_of(ctx)
    start = paths[0] if paths else Path.cwd()
    try:
        ruleset = load_rules(settings.rules_file, start, strict=False)
    except MigrateStorageError as exc:
        raise _user_error(settings, exc) from None
    problems = check_rules(ruleset, list(paths) or [ruleset.root])
    for problem in problems:
        click.echo(problem.format())
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    if not settings.quiet:
        source = ruleset.source or "built-in defaults"
        verdict = "no problems" if not problems else f"{errors} error(s), {warnings} warning(s)"
        click.echo(f"{source}: {verdict}", err=True)
    ctx.exit(2 if errors else 1 if warnings else 0)


@rules.command("explain")
@click.argument("path", type=click.Path(path_type=Path))
@common_options
@click.pass_context
def rules_explain(ctx: click.Context, path: Path, **_: Any) -> None:
    """Say which rule decides PATH, for each family, and why."""
    from migrate_storage.rules import explain, load_rules

    settings = settings_of(ctx)
    try:
        ruleset = load_rules(settings.rules_file, path)
    except MigrateStorageError as exc:
        raise _user_error(settings, exc) from None
    click.echo(explain(ruleset, path))


if __name__ == "__main__":  # python -m migrate_storage.codemods.cli.main (or .cli)
    main()
