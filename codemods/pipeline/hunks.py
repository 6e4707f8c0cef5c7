"""Changed regions of a rewrite, as data: parsed from a unified diff, with byte offsets.

A `Hunk` is one changed region without context: the old lines it replaces (from 0-based
line index `start`) and the new lines it puts there. SARIF fixes (`report/sarif.py`) turn
each hunk into a replacement (`deletedRegion` by byte offset and length, exact for any
encoding and for CRLF files, plus `insertedContent`).

Lines are split the way git splits them (`diffing.split_lines`): on `\\n` only, so a
`\\r` stays part of its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate_storage.codemods.pipeline.diffing import NO_NEWLINE, split_lines

_HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True, slots=True)
class Hunk:
    """Old lines `old` (starting at 0-based line index `start`) become `new`."""

    start: int
    old: tuple[bytes, ...]
    new: tuple[bytes, ...]

    @property
    def first_line(self) -> int:
        """1-based number of the first old line replaced (or inserted before)."""
        return self.start + 1

    @property
    def last_line(self) -> int:
        """1-based number of the last old line replaced (= first_line - 1 for an insertion)."""
        return self.start + len(self.old)


def _trim(start: int, old: list[bytes], new: list[bytes], kinds: list[bytes]) -> Hunk:
    """Drop the context lines at both ends of a parsed hunk."""
    lead = 0
    while lead < len(kinds) and kinds[lead] == b" ":
        lead += 1
    tail = 0
    while tail < len(kinds) - lead and kinds[len(kinds) - 1 - tail] == b" ":
        tail += 1
    old_keep = old[lead : len(old) - tail]
    new_keep = new[lead : len(new) - tail]
    return Hunk(start + lead, tuple(old_keep), tuple(new_keep))


def parse_unified(diff: bytes) -> list[Hunk]:
    """The hunks of a one-file unified diff (as `diffing.unified_diff` makes), context dropped."""
    hunks: list[Hunk] = []
    state: tuple[int, list[bytes], list[bytes], list[bytes]] | None = None
    last: list[bytes] | None = None  # the list the previous body line went into

    def flush() -> None:
        if state is not None:
            hunks.append(_trim(*state))

    for line in split_lines(diff):
        match = _HUNK_HEADER.match(line)
        if match:
            flush()
            old_start, old_count = int(match.group(1)), match.group(2)
            # "-0,0" (an empty old side) and "-N,0" (insert after line N) both mean index N.
            start = old_start if old_count == b"0" else old_start - 1
            state = (start, [], [], [])
            continue
        if state is None:  # the ---/+++ header lines
            continue
        _, old, new, kinds = state
        if line == NO_NEWLINE:
            targets = [old, new] if last is None else [last]
            for target in targets:
                if target and target[-1].endswith(b"\n"):
                    target[-1] = target[-1][:-1]
            continue
        kind, body = line[:1], line[1:]
        if kind == b" ":
            old.append(body)
            new.append(body)
            kinds.append(b" ")
            last = None  # a context line's marker applies to both sides
        elif kind == b"-":
            old.append(body)
            last = old
        elif kind == b"+":
            new.append(body)
            last = new
        if kind in (b"-", b"+"):  # breaks the leading/trailing run of context lines
            kinds.append(kind)
    flush()
    return hunks


def line_offsets(data: bytes) -> list[int]:
    """Byte offset of the start of each line, plus one past the end (len(data))."""
    offsets = [0]
    for line in split_lines(data):
        offsets.append(offsets[-1] + len(line))
    return offsets


def matches(data: bytes, hunk: Hunk) -> bool:
    """Whether `data` still holds the hunk's old lines where the hunk says."""
    lines = split_lines(data)
    return tuple(lines[hunk.start : hunk.start + len(hunk.old)]) == hunk.old


def apply_hunks(data: bytes, hunks: list[Hunk]) -> bytes:
    """`data` with the given (non-overlapping) hunks applied."""
    lines = split_lines(data)
    for hunk in sorted(hunks, key=lambda h: h.start, reverse=True):
        lines[hunk.start : hunk.start + len(hunk.old)] = list(hunk.new)
    return b"".join(lines)
