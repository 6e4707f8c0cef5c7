"""Keep bytes LibCST would not reproduce: carry only the rewrite's own lines over.

LibCST's parser occasionally loses a byte on a round trip (seen in real code:
`except (A, B) :` comes back without the space before the colon). When the untouched
parse does not reproduce the source, the rewrite is applied as a line merge instead:
the hunks between LibCST's reproduction and its rewritten output are applied to the
*original* lines, wherever the reproduction agrees with the original around them.
A hunk on a line LibCST did not reproduce cannot be merged: the caller skips the file.
"""

from __future__ import annotations

import difflib


class MergeConflict(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def merge_rewrite(original: bytes, reproduced: bytes, rewritten: bytes) -> bytes:
    """`original` plus the changes that turn `reproduced` into `rewritten`."""
    base = reproduced.splitlines(keepends=True)
    ours = original.splitlines(keepends=True)
    new = rewritten.splitlines(keepends=True)
    # base line index -> original line index, for lines both have unchanged.
    mapping: dict[int, int] = {}
    for block in difflib.SequenceMatcher(
        None, base, ours, autojunk=False
    ).get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    out: list[bytes] = []
    cursor = 0  # next original line to copy
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, base, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            continue
        if any(i not in mapping for i in range(i1, i2)):
            raise MergeConflict(i1 + 1)
        if i1 < i2:
            start, end = mapping[i1], mapping[i2 - 1] + 1
            if end - start != i2 - i1:
                raise MergeConflict(i1 + 1)
        elif i1 in mapping:
            start = end = mapping[i1]
        elif i1 - 1 in mapping:
            start = end = mapping[i1 - 1] + 1
        elif i1 == 0:
            start = end = 0
        else:
            raise MergeConflict(i1 + 1)
        if start < cursor:
            raise MergeConflict(i1 + 1)
        out.extend(ours[cursor:start])
        out.extend(new[j1:j2])
        cursor = end
    out.extend(ours[cursor:])
    return b"".join(out)
