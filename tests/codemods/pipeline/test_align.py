"""The linear alignment behind the safety check and the cut splice, and the bounded diff
of large files: checked against brute force and by applying what they produce."""

from __future__ import annotations

import itertools
import random

from migrate_storage.codemods.pipeline import align as _align
from migrate_storage.codemods.pipeline import diffing, hunks, safety

POOL = ["a = 1\n", "b = 2\n", "\n", "def f():\n", "    return x\n", "from storage_runtime import open\n"]


def _loose(line: str) -> bool:
    return not line.strip() or line.startswith("from storage_runtime import")


def _explains(old: list[str], new: list[str], mask: bytearray) -> bool:
    """Brute force: can `new` be made from `old` by replacing region stretches with
    anything and loose stretches with loose lines? (Dynamic programming over both.)"""
    @__import__("functools").cache
    def ok(i: int, j: int) -> bool:
        if i == len(old):
            return all(_loose(line) for line in new[j:]) or any(mask[k] for k in range(i)) and _tail_wild(i, j)
        if mask[i]:  # a region line: it and any new lines may go
            return any(ok(i + 1, k) for k in range(j, len(new) + 1))
        if _loose(old[i]):
            if ok(i + 1, j):
                return True
        if j < len(new) and _loose(new[j]) and ok(i, j + 1):
            return True
        return j < len(new) and old[i] == new[j] and not _loose(old[i]) and ok(i + 1, j + 1)

    def _tail_wild(i: int, j: int) -> bool:  # new lines left after the old ones: only after a region
        last_fixed = max((k for k in range(len(old)) if not mask[k] and not _loose(old[k])), default=-1)
        return any(mask[k] for k in range(last_fixed + 1, len(old)))

    return ok(0, 0)


def _case(seed: int) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    rnd = random.Random(seed)
    old = [rnd.choice(POOL) for _ in range(rnd.randint(0, 9))]
    regions = []
    for _ in range(rnd.randint(0, 2)):
        if old:
            first = rnd.randint(1, len(old))
            regions.append((first, min(len(old), first + rnd.randint(0, 2))))
    new = list(old)
    for first, last in sorted(regions, reverse=True):
        new[first - 1 : last] = [rnd.choice(POOL) for _ in range(rnd.randint(0, 2))]
    for _ in range(rnd.randint(0, 2)):
        if rnd.random() < 0.5 or not new:
            new.insert(rnd.randint(0, len(new)), rnd.choice(POOL))
        else:
            new[rnd.randrange(len(new))] = rnd.choice(POOL)
    return old, new, regions


def test_the_alignment_is_found_exactly_when_one_exists() -> None:
    for seed in range(3000):
        old, new, regions = _case(seed)
        mask = _align.region_mask(regions, len(old))
        found = _align.align(old, new, mask, _loose)
        assert isinstance(found, _align.Alignment) == _explains(old, new, mask), (old, new, regions)
        if isinstance(found, _align.Alignment):
            codes = list(_align.opcodes(old, new, found))
            # The opcodes cover both sides in order, equal spans are equal, and every
            # old line of a replaced span is in a region or loose.
            assert [c[1:3] for c in codes] == [c[1:3] for c in codes if c[1] < c[2] or c[3] < c[4]]
            assert list(itertools.chain.from_iterable(range(c[1], c[2]) for c in codes)) == list(range(len(old)))
            assert list(itertools.chain.from_iterable(range(c[3], c[4]) for c in codes)) == list(range(len(new)))
            for tag, i1, i2, j1, j2 in codes:
                if tag == "equal":
                    assert old[i1:i2] == new[j1:j2]
                else:
                    assert all(mask[i] or _loose(old[i]) for i in range(i1, i2))


def test_compare_reports_a_stray_line_exactly_when_no_alignment_exists() -> None:
    for seed in range(1000):
        old, new, regions = _case(seed)
        changes = safety.compare("".join(old), "".join(new), regions, "storage_runtime")
        explained = _explains(old, new, _align.region_mask(regions, len(old)))
        assert (changes.stray == []) == explained
        assert all(1 <= line <= max(len(old), 1) for line in changes.stray)


def test_the_diff_of_a_large_file_applies_and_a_small_one_is_difflibs(monkeypatch) -> None:
    import difflib

    rnd = random.Random(7)
    for size in (30, 3000):
        for _ in range(40):
            old = [rnd.choice([b"x\n", b"\n", b"y = 1\n"]) if rnd.random() < 0.5 else b"u%d\n" % rnd.randrange(10**9) for _ in range(size)]
            new = list(old)
            for _ in range(rnd.randint(1, 30)):
                at = rnd.randrange(len(new))
                if rnd.random() < 0.5:
                    new[at] = b"changed %d\n" % at
                else:
                    new.insert(at, b"\n")
            a, b = b"".join(old), b"".join(new)
            diff = diffing.unified_diff(a, b, "m.py")
            assert hunks.apply_hunks(a, hunks.parse_unified(diff)) == b
            if size == 30:  # small files: exactly what difflib says, as before
                expected = b"".join(difflib.diff_bytes(difflib.unified_diff, diffing.split_lines(a), diffing.split_lines(b), b"a/m.py", b"b/m.py"))
                assert diff == expected
