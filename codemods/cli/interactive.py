"""`apply --interactive`: review the rewrite piece by piece, apply what was accepted.

The engine rewrites whole files (`transform_source` cannot rewrite only some sites), so
the choice is made on the rewrite's diff, split into changed regions without context
(`Hunk`s). Each question (`Unit`) is one hunk that changes the line of one or more
pending sites, shown with each site's rule id, family, strategy and call. Sites whose
rewrites overlap (`with open(p, "w") as f: json.dump(x, f)` becomes one
`storage.dump_json` line) share a hunk and are accepted or skipped together. Sites whose
own line does not change (`open(p).read()` moves onto the runtime through the added
`from storage_runtime import open` alone) are asked about together, as one last question
showing that import. So the granularity is the hunk: the site in the common case.

Hunks without a site of their own (the added import) are applied whenever any question of
the file is accepted. When only some questions of a file are accepted, the partial file
is checked before it is written: it must compile, a fresh scan must still find every
skipped site pending, and no new unmigrated site may appear. That refuses, for example,
accepting one `open()` rewrite while skipping an `open()` that only the import would move:
the import would silently move the skipped call too. A refused file is left unchanged,
with a message, and the run exits 2.

Keys: y apply, n skip, a apply the rest of this file, d skip the rest of this file,
q quit (what was accepted so far is applied), ? help. Skipped questions are recorded in
`<root>/.migrate-storage/skipped.json` (by a hash of the file's path and the hunks' old
and new lines, so unrelated edits that move them do not make it ask again) and are not
asked again unless `--ask-again`. Files are written atomically (`writing.replace_file`,
checking the file is still what was shown) and the run is recorded for `undo` like any
apply.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migrate_storage.codemods.cli.journal import STATE_DIR, Journal
from migrate_storage.codemods.model import Site, Status
from migrate_storage.codemods.pipeline.diffing import colorize, unified_diff
from migrate_storage.codemods.pipeline.hunks import (
    Hunk,
    apply_hunks,
    matches,
    parse_unified,
)
from migrate_storage.codemods.pipeline.writing import (
    WriteRefused,
    replace_file,
    write_own_file,
)
from migrate_storage.codemods.report.sarif import rule_id

SKIPPED_FILE = "skipped.json"
KEYS = "ynadq?"
HELP = """\
y - apply this rewrite
n - skip it (recorded: not asked again unless --ask-again)
a - apply it and the rest of this file
d - skip it and the rest of this file
q - quit; what was accepted so far is applied
? - show this help
"""


@dataclass
class Outcome:
    """What an interactive run did (for the summary and the exit code)."""

    applied: list[tuple[str, int]] = field(default_factory=list)  # (path, hunks applied)
    skipped: int = 0  # hunks skipped now
    skipped_before: int = 0  # hunks not asked: skipped in an earlier run
    refused: list[str] = field(default_factory=list)  # "path: reason"
    quit: bool = False


@contextlib.contextmanager
def cbreak(fd: int) -> Iterator[None]:
    """Keys arrive one by one, unechoed, for the whole review (Ctrl-C still interrupts);
    the terminal's settings are restored afterwards, whatever happens."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # not TCSAFLUSH: keys typed ahead are kept
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def fingerprint(path: str, hunks: list[Hunk]) -> str:
    """Names a question across runs: the file and the hunks' old and new lines (not their
    line numbers, so unrelated edits above do not make it ask again)."""
    digest = hashlib.sha256(path.encode())
    for hunk in hunks:
        for part in (b"\0", *hunk.old, b"\0", *hunk.new):
            digest.update(part)
    return digest.hexdigest()[:32]


class SkipState:
    """The hunks skipped in earlier interactive runs, kept in .migrate-storage/skipped.json."""

    def __init__(self, root: Path) -> None:
        self.file = root / STATE_DIR / SKIPPED_FILE
        try:
            self.data: dict[str, list[str]] = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def has(self, path: str, fp: str) -> bool:
        return fp in self.data.get(path, [])

    def set(self, path: str, fp: str, skipped: bool) -> None:
        known = [f for f in self.data.get(path, []) if f != fp]
        self.data[path] = known + [fp] if skipped else known
        if not self.data[path]:
            del self.data[path]

    def save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        ignore = self.file.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# migrate-storage's apply records and review state\n*\n")
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        write_own_file(self.file, text.encode("utf-8"))


def describe(site: Site) -> str:
    strategy = f", strategy {site.strategy.value}" if site.strategy else ""
    return f"{rule_id(site.family)} {site.name}() (family {site.family.value}{strategy})"


