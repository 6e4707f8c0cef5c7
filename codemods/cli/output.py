"""What the CLI prints for a RunResult: diffs (stdout), progress and the summary (stderr).

Pure formatting (`summary_lines`) is kept apart from echoing so tests can read it. Quiet by
default, like black and ruff: per-file lines only for what needs attention (errors,
skipped files, and in check mode the files that would change); `--verbose` adds every
rewritten file; `--quiet` prints errors only. The summary ends the output.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from types import TracebackType
from typing import IO, Any

import click
from migrate_storage.codemods.model import Family, FileResult, FileStatus, Strategy
from migrate_storage.codemods.pipeline.diffing import colorize
from migrate_storage.codemods.pipeline.runner import RunResult
from migrate_storage.codemods.settings import Color, Mode, Settings


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _wants_color(settings: Settings, stream: IO[Any]) -> bool:
    if settings.color is Color.AUTO:  # a terminal, unless NO_COLOR (no-color.org) is set
        if os.environ.get("NO_COLOR"):
            return False
        return bool(getattr(stream, "isatty", lambda: False)())
    return settings.color is Color.ALWAYS


def write_diffs(result: RunResult, settings: Settings) -> None:
    """Every CHANGED file's diff, in path order, as bytes (encodings and CRLF kept)."""
    color = _wants_color(settings, sys.stdout)
    for report in result.changed:
        if report.diff:  # bytes: click.echo writes them to the binary buffer as they are
            click.echo(colorize(report.diff) if color else report.diff, nl=False)


def _families(counter: Counter[tuple[Family, Strategy | None]]) -> str:
    parts = [
        f"{family.value}/{strategy.value} {n}" if strategy is not None else f"{family.value} {n}"
        for (family, strategy), n in sorted(
            counter.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value if kv[0][1] else "")
        )
    ]
    return ", ".join(parts)


def _reasons(counter: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def file_lines(result: RunResult, settings: Settings) -> list[str]:
    """The per-file lines: errors, skips, and changed files (check mode, or --verbose)."""
    lines: list[str] = []
    for report in result.files:
        if report.status is FileStatus.FAILED:
            message = report.message or report.path  # a traceback only under --verbose
            lines.append(f"error: {message if settings.verbose else message.splitlines()[0]}")
        elif report.status is FileStatus.SKIPPED and not settings.quiet:
            lines.append(f"skipped: {report.message}")
        elif report.status is FileStatus.CHANGED and not settings.quiet:
            sites = _plural(len(report.rewritten), "site")
            if result.mode is Mode.CHECK:
                lines.append(f"would rewrite {report.path} ({sites})")
            elif settings.verbose and result.mode is Mode.APPLY:
                lines.append(f"rewrote {report.path} ({sites})")
        elif settings.verbose and report.status is FileStatus.EXCLUDED:
            lines.append(f"excluded: {report.path}")
    for skip in result.skipped:
        if skip.error:
            lines.append(f"error: {skip.path}: {skip.reason}")
        elif not settings.quiet:
            lines.append(f"skipped: {skip.path}: {skip.reason}")
    return lines


def summary_lines(result: RunResult) -> list[str]:
    """The closing summary: files, sites rewritten per family/strategy, sites left alone."""
    if not result.files:
        return ["No Python files found: nothing to do."]
    pending = result.mode in (Mode.CHECK, Mode.DIFF)
    n_changed = len(result.changed)
    changed = f"{n_changed} would be rewritten" if pending else f"{n_changed} rewritten"
    unchanged = result.count(FileStatus.UNCHANGED) + result.count(FileStatus.CACHED)
    parts = [changed, f"{unchanged} unchanged"]
    if result.count(FileStatus.CACHED):
        parts[-1] += f" ({result.count(FileStatus.CACHED)} cached)"
    for status in (FileStatus.EXCLUDED, FileStatus.SKIPPED, FileStatus.FAILED):
        if result.count(status):
            parts.append(f"{result.count(status)} {status.value}")
    not_taken = len(result.skipped)
    if not_taken:
        parts.append(f"{_plural(not_taken, 'path')} not taken")
    lines = [f"{_plural(len(result.files), 'file')} scanned: {', '.join(parts)}."]
    rewritten = result.rewritten_by()
    if rewritten:
        verb = "Would rewrite" if pending else "Rewrote"
        total = sum(rewritten.values())
        lines.append(f"{verb} {_plural(total, 'site')}: {_families(rewritten)}.")
    left = result.left_alone_by()
    if left:
        lines.append(f"Left alone {_plural(sum(left.values()), 'site')}: {_reasons(left)}.")
    if result.removed_temp_files:
        lines.append(f"Removed {_plural(len(result.removed_temp_files), 'temporary file')} "
                     "left by an interrupted run.")
    if result.mode is Mode.CHECK and n_changed:
        lines.append("Run `migrate-storage apply` to rewrite them.")
    return lines


def echo_summary(result: RunResult, settings: Settings) -> None:
    for line in file_lines(result, settings):
        click.echo(line, err=True)
    if not settings.quiet:
        for line in summary_lines(result):
            click.echo(line, err=True)


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal (and not --quiet).

    Redrawn at most ten times a second, and erased at the end, so the summary that follows
    starts on a clean line and nothing of it reaches a log file or a pipe.
    """

    WIDTH = 30

    def __init__(self, settings: Settings, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not settings.quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn = False
        self._last = 0.0

    def __enter__(self) -> Progress:
        return self

    def __call__(self, report: FileResult, done: int, total: int) -> None:
        if not self.enabled or total < 2:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} files")
        self.stream.flush()
        self._drawn = True

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


__all__ = ["Progress", "echo_summary", "file_lines", "summary_lines", "write_diffs"]
