"""Unified diffs that `git apply` accepts, built on bytes so nothing is lost on the way.

The diff is computed on the raw bytes (difflib on lists of bytes; see `opcodes` for large
files), split on `\\n` only, the way git
splits lines: a CRLF file keeps its `\\r` in every line of the diff, a file in Latin-1 is
not re-encoded, and a last line without a newline gets git's `\\ No newline at end of file`
marker. Paths are `a/<path>` and `b/<path>` with `path` relative to the current folder, so
`migrate-storage diff src | git apply` works from the repository root.

Color is applied afterwards (`colorize`), only when asked for; the plain diff is what gets
computed (in the worker) and what a pipe receives.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Iterator, Sequence

NO_NEWLINE = b"\\ No newline at end of file\n"

_RESET = b"\x1b[0m"
_STYLES = {
    b"---": b"\x1b[1m",  # bold
    b"+++": b"\x1b[1m",
    b"@@": b"\x1b[36m",  # cyan
    b"-": b"\x1b[31m",  # red
    b"+": b"\x1b[32m",  # green
}


def split_lines(data: bytes) -> list[bytes]:
    """Lines as git sees them: split after each `\\n`, the last one possibly without it."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _quote(path: str) -> bytes:
    return path.replace("\\", "/").encode("utf-8", "surrogateescape")


def unified_diff(old: bytes, new: bytes, path: str, *, context: int = 3) -> bytes:
    """The diff from `old` to `new` for the file at `path` (empty when they are equal)."""
    if old == new:
        return b""
    name = _quote(path)
    a, b = split_lines(old), split_lines(new)
    out: list[bytes] = [b"--- a/" + name + b"\n", b"+++ b/" + name + b"\n"]
    for group in _grouped(opcodes(a, b), context):
        first, last = group[0], group[-1]
        old_range = _range(first[1], last[2])
        new_range = _range(first[3], last[4])
        out.append(b"@@ -%s +%s @@\n" % (old_range, new_range))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(b" " + line for line in a[i1:i2])
                continue
            out.extend(b"-" + line for line in a[i1:i2])
            out.extend(b"+" + line for line in b[j1:j2])
    return b"".join(
        line if line.endswith(b"\n") else line + b"\n" + NO_NEWLINE  # a last line without one
        for line in out
    )


# Up to this many lines (old + new), one difflib pass diffs the whole file, as `diff` and
# git would; beyond it, difflib (quadratic in the number of changes) only sees pieces.
_WHOLE_LINES = 2_000
# The largest piece (old lines x new lines) difflib is given; a larger piece with no line
# unique on both sides becomes one replaced block (still a correct diff, just coarser).
_PIECE_CELLS = 40_000


def opcodes(a: Sequence[bytes], b: Sequence[bytes]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes from lines `a` to lines `b`, with bounded work per line.

    A small file gets difflib's own answer. A large one is first cut at its common ends
    and at the lines that occur exactly once on each side and keep their order (the
    anchors of a patience diff, found in O(n log n)); difflib diffs each piece between
    two anchors when the piece is small enough (so it costs at most _PIECE_CELLS per
    piece, and at most sqrt(_PIECE_CELLS) per line overall), and a larger one is replaced
    whole."""
    if len(a) + len(b) <= _WHOLE_LINES:
        return difflib.SequenceMatcher(None, a, b).get_opcodes()
    raw: list[tuple[str, int, int, int, int]] = []
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    raw.append(("equal", 0, head, 0, head))
    i, j = head, head
    for ai, bj in _anchors(a, b, head, len(a) - tail, head, len(b) - tail):
        raw.extend(_piece(a, b, i, ai, j, bj))
        raw.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    raw.extend(_piece(a, b, i, len(a) - tail, j, len(b) - tail))
    raw.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    merged: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in raw:
        if i1 == i2 and j1 == j2:
            continue
        kind = "equal" if tag == "equal" else "replace"
        if merged and (merged[-1][0] == "equal") == (kind == "equal"):
            merged[-1] = (kind, merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append((kind, i1, i2, j1, j2))
    return [
        (tag if tag == "equal" or (i1 < i2 and j1 < j2) else "delete" if i1 < i2 else "insert", i1, i2, j1, j2)
        for tag, i1, i2, j1, j2 in merged
    ]


def _anchors(
    a: Sequence[bytes], b: Sequence[bytes], a_low: int, a_high: int, b_low: int, b_high: int
) -> list[tuple[int, int]]:
    """(index in a, index in b) of the lines unique on both sides, the longest run of them
    in the same order on both (patience sorting)."""
    count_a = Counter(a[a_low:a_high])
    count_b = Counter(b[b_low:b_high])
    where_a = {a[i]: i for i in range(a_low, a_high) if count_a[a[i]] == 1}
    pairs = [
        (where_a[b[j]], j) for j in range(b_low, b_high) if count_b[b[j]] == 1 and b[j] in where_a
    ]
    # Longest increasing subsequence of the a-indexes (pairs are in b order).
    tops: list[int] = []  # a-index ending the best run of each length
    ends: list[int] = []  # the pair index holding it
    previous = [-1] * len(pairs)
    for index, (ai, _) in enumerate(pairs):
        length = bisect.bisect_left(tops, ai)
        if length == len(tops):
            tops.append(ai)
            ends.append(index)
        else:
            tops[length] = ai
            ends[length] = index
        previous[index] = ends[length - 1] if length else -1
    chain: list[tuple[int, int]] = []
    at = ends[-1] if ends else -1
    while at >= 0:
        chain.append(pairs[at])
        at = previous[at]
    return chain[::-1]


def _piece(
    a: Sequence[bytes], b: Sequence[bytes], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[str, int, int, int, int]]:
    """Opcodes of a[i1:i2] -> b[j1:j2]: difflib's when the piece is small enough, else one
    replaced block."""
    if i1 == i2 or j1 == j2 or (i2 - i1) * (j2 - j1) > _PIECE_CELLS:
        return [("replace", i1, i2, j1, j2)]
    matcher = difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False)
    return [(tag, x1 + i1, x2 + i1, y1 + j1, y2 + j1) for tag, x1, x2, y1, y2 in matcher.get_opcodes()]


def _grouped(
    codes: list[tuple[str, int, int, int, int]], context: int
) -> Iterator[list[tuple[str, int, int, int, int]]]:
    """The hunks of `codes` with `context` lines around changes (difflib's
    SequenceMatcher.get_grouped_opcodes, on given opcodes)."""
    codes = list(codes) or [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    group: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> bytes:
    """A hunk header's range, as difflib (and `diff -u`) write it."""
    length = stop - start
    if length == 1:
        return b"%d" % (start + 1)
    return b"%d,%d" % (start + 1 if length else start, length)


def colorize(diff: bytes) -> bytes:
    """`diff` with ANSI colors per line (headers bold, hunks cyan, removals red, additions
    green); the bytes of each line are kept, only escapes are added around them."""
    out: list[bytes] = []
    for line in split_lines(diff):
        body = line.rstrip(b"\n")
        end = line[len(body) :]
        style = next((s for prefix, s in _STYLES.items() if line.startswith(prefix)), None)
        out.append(style + body + _RESET + end if style else line)
    return b"".join(out)
