"""What a fidelity program observably did, and how two runs of it compare.

An `Observation` is exit code, stdout, the last line of stderr and the tree the program
left (`snapshot`: per entry its kind, permission bits, owner, bytes or link target, link
count, and which names share its inode). `differences` lists what differs between two
observations once `normalise` has removed exactly the differences the README allows.
Shared with tests/codemods/test_semantics.py, so both differential suites record a tree
the same way.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    kind: str  # file | dir | link | other
    mode: int
    owner: tuple[int, int]
    nlink: int | None  # None for folders (their count follows their subfolders)
    data: bytes | None  # file bytes or link target
    same_inode: tuple[str, ...]  # every name in the tree sharing this entry's inode


@dataclass(frozen=True)
class Observation:
    returncode: int
    stdout: str
    stderr_last: str
    tree: dict[str, Entry]
    stderr: str  # whole, for failure messages only: never compared


def snapshot(root: Path, skip: frozenset[str]) -> dict[str, Entry]:
    """Every entry under `root` but `skip` (and what is below a skipped folder)."""
    found: dict[str, os.stat_result] = {}
    links: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        kept = []
        for name in sorted(dirs + files):
            rel = (rel_folder / name).as_posix()
            if rel in skip or name == "__pycache__":
                continue
            st = os.lstat(os.path.join(folder, name))
            found[rel] = st
            if stat.S_ISLNK(st.st_mode):
                links[rel] = os.fsencode(os.readlink(os.path.join(folder, name)))
            elif stat.S_ISDIR(st.st_mode):
                kept.append(name)
        dirs[:] = [d for d in dirs if d in kept]
    by_inode: dict[tuple[int, int], list[str]] = {}
    for rel, st in found.items():
        if not stat.S_ISDIR(st.st_mode):
            by_inode.setdefault((st.st_dev, st.st_ino), []).append(rel)
    tree = {}
    for rel, st in found.items():
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            kind, data = "link", links[rel]
        elif stat.S_ISDIR(mode):
            kind, data = "dir", None
        elif stat.S_ISREG(mode):
            kind, data = "file", (root / rel).read_bytes()
        else:
            kind, data = "other", None
        is_dir = stat.S_ISDIR(mode)
        tree[rel] = Entry(
            kind,
            stat.S_IMODE(mode),
            (st.st_uid, st.st_gid),
            None if is_dir else st.st_nlink,
            data,
            () if is_dir else tuple(sorted(by_inode[(st.st_dev, st.st_ino)])),
        )
    return tree


# --------------------------------------------------------------------------- comparing

# The README's allowed differences, each normalised by one narrow rule:
# 1. line numbers shift by the added import: only the `line N` of a traceback frame header;
_FRAME_LINE = re.compile(r'(File "[^"]*", line )\d+')
# 2. `type(open)` is a Python function: only the two class reprs, not any other type;
_OPEN_TYPES = re.compile(r"<class '(?:builtin_function_or_method|function)'>")
# 3. TypeError wording for wrong arguments: only a TypeError message about arguments;
_ARGUMENT_TYPEERROR = re.compile(
    r"TypeError: .*(?:unexpected keyword argument|invalid keyword argument"
    r"|takes (?:from )?\d+(?: to \d+)? positional arguments?|positional arguments? but"
    r"|takes (?:at most|at least|exactly) \d+ arguments? \(\d+ given\)"
    r"|missing \d+ required|got multiple values for argument|takes no keyword arguments).*"
)
# 4. a handle name bound only by a collapsed `with` no longer exists: observable only by
#    introspection (locals(), dir()), which no program does, so there is nothing to normalise.


def normalise(text: str) -> str:
    text = _FRAME_LINE.sub(r"\1N", text)
    text = _OPEN_TYPES.sub("<class open-type>", text)
    return _ARGUMENT_TYPEERROR.sub("TypeError: <wrong arguments>", text)


def differences(before: Observation, after: Observation) -> list[str]:
    """What differs between two runs, once the allowed differences are normalised."""
    diffs = []
    if before.returncode != after.returncode:
        diffs.append(f"exit code: {before.returncode} before, {after.returncode} after")
    if normalise(before.stdout) != normalise(after.stdout):
        diffs.append(
            f"stdout:\n--- before\n{before.stdout}--- after\n{after.stdout}---"
        )
    if normalise(before.stderr_last) != normalise(after.stderr_last):
        diffs.append(
            f"last line of stderr: {before.stderr_last!r} before, {after.stderr_last!r} after"
        )
    for name in sorted(set(before.tree) | set(after.tree)):
        old, new = before.tree.get(name), after.tree.get(name)
        if old != new:
            diffs.append(
                f"tree {name}: {_describe(old)} before, {_describe(new)} after"
            )
    return diffs


def _describe(entry: Entry | None) -> str:
    if entry is None:
        return "absent"
    data = (
        entry.data
        if entry.data is None or len(entry.data) <= 80
        else entry.data[:80] + b"..."
    )
    return (
        f"{entry.kind} mode={oct(entry.mode)} owner={entry.owner} nlink={entry.nlink} "
        f"inode shared by {list(entry.same_inode)} data={data!r}"
    )
