"""Which paths are open for writing on this machine, so no publisher reads a torn file.

A writable open of a publishable path holds a *read* lock on one byte of the shared file
`<state dir>/writers.lock` (the byte's offset is a 62-bit hash of the path) for as long as
the file is open. A publisher that reads the file (`_publish.publish_one`: a close, the
background drain, `sync`) takes a *write* lock on that byte for as long as it reads
(`reading`): when a writer holds the byte, the path is open for writing somewhere and the
publisher leaves it pending at once (the last writer's close publishes it); when another
publisher holds it, it waits its turn (bounded); while it holds it, a writable open of the
path waits (bounded, `WAIT`) before it opens, so not one torn byte is read, not even by an
upload whose result is then thrown away. Checks that read nothing (`sync`'s check for
files changed on disk) ask with `F_OFD_GETLK` (`busy`).

Why this mechanism:
- open-file-description locks (Linux `F_OFD_*`) belong to the descriptor, not the process,
  so a publisher thread sees the writers of its own process too, and the kernel drops the
  lock when a writer dies (a `kill -9` never leaves a path "open" forever);
- nothing locks the program's own file: its `flock`/`fcntl` locks behave as before;
- one descriptor per process (plus a short-lived one per check), whatever the number of
  open files; the writers of one path in one process share one lock (counted here).

A file renamed while open for writing (an atomic write whose `os.replace` sits inside its
`with`, `shutil.move` of a log still open) is still written under its new name, though its
writers marked the old one. When they are this process's, the rename makes the new name
*follow* the old (`follow`): it is marked open for writing too, until the old name's last
writer ends, whose release then publishes it whole (`end` returns it). A writer of another
process is not followed: the new name is left pending for `sync`.

Where `F_OFD_*` is missing (not Linux), only the writers of this process are seen.
A byte is shared by two paths only on a 62-bit hash collision (a publish is then deferred
to the next close or `sync`, never wrong).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from storage_runtime import _os_calls

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["Writers"]

log = logging.getLogger("storage_runtime")

_OFD = fcntl is not None and hasattr(fcntl, "F_OFD_SETLK") and hasattr(fcntl, "F_OFD_GETLK")
#: `struct flock` on Linux (x86_64, aarch64): l_type, l_whence, l_start, l_len, l_pid.
_FLOCK = "hh4xqqi4x"
#: How long a writable open waits for a publisher reading the same path (its upload is
#: bounded by the RPC timeout); after that it goes ahead unprotected, logged.
WAIT = 60.0
#: Publishers of one process reading at once (each holds a lock descriptor and the file):
#: as many as the RPC pool can upload (`_ipfs.POOL_SIZE` is this); the others wait holding none,
#: so a program's thread count never multiplies the runtime's descriptors.
READERS = 8
_reader_slots = threading.BoundedSemaphore(READERS)


def _new_reader_slots() -> None:
    """After a fork: the parent's publishing threads are not in the child, their slots are."""
    global _reader_slots
    _reader_slots = threading.BoundedSemaphore(READERS)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_reader_slots)


