"""Old and new lines of a rewrite aligned in linear time, from the regions it planned.

A general diff (difflib) is quadratic in the number of changes, which grows with the file;
a rewrite needs none: it may only replace the planned regions (the original line spans of
the calls and `with` statements it rewrites) and add or change *loose* lines (blank lines
and runtime imports). So the old lines are a pattern: its *fixed* lines (outside every
region, not loose) must all come back, in order and unchanged; a stretch of old lines
between two fixed lines that holds a region line may become anything, and one that holds
none may only become loose lines. On the fixed lines alone this is glob matching (a
region's stretch is a `*`), which a greedy leftmost search per run of fixed lines (KMP)
decides in one pass: any alignment it finds proves the rewrite stayed inside its regions,
and when it finds none there is none.

Used by safety.compare (the check) and prune.splice (putting cut bodies back).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

Line = TypeVar("Line", str, bytes)


@dataclass(frozen=True, slots=True)
class Alignment:
    """The fixed old lines matched to new lines: (old index, new index) pairs, 0-based."""

    matched: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """No alignment: `line` is the 1-based old line reported (the first fixed line that
    does not come back, or the line after the last one when new fixed lines follow it)."""

    line: int


def region_mask(regions: Sequence[tuple[int, int]], count: int) -> bytearray:
    """Per 0-based line index of `count` lines: 1 when a (1-based, inclusive) region holds it."""
    mask = bytearray(count)
    for first, last in regions:
        low, high = max(first, 1) - 1, min(last, count)
        if low < high:
            mask[low:high] = b"\x01" * (high - low)
    return mask


def align(
    old: Sequence[Line],
    new: Sequence[Line],
    in_region: Sequence[int],
    loose: Callable[[Line], bool],
) -> Alignment | Mismatch:
    """Align `new` to `old` (see the module docstring); `in_region[i]` for old line i."""
    runs: list[list[int]] = [[]]  # runs of fixed old lines with no region line between
    wild = [False]  # per run: whether the stretch before it holds a region line
    for index, line in enumerate(old):
        if in_region[index]:
            if runs[-1]:
                runs.append([])
                wild.append(False)
            wild[-1] = True
        elif not loose(line):
            runs[-1].append(index)
    wild_after = False  # whether the stretch after the last run holds a region line
    if not runs[-1]:
        runs.pop()
        wild_after = wild.pop()
    new_fixed = [j for j, line in enumerate(new) if not loose(line)]
    keys = [new[j] for j in new_fixed]
    matched: list[tuple[int, int]] = []
    position = 0  # in `keys`
    for number, run in enumerate(runs):
        pattern = [old[i] for i in run]
        if not wild[number]:  # only loose lines before it: it comes right where we are
            start = position
        elif number == len(runs) - 1 and not wild_after:  # the last run ends the text
            start = max(len(keys) - len(pattern), position)
        else:
            start = _find(keys, pattern, position)
            if start < 0:
                return Mismatch(_first_missing(old, run, keys, position, search=True))
        if keys[start : start + len(pattern)] != pattern:
            return Mismatch(_first_missing(old, run, keys, start))
        matched.extend(zip(run, new_fixed[start : start + len(pattern)]))
        position = start + len(pattern)
    if not wild_after and position != len(keys):  # a fixed line added after the last run
        after = runs[-1][-1] + 2 if runs else 1
        return Mismatch(min(after, max(len(old), 1)))
    return Alignment(tuple(matched))


def opcodes(
    old: Sequence[Line], new: Sequence[Line], alignment: Alignment
) -> Iterator[tuple[str, int, int, int, int]]:
    """difflib-style ("equal" | "replace", i1, i2, j1, j2) spans covering both sides in
    order: between each two matched fixed lines, the lines both sides share at the ends
    are equal and the rest is replaced (one side of a "replace" may be empty)."""
    bounds = [(-1, -1), *alignment.matched, (len(old), len(new))]
    for (i0, j0), (i1, j1) in itertools.pairwise(bounds):
        low_old, high_old, low_new, high_new = i0 + 1, i1, j0 + 1, j1
        while low_old < high_old and low_new < high_new and old[low_old] == new[low_new]:
            low_old += 1
            low_new += 1
        tail = 0
        while (
            low_old < high_old - tail
            and low_new < high_new - tail
            and old[high_old - 1 - tail] == new[high_new - 1 - tail]
        ):
            tail += 1
        if low_old > i0 + 1:
            yield "equal", i0 + 1, low_old, j0 + 1, low_new
        if low_old < high_old - tail or low_new < high_new - tail:
            yield "replace", low_old, high_old - tail, low_new, high_new - tail
        if tail:
            yield "equal", high_old - tail, high_old, high_new - tail, high_new
        if i1 < len(old):  # the matched fixed line itself
            yield "equal", i1, i1 + 1, j1, j1 + 1


def _find(keys: Sequence[Line], pattern: Sequence[Line], start: int) -> int:
    """Index of the first occurrence of `pattern` in `keys` at or after `start`, or -1
    (Knuth-Morris-Pratt: linear in what it reads)."""
    if not pattern:
        return start
    fail = [0] * len(pattern)
    k = 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = fail[k - 1]
        if pattern[i] == pattern[k]:
            k += 1
        fail[i] = k
    k = 0
    for i in range(start, len(keys)):
        while k and keys[i] != pattern[k]:
            k = fail[k - 1]
        if keys[i] == pattern[k]:
            k += 1
            if k == len(pattern):
                return i - k + 1
    return -1


def _first_missing(
    old: Sequence[Line], run: Sequence[int], keys: Sequence[Line], start: int, *, search: bool = False
) -> int:
    """The 1-based old line to report for a run of fixed lines that does not come back at
    `start` (with `search`: at the first place its first line comes back, if any)."""
    if search:
        start = next((k for k in range(start, len(keys)) if keys[k] == old[run[0]]), -1)
        if start < 0:
            return run[0] + 1
    for offset, index in enumerate(run):
        if start + offset >= len(keys) or keys[start + offset] != old[index]:
            return index + 1
    return min(run[-1] + 2, max(len(old), 1))
