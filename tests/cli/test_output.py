"""output: the summary's wording and the terminal-only progress bar."""

from __future__ import annotations

import io
from pathlib import Path

from migrate_storage.codemods.cli.output import Progress, file_lines, summary_lines
from migrate_storage.codemods.model import (
    Family,
    FileResult,
    FileStatus,
    Reason,
    Site,
    Status,
    Strategy,
)
from migrate_storage.codemods.pipeline.discovery import Skipped
from migrate_storage.codemods.pipeline.runner import RunResult
from migrate_storage.codemods.settings import Mode, Settings


def site(family: Family, status: Status, strategy: Strategy | None = None, reason: Reason | None = None) -> Site:
    return Site("a.py", 1, 0, family, family.value, status, reason, strategy)


def result(mode: Mode) -> RunResult:
    p = Path("/x")
    return RunResult(mode, (
        FileResult("a.py", FileStatus.CHANGED, real_path=p / "a.py", sites=(
            site(Family.OPEN, Status.PENDING, Strategy.PIN), site(Family.OPEN, Status.PENDING, Strategy.PIN),
            site(Family.JSON, Status.PENDING, Strategy.CACHE),
            site(Family.PATHLIB, Status.UNMIGRATED, reason=Reason.RECEIVER_UNKNOWN),
            site(Family.OPEN, Status.LOCAL, reason=Reason.LOCAL_RULE),
        )),
        FileResult("b.py", FileStatus.CACHED, real_path=p / "b.py", left_alone_cached=(("receiver type unknown", 2),)),
        FileResult("c.py", FileStatus.FAILED, real_path=p / "c.py", message="c.py:3: cannot parse: invalid syntax"),
        FileResult("d.py", FileStatus.SKIPPED, real_path=p / "d.py", message="d.py:1: @generated file"),
        FileResult("e.py", FileStatus.EXCLUDED, real_path=p / "e.py"),
    ), (Skipped("link.py", "symlink to /etc/x.py, outside the paths given; not edited"),))


def test_apply_summary() -> None:
    assert summary_lines(result(Mode.APPLY)) == [
        "5 files scanned: 1 rewritten, 1 unchanged (1 cached), 1 excluded, 1 skipped, 1 failed, 1 path not taken.",
        "Rewrote 3 sites: json/cache 1, open/pin 2.",
        "Left alone 4 sites: receiver type unknown 3, rule says local 1.",
    ]


def test_check_summary_and_file_lines() -> None:
    r = result(Mode.CHECK)
    assert summary_lines(r)[0].startswith("5 files scanned: 1 would be rewritten,")
    assert summary_lines(r)[-1] == "Run `migrate-storage apply` to rewrite them."
    assert file_lines(r, Settings()) == [
        "would rewrite a.py (3 sites)",
        "error: c.py:3: cannot parse: invalid syntax",
        "skipped: d.py:1: @generated file",
        "skipped: link.py: symlink to /etc/x.py, outside the paths given; not edited",
    ]


def test_quiet_keeps_errors_only() -> None:
    assert file_lines(result(Mode.APPLY), Settings(quiet=True)) == ["error: c.py:3: cannot parse: invalid syntax"]


def test_verbose_names_rewritten_and_excluded_files() -> None:
    lines = file_lines(result(Mode.APPLY), Settings(verbose=True))
    assert "rewrote a.py (3 sites)" in lines and "excluded: e.py" in lines


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_itself() -> None:
    stream = Terminal()
    report = FileResult("a.py", FileStatus.UNCHANGED, real_path=Path("/a.py"))
    with Progress(Settings(), stream) as progress:
        progress(report, 1, 4)
        progress(report, 4, 4)
    assert stream.getvalue().endswith("[##############################] 4/4 files\r\x1b[K")


def test_no_progress_off_a_terminal_or_when_quiet() -> None:
    report = FileResult("a.py", FileStatus.UNCHANGED, real_path=Path("/a.py"))
    for stream, settings in ((io.StringIO(), Settings()), (Terminal(), Settings(quiet=True))):
        with Progress(settings, stream) as progress:
            progress(report, 1, 2)
            progress(report, 2, 2)
        assert stream.getvalue() == ""


def test_no_files_says_so() -> None:
    assert summary_lines(RunResult(Mode.APPLY, ())) == ["No Python files found: nothing to do."]