def _offset(rel: str) -> int:
    digest = hashlib.blake2b(rel.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


class Writers:
    """The open-for-writing registry of one state folder (see module doc)."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, "writers.lock")
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        #: rel -> the names it was renamed to while this process had it open (`follow`)
        self._followers: dict[str, list[str]] = {}
        self._fd = -1
        self._pid = 0
        #: Close the lock descriptor whenever no file is open for writing (False: keep
        #: it for the process, as before; `bench/descriptor_cost.py` compares the two).
        self.transient = True

    def _descriptor(self) -> int:
        if self._pid != os.getpid():  # after a fork: the inherited descriptor is the parent's
            self._fd = self._open_lock_file()
            self._pid = os.getpid()
            self._counts, self._followers = {}, {}
        return self._fd

    def _set(self, fd: int, kind: int, rel: str) -> None:
        data = struct.pack(_FLOCK, kind, os.SEEK_SET, _offset(rel), 1, 0)
        _os_calls.fcntl(fd, fcntl.F_OFD_SETLK, data)

    @staticmethod
    def _holder(fd: int, rel: str) -> int:
        """The kind of lock someone else holds on `rel`'s byte (F_UNLCK: none)."""
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, _offset(rel), 1, 0)
        return struct.unpack(_FLOCK, _os_calls.fcntl(fd, fcntl.F_OFD_GETLK, probe))[0]

    def _set_waiting(self, fd: int, kind: int, rel: str) -> None:
        """`_set`, waiting (bounded, polled: a stuck publisher never blocks an open for
        good) while a publisher reads `rel`."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                self._set(fd, kind, rel)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    log.warning("storage_runtime: %s stayed locked by a publisher for %.0f s;"
                                " opening it for writing anyway", rel, WAIT)
                    raise
            time.sleep(0.002)

    def begin(self, rel: str) -> bool:
        """Mark `rel` open for writing; False when that could not be recorded (then the
        open goes ahead unprotected: the program's open never fails because of this)."""
        with self._lock:
            try:
                fd = self._descriptor()
                if self._counts.get(rel, 0) == 0 and _OFD:
                    self._set_waiting(fd, fcntl.F_RDLCK, rel)
            except OSError as exc:
                log.debug("storage_runtime: cannot mark %s open for writing: %s", rel, exc)
                self._close_if_idle()
                return False
            self._counts[rel] = self._counts.get(rel, 0) + 1
            return True

    def end(self, rel: str) -> list[str]:
        """One writer of `rel` closed (call once per successful `begin`). Returns the
        names `rel` was renamed to while open (`follow`) when this was its last writer:
        no longer marked open, they are the caller's to publish."""
        with self._lock:
            return self._end(rel)

    def _end(self, rel: str) -> list[str]:
        left = self._counts.get(rel, 0) - 1
        if left > 0:
            self._counts[rel] = left
            return []
        self._counts.pop(rel, None)
        if _OFD and self._pid == os.getpid():
            try:
                self._set(self._fd, fcntl.F_UNLCK, rel)
            except OSError:  # the descriptor is ours: only EBADF-like misuse gets here
                log.debug("storage_runtime: cannot unlock %s", rel, exc_info=True)
        released = []
        for name in self._followers.pop(rel, ()):
            released += [name, *self._end(name)]
        self._close_if_idle()
        return released

    def follow(self, rel: str, moved_to: str) -> bool:
        """`rel`, open for writing in this process, was renamed to `moved_to`: mark
        `moved_to` open for writing until `rel`'s last writer here ends (`end` then
        returns it). False when this process has no writer of `rel` (or the mark could
        not be made): the caller must not publish `moved_to` while `busy(rel)`."""
        with self._lock:
            if self._pid != os.getpid() or not self._counts.get(rel, 0):
                return False
            try:
                if self._counts.get(moved_to, 0) == 0 and _OFD:
                    self._set_waiting(self._fd, fcntl.F_RDLCK, moved_to)
            except OSError as exc:
                log.debug("storage_runtime: cannot mark %s open for writing: %s", moved_to, exc)
                return False
            self._counts[moved_to] = self._counts.get(moved_to, 0) + 1
            self._followers.setdefault(rel, []).append(moved_to)
            return True

    def _close_if_idle(self) -> None:
        """Close the lock descriptor when no file of this process is open for writing
        (call with `_lock` held): it holds no lock then, and a program that counts its
        descriptors between calls (zict's and dask's `check_fd_leaks`) sees none of the
        runtime's. The next writable open opens it again (one `open`, a few µs)."""
        if self.transient and not self._counts and self._pid == os.getpid() and self._fd >= 0:
            _os_calls.close(self._fd)
            self._fd, self._pid = -1, 0

    def busy(self, rel: str) -> bool:
        """True when some process of this machine has `rel` open for writing (or a
        publisher of another process is reading it)."""
        if self._mine(rel):
            return True
        held = self._probe(rel)
        return held is not None and held != fcntl.F_UNLCK

    def writing(self, rel: str) -> bool:
        """True when a writer of this machine has `rel` open, not a publisher reading it
        (writers read-lock the byte, publishers write-lock it; `busy` says True for both)."""
        if self._mine(rel):
            return True
        held = self._probe(rel)
        return held is not None and held == fcntl.F_RDLCK

    def _mine(self, rel: str) -> bool:
        with self._lock:
            return self._pid == os.getpid() and self._counts.get(rel, 0) > 0

    def _probe(self, rel: str) -> int | None:
        """The kind of lock another open file description holds on `rel`'s byte
        (F_UNLCK: none); None where that cannot be asked (no `F_OFD_*`, no lock file)."""
        if not _OFD:
            return None
        try:
            fd = _os_calls.open_fd(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None  # no process of this machine ever opened a file for writing
        try:
            return self._holder(fd, rel)
        finally:
            _os_calls.close(fd)

    def _open_lock_file(self) -> int:
        """The lock file, made (with its folder) only when missing: every publish opens
        it, so the folder is not made again each time."""
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        try:
            return _os_calls.open_fd(self.path, flags, 0o600)
        except FileNotFoundError:
            _os_calls.makedirs(os.path.dirname(self.path))
            return _os_calls.open_fd(self.path, flags, 0o600)

    @contextmanager
    def reading(self, rel: str) -> Iterator[bool]:
        """Hold off this machine's writable opens of `rel` while the body reads it. Yields
        False (holding nothing) when `rel` is open for writing: then do not read it."""
        with self._lock:
            mine = self._pid == os.getpid() and self._counts.get(rel, 0) > 0
        if mine or not _OFD:
            yield not mine
            return
        with _reader_slots:
            try:
                fd = self._open_lock_file()
            except OSError:  # no lock file possible: no writer could have marked it either
                yield not self.busy(rel)
                return
            try:
                yield self._take_for_reading(fd, rel)
            finally:
                _os_calls.close(fd)  # drops the lock

    def _take_for_reading(self, fd: int, rel: str) -> bool:
        """Write-lock `rel`'s byte on `fd`: False at once when a writer holds it; while
        another publisher holds it (reading the same file), wait for it (bounded): its
        caller (a close) must not return before that publisher's edit of the namespace."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                self._set(fd, fcntl.F_WRLCK, rel)
                return True
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if self._holder(fd, rel) == fcntl.F_RDLCK or time.monotonic() > deadline:
                return False  # open for writing (or a publisher stuck): busy
            time.sleep(0.002)

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid() and self._fd >= 0:
                _os_calls.close(self._fd)
            self._fd, self._pid, self._counts, self._followers = -1, 0, {}, {}
