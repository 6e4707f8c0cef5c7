"""codemods/hunks.py: parsing the CLI's own unified diffs back into hunks, and applying them."""

from __future__ import annotations

import random

import pytest
from migrate_storage.codemods.pipeline.diffing import unified_diff
from migrate_storage.codemods.pipeline.hunks import (
    Hunk,
    apply_hunks,
    line_offsets,
    matches,
    parse_unified,
)


def _edit(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    new = list(lines)
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(new))
        op = rng.randint(0, 2)
        if op == 0:
            new.insert(i, b"x\n")
        elif i < len(new):
            if op == 1:
                del new[i]
            else:
                new[i] = b"y\r\n"
    return new


@pytest.mark.parametrize("context", [0, 1, 3])
def test_parse_then_apply_gives_back_the_new_side(context: int) -> None:
    rng = random.Random(context)
    for _ in range(400):
        old_lines = [rng.choice([b"a\n", b"b\n", b"c\r\n", b"\xe9\n"]) for _ in range(rng.randint(0, 12))]
        old = b"".join(old_lines)
        new = b"".join(_edit(rng, old_lines))
        if rng.random() < 0.3:
            old = old.rstrip(b"\n")  # no newline at the end: git's marker line
        if rng.random() < 0.3:
            new = new.rstrip(b"\n")
        hunks = parse_unified(unified_diff(old, new, "f.py", context=context))
        assert all(matches(old, h) for h in hunks)
        assert apply_hunks(old, hunks) == new


def test_context_is_dropped_and_offsets_are_bytes() -> None:
    old = b"\xef\xbb\xbfa = 1\r\nb = open(p)\r\nc = 3\r\n"
    new = b"\xef\xbb\xbfa = 1\r\nb = open(p, pin=False)\r\nc = 3\r\n"
    (hunk,) = parse_unified(unified_diff(old, new, "f.py"))
    assert hunk == Hunk(1, (b"b = open(p)\r\n",), (b"b = open(p, pin=False)\r\n",))
    assert (hunk.first_line, hunk.last_line) == (2, 2)
    assert line_offsets(old) == [0, 10, 23, 30]
    assert not matches(old.replace(b"open", b"OPEN"), hunk)
