"""Replace a source file's bytes in place, atomically, without changing anything else about it.

`replace_file` writes the new bytes to a temporary file in the same folder (mkstemp), fsyncs
it, gives it the original's permission bits and (where the process may) its owner and
group, then `os.replace`s it over the original: a reader, a crash or a SIGKILL sees either
the old file or the new one, never a torn one. mkstemp's 0600 never reaches the result.
The bytes are written verbatim: BOM, encoding and line endings are the engine's business
(it returns bytes) and are not touched here.

It refuses, with a `WriteRefused` naming the reason, rather than write:
- outside the paths given (`roots`), through a symlink, or to something not a regular file;
- a read-only file (no write bit for us: checked on the mode bits, so it holds for root too);
- a file that changed on disk since it was read (the sha256 no longer matches).

Ctrl-C is held back for the few syscalls of one write, and a temporary file is removed in
a `finally` (any other error, a full disk); one left by a SIGKILL carries the dead
process's pid in its name, and `remove_stale_temp_files` clears those on the next run. Temporary names: `.<name>.<pid>.<random>.migrate-storage.tmp`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.pipeline.discovery import (
    _TEMP_NAME,
    TEMP_SUFFIX,
    is_inside,
)


class WriteRefused(MigrateStorageError):
    """The file was left as it was; `reason` says why (for `path: reason` messages)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def writable_problem(st: os.stat_result) -> str | None:
    """Why a file with this stat must not be rewritten, or None. Mode bits, not os.access:
    root may write anything, but a file its owner made read-only is meant to stay as it is."""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    mode = stat.S_IMODE(st.st_mode)
    euid = os.geteuid()
    if euid == 0:
        writable = bool(mode & 0o222)
    elif st.st_uid == euid:
        writable = bool(mode & stat.S_IWUSR)
    else:
        writable = _group_or_other_writable(st, mode)
    if not writable:
        return f"read-only file (mode {mode:04o})"
    return None


def _group_or_other_writable(st: os.stat_result, mode: int) -> bool:
    if st.st_gid in (os.getegid(), *os.getgroups()):
        return bool(mode & stat.S_IWGRP)
    return bool(mode & stat.S_IWOTH)


def replace_file(
    path: Path, data: bytes, *, expected_sha256: str | None, roots: Iterable[Path]
) -> os.stat_result:
    """Atomically replace the regular file at `path` (a real path) with `data`.

    Returns the stat of the new file. Raises WriteRefused (nothing was changed) for the
    cases in the module docstring, and for any OSError on the way (the message says which).
    """
    path = Path(path)
    if not path.is_absolute() or not is_inside(path, roots):
        raise WriteRefused(f"outside the paths given ({path}); not written")
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise WriteRefused(f"cannot stat: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise WriteRefused("is a symlink; not written through")
    problem = writable_problem(st)
    if problem is not None:
        raise WriteRefused(f"{problem}; skipped")
    if expected_sha256 is not None:
        try:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise WriteRefused(f"cannot read: {exc.strerror}") from None
        if current != expected_sha256:
            raise WriteRefused("changed on disk during the run; skipped")
    try:
        _atomic_write(path, data, st)
        return os.stat(path)
    except OSError as exc:
        raise WriteRefused(f"cannot write: {exc.strerror or exc}; left unchanged") from None


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) until the block is over, then raise it as usual.

    A KeyboardInterrupt can land between any two bytecodes, including inside mkstemp after
    the file was created but before its name was returned: no `finally` can clean up what
    it never heard of. Deferring the signal over the few syscalls of one write makes the
    write all-or-nothing with respect to Ctrl-C. Only the main thread may set handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, received[0])  # default_int_handler raises KeyboardInterrupt
        elif received and previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGINT)


def _atomic_write(path: Path, data: bytes, st: os.stat_result) -> None:
    with _ctrl_c_deferred():
        _write_and_replace(path, data, st)


def _write_and_replace(path: Path, data: bytes, st: os.stat_result) -> None:
    folder = path.parent
    # The name is cut so that a file named near NAME_MAX still gets a temporary sibling.
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{path.name[:120]}.{os.getpid()}.", suffix=TEMP_SUFFIX
    )
    done = False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # Owner first: chown clears setuid/setgid bits, chmod then restores them.
            if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                _copy_owner(handle.fileno(), st)
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        done = True
        _fsync_folder(folder)
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _copy_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the original's owner and group, or at least its group, as far as
    this process is allowed (only root may give a file away)."""
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, st.st_gid)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every filesystem lets a folder be fsynced)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_own_file(path: Path, data: bytes) -> None:
    """Write one of the tool's own files (cache, report, review state) through a temporary
    file in the same folder and `os.replace`: a reader sees the old file or the new one,
    and nothing is left behind on failure. Sources go through `replace_file` instead,
    which also keeps their mode and owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(candidates: Iterable[Path]) -> list[Path]:
    """Delete writer temp files whose process is gone (a killed run); return what was removed.
    A temp file of a live process (a concurrent run) is left alone."""
    removed = []
    for path in candidates:
        match = _TEMP_NAME.match(path.name)
        if match is None or _pid_alive(int(match.group("pid"))):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
            removed.append(path)
    return removed