def verify_partial(candidate: bytes, path: str, policy: Any, before: list[Site], skipped: list[Site]) -> str | None:
    """Why a partially rewritten file must not be written, or None when it is sound."""
    from migrate_storage.codemods.pipeline.engine import transform_source

    try:
        compile(candidate, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"the partial rewrite does not compile ({exc})"
    scan = transform_source(candidate, path, policy, rewrite=False)
    still = Counter((s.family, s.name) for s in scan.sites if s.status is Status.PENDING)
    if still != Counter((s.family, s.name) for s in skipped):
        return ("the skipped sites share the added import with the accepted ones, so they "
                "would change too; accept all or none of them (or use the rules file)")
    unmigrated = Counter(s.reason for s in before if s.status is Status.UNMIGRATED)
    if Counter(s.reason for s in scan.sites if s.status is Status.UNMIGRATED) != unmigrated:
        return "the partial rewrite leaves sites the runtime cannot take"
    return None


Ask = Callable[[str], str]  # prompt -> one key of KEYS
Show = Callable[[bytes], None]


def review(result: Any, ruleset: Any, root: Path, *, ask: Ask, show: Show, color: bool,
           ask_again: bool, journal: Journal) -> Outcome:
    """Ask about every unit (see `units`) of every changed file of a diff-mode RunResult,
    apply what was accepted, and record what was skipped."""
    state = SkipState(root)
    outcome = Outcome()
    for report in result.changed:
        if outcome.quit:
            break
        rel = _rel(report.real_path, root)
        try:
            old = Path(report.real_path).read_bytes()
        except OSError as exc:
            outcome.refused.append(f"{report.path}: cannot read: {exc.strerror}")
            continue
        hunks = parse_unified(report.diff or b"")
        if not all(matches(old, h) for h in hunks):
            outcome.refused.append(f"{report.path}: changed on disk during the review; skipped")
            continue
        hunks = parse_unified(unified_diff(old, apply_hunks(old, hunks), report.path, context=0))
        asked = units(hunks, list(report.rewritten))
        owned = {i for unit in asked if not unit.by_import for i in unit.hunks}
        needs = b"".join(line for i, h in enumerate(hunks) if i not in owned for line in h.new)
        accepted: list[Unit] = []
        rest: str | None = None
        for n, unit in enumerate(asked, 1):
            fp = fingerprint(rel, [hunks[i] for i in unit.hunks])
            if state.has(rel, fp) and not ask_again:
                outcome.skipped_before += 1
                continue
            key = rest
            while key is None:
                show(show_unit(report.path, old, [hunks[i] for i in unit.hunks], unit, color))
                if needs.strip() and not unit.by_import and not accepted:
                    show(b"(accepting it also adds: " + b" ".join(needs.split()) + b")\n")
                key = ask(f"({n}/{len(asked)}) Apply this rewrite [y,n,a,d,q,?]? ")
                if key == "?":
                    show(HELP.encode())
                    key = None
            if key in ("a", "d"):
                rest = key
            if key == "q":
                outcome.quit = True
                break
            take = key in ("y", "a")
            state.set(rel, fp, skipped=not take)
            if take:
                accepted.append(unit)
            else:
                outcome.skipped += 1
        if accepted:
            _write(report, ruleset, old, hunks, asked, accepted, journal, outcome)
    state.save()
    return outcome


@dataclass(frozen=True)
class Unit:
    """What one question covers: hunks (indices) and the pending sites they rewrite."""

    hunks: tuple[int, ...]
    sites: tuple[Site, ...]
    by_import: bool = False  # sites whose line is unchanged: the added import rewrites them


def units(hunks: list[Hunk], pending: list[Site]) -> list[Unit]:
    """One unit per hunk that replaces a pending site's line, with the sites on its lines;
    then, if some pending sites lie on no changed line (`open(p)` becomes the runtime's
    `open` only through the added import), one unit for those, shown as the other hunks
    (the import). Those other hunks are applied with any accepted unit of the file."""
    owned: dict[int, list[Site]] = {}
    loose: list[Site] = []
    for site in pending:
        here = [i for i, h in enumerate(hunks) if h.old and h.first_line <= site.line <= h.last_line]
        if here:
            owned.setdefault(here[0], []).append(site)
        else:
            loose.append(site)
    out = [Unit((i,), tuple(owned[i])) for i in sorted(owned)]
    if loose:
        support = tuple(i for i in range(len(hunks)) if i not in owned)
        out.append(Unit(support, tuple(loose), by_import=True))
    return out


def show_unit(path: str, old: bytes, hunks: list[Hunk], unit: Unit, color: bool) -> bytes:
    """A small diff of a unit's hunks with two lines of context, headed by its sites."""
    lines = [f"{path}:{s.line}:{s.column + 1}: {describe(s)}\n".encode() for s in unit.sites]
    if unit.by_import:
        lines.append(b"(these calls are rewritten by the import below; their lines do not change)\n")
    diff = unified_diff(old, apply_hunks(old, hunks), path, context=2)
    body = b"".join(diff.splitlines(keepends=True)[2:])  # without the ---/+++ header
    return b"".join(lines) + (colorize(body) if color else body)


def _rel(real_path: Path, root: Path) -> str:
    try:
        return Path(real_path).relative_to(root).as_posix()
    except ValueError:
        return str(real_path)


def _write(report: Any, ruleset: Any, old: bytes, hunks: list[Hunk], asked: list[Unit],
           accepted: list[Unit], journal: Journal, outcome: Outcome) -> None:
    owned = {i for unit in asked if not unit.by_import for i in unit.hunks}
    required = [i for i in range(len(hunks)) if i not in owned]  # imports: needed by any unit
    chosen = sorted({*required, *(i for unit in accepted for i in unit.hunks)})
    candidate = apply_hunks(old, [hunks[i] for i in chosen])
    if len(accepted) < len(asked):
        skipped = [s for unit in asked if unit not in accepted for s in unit.sites]
        policy = ruleset.policy_for(Path(report.real_path))
        problem = verify_partial(candidate, report.path, policy, list(report.sites), skipped)
        if problem is not None:
            outcome.refused.append(f"{report.path}: not written: {problem}")
            return
    real = Path(report.real_path)
    try:
        replace_file(real, candidate, expected_sha256=hashlib.sha256(old).hexdigest(), roots=[real])
    except WriteRefused as exc:
        outcome.refused.append(f"{report.path}: {exc.reason}")
        return
    sites = tuple(s for unit in accepted for s in unit.sites)
    journal.add(replace(report, sites=sites), old, candidate)
    outcome.applied.append((report.path, len(sites)))
