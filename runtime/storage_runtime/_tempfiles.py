"""Removing the temporary files of killed writers and restorers under a root.

The runtime writes through temporary files next to their targets: `AtomicWrite` names them
`.<name>.<random>.storage-tmp` (`_atomic.TEMP_SUFFIX`), a restore `.<name>.sr-restore-<random>`
(`_restore.fetch_verified`). A clean exit or an error renames or removes them; a `kill -9`
leaves them forever. `sweep(root)` removes the ones no live process can still be writing:

- a writer holds its temporary file open from creation to rename, so a file that some
  process of this machine has open (found through `/proc/<pid>/fd`, by device and inode)
  is never removed, whatever its age: another worker, another user's process, a program
  that keeps an atomic write open for hours;
- a file modified less than `MIN_AGE` seconds ago is never removed either: a writer
  between creating the file and opening it, or between closing and renaming it;
- where open files cannot all be seen (no `/proc`, or processes of other users whose
  descriptors this user may not read), only files untouched for `BLIND_AGE` are removed.

Run by `python -m storage_runtime sync` and `reindex`; removes files only, never follows a
symlink, never enters the runtime's state folder.

Known limit: open files are seen on this machine (this PID namespace) only. A root shared
with other machines or containers (NFS, a bind mount) may hold another host's temporary
file; one idle for `MIN_AGE` in the middle of a write would be removed (that writer's
rename then fails with FileNotFoundError; its old target stays intact).
"""

from __future__ import annotations

import os
import stat
import time

from storage_runtime._atomic import TEMP_SUFFIX
from storage_runtime.config import STATE_DIR_NAME

__all__ = ["BLIND_AGE", "MIN_AGE", "is_temp_name", "sweep"]

#: Seconds since the last modification before an unopened temporary file is removed.
MIN_AGE = 600.0
#: The same when open files cannot all be seen (see module doc).
BLIND_AGE = 24 * 3600.0
RESTORE_MARK = ".sr-restore-"


def is_temp_name(name: str) -> bool:
    """True for the runtime's temporary file names (hidden, with a known marker)."""
    return name.startswith(".") and (name.endswith(TEMP_SUFFIX) or RESTORE_MARK in name)


def _candidates(root: str) -> list[tuple[str, os.stat_result]]:
    found: list[tuple[str, os.stat_result]] = []
    for folder, dirs, names in os.walk(root):  # never follows symlinked folders
        if folder == root:
            dirs[:] = [d for d in dirs if d != STATE_DIR_NAME]
        for name in names:
            if not is_temp_name(name):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((path, st))
    return found


def open_files(
    markers: tuple[str, ...] = (TEMP_SUFFIX, RESTORE_MARK),
) -> tuple[set[tuple[int, int]], bool]:
    """(device, inode) of every file whose name holds one of `markers` that a process of
    this machine has open, and whether every process's descriptors could be read."""
    held: set[tuple[int, int]] = set()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return held, False
    complete = True
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except FileNotFoundError:
            continue  # exited meanwhile
        except OSError:
            complete = False  # another user's process
            continue
        for fd in fds:
            link = f"{fd_dir}/{fd}"
            try:
                target = os.readlink(link)
                if not any(m in target for m in markers):
                    continue
                st = os.stat(link)
            except OSError:
                continue
            held.add((st.st_dev, st.st_ino))
    return held, complete


def sweep(root: str, *, now: float | None = None) -> list[str]:
    """Remove leftover temporary files under `root` (see module doc); their paths."""
    now = time.time() if now is None else now
    old = [(p, st) for p, st in _candidates(root) if now - st.st_mtime >= MIN_AGE]
    if not old:
        return []
    held, complete = open_files()
    removed: list[str] = []
    for path, st in old:
        if (st.st_dev, st.st_ino) in held:
            continue
        if not complete and now - st.st_mtime < BLIND_AGE:
            continue
        try:
            again = os.lstat(path)
            if (again.st_ino, again.st_mtime_ns) != (st.st_ino, st.st_mtime_ns):
                continue  # written (or replaced) since the walk: someone is alive
            os.unlink(path)
        except OSError:
            continue
        removed.append(path)
    return removed
