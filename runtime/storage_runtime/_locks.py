"""Cross-process locks of one machine: per namespace path, and per CID.

Both are `flock`s on small lock files (64 slots each, chosen by a hash: two keys share a
slot only by collision, which serialises them, never breaks them). A lock belongs to the
open file description, so threads of one process exclude each other as processes do, and
the kernel drops it when its holder dies. The threads of one process first queue on an
in-process lock per slot, so however many wait, the process holds at most one descriptor
per slot.

- `path_lock(backend, *rels)`: in `<root>/.storage-runtime/locks/`; held while this
  machine edits the MFS entries at `rels` and records the result (`_publish`,
  `_relocate`), so its publishers of one path never interleave their MFS edits.
- `cid_lock(backend, cid)`: in `<index>.locks/`, beside the index, because the question
  it guards is asked of the index: "does a path other than this one still use `cid`?".
  Held from that question to the `pin/rm` it allows (`_namespace.release_pin`), and by a
  pinned publish from recording its use of `cid` to its `pin/add` (`_publish`). Without
  it a release could find no other use, another path record and pin the same bytes, and
  the release then unpin them under that path. Every process and root sharing the index
  shares these locks; another index (another machine) does not: see the README's
  consistency model ("One pin per path").

Order: a `cid_lock` may be taken while `path_lock`s are held, never the reverse, and only
one `cid_lock` at a time (slots are not re-entrant).
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from storage_runtime import _os_calls

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no cross-process locks
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["cid_lock", "cid_lock_folder", "path_lock"]

SLOTS = 64
_queues: dict[str, threading.Lock] = {}  # one per lock file, for this process's threads
_queues_lock = threading.Lock()


def _queue(path: str) -> threading.Lock:
    with _queues_lock:
        return _queues.setdefault(path, threading.Lock())


def _after_fork() -> None:
    """A child has none of its parent's threads: locks they held would never be released."""
    global _queues_lock
    _queues_lock = threading.Lock()
    _queues.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _slot(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogateescape")) % SLOTS


@contextmanager
def _held(folder: str, names: list[str]) -> Iterator[None]:
    """Exclusive `flock`s on `folder/<name>` for each name, taken in the order given."""
    _os_calls.makedirs(folder)
    fds: list[int] = []
    queued: list[threading.Lock] = []
    try:
        for name in names:
            path = os.path.join(folder, name)
            queued.append(_queue(path))
            queued[-1].acquire()
            fd = _os_calls.open_fd(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fds.append(fd)
            if fcntl is not None:
                _os_calls.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        for fd in fds:
            _os_calls.close(fd)  # releases the lock
        for lock in reversed(queued):
            lock.release()


@contextmanager
def path_lock(backend: IpfsBackend, *rels: str) -> Iterator[None]:
    """Exclusive per-path locks of this machine (several taken in slot order)."""
    slots = sorted({_slot(r) for r in rels})
    with _held(os.path.join(backend.settings.state_dir, "locks"),
               [f"mfs-{slot:02d}.lock" for slot in slots]):
        yield


def cid_lock_folder(backend: IpfsBackend) -> str:
    """Where the per-CID locks of `backend`'s index live."""
    return f"{backend.settings.index}.locks"


@contextmanager
def cid_lock(backend: IpfsBackend, cid: str) -> Iterator[None]:
    """Exclusive lock on `cid` for every process sharing `backend`'s index."""
    with _held(cid_lock_folder(backend), [f"pin-{_slot(cid):02d}.lock"]):
        yield
