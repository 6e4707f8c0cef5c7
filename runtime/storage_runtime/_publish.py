"""Publishing one file, placing it in MFS, and `sync` (publish everything pending).

Never a partial version: a writable open of a publishable path marks it open for writing
(`_writers`) and bumps the row's generation before the file is opened (truncated);
every close bumps it again (`Index.mark_pending`). `publish_one` does not read a path
that is open for writing on this machine ("busy": the last writer's close publishes it),
and while it reads (uploads) the file, this machine's writable opens of it wait
(`Writers.reading`), so the bytes streamed to the node are one complete version. It
records its result only if the generation is unchanged when it commits
(`Index.mark_published`): a writer that opened and closed since the row was read bumped
it, so that publish records nothing. So the node, the index and the namespace only ever
get bytes that were on disk with no runtime writer open, and when all writers are done and
nothing is pending, every recorded CID is the CID of the file's bytes on disk. The CID
recorded is the one computed locally from exactly the bytes streamed to the node, and
must equal the node's.
(Files written with builtin open behind the runtime's back are not seen: `sync` may
publish them mid-write; a writer killed mid-write leaves a torn file on its own disk,
which `sync` publishes as it is.)

MFS (see `_namespace`): under a per-path file lock shared by this machine's processes
(`_locks.path_lock`), a publisher whose generation is still current edits MFS, then
records the publish. A newer close either came before the check (the older publisher
leaves MFS alone and unpins what it added) or after it (its own publisher edits MFS later,
under the same lock), so MFS ends on the newest CID too. A kill between the MFS edit and
the record leaves the row pending; `sync` places it again. The entry this machine placed
is kept in the index (`entries`), so a pinned file rewritten as cache while the daemon is
down still has its entry removed by the `sync` that publishes the cache version.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage_runtime import _namespace, _os_calls
from storage_runtime._cid import IMPORT_OPTS, CidBuilder, cid_to_str, normalize_cid
from storage_runtime._index import IndexUnavailable
from storage_runtime._ipfs_errors import PublishError
from storage_runtime._locks import cid_lock, path_lock
from storage_runtime._os_calls import io_open as _io_open

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["SyncReport", "complete_drops", "path_lock", "publish_one", "sync"]

log = logging.getLogger("storage_runtime")


class _HashingReader(io.RawIOBase):
    """Reads a file for the multipart upload while computing its CID."""

    def __init__(self, f: io.FileIO) -> None:
        super().__init__()
        self._f = f
        self.builder = CidBuilder()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = self._f.read(size) or b""
        self.builder.update(data)
        return data

    def readinto(self, buffer: Any) -> int:  # pragma: no cover - the uploader uses read()
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def publish_one(backend: IpfsBackend, rel: str, gen: int, pin: bool) -> str:
    """Publish `rel` as of generation `gen`. Returns "published", "superseded" (a newer
    open or close took over), "busy" (open for writing on this machine: its last close
    publishes it) or "gone" (the file no longer exists). Raises on daemon trouble.
    The version this machine placed at `rel` (to replace or drop) is the index's entry."""
    path = os.path.join(backend.settings.root, *rel.split("/"))
    # Never read a file a writer has open (it may be half written), and no writer of this
    # machine opens it while it is read: not one torn byte reaches the node.
    with backend.writers.reading(rel) as free:
        if not free:
            return "busy"
        try:
            # io.open bound at import (not the name `open`, which a program's
            # mock.patch("builtins.open") replaces): the file's own bytes; closed below
            f = _io_open(path, "rb", buffering=0)  # noqa: SIM115
        except (FileNotFoundError, NotADirectoryError):
            backend.index.mark_gone(rel, gen)
            return "gone"
        with f:
            st = _os_calls.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                backend.index.mark_gone(rel, gen)
                return "gone"
            client = backend.client()
            reader = _HashingReader(f)  # type: ignore[arg-type]
            result = client.add(
                reader, pin=pin, cid_version=1, raw_leaves=True, opts=dict(IMPORT_OPTS)
            )
    local = cid_to_str(reader.builder.finish())
    remote = normalize_cid(str(result["Hash"]))
    if remote != local:
        raise PublishError(errno.EIO, f"the node stored {remote}, expected {local}", path)
    known = backend.index.entry(rel)
    placed = known[0] if known is not None and known[1] else None
    record = {"cid": local, "size": reader.builder.size, "pin": pin,
              "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}
    if not pin and placed is None:  # cache, and no entry of ours to drop: MFS untouched
        recorded = backend.index.mark_published(rel, gen, **record)  # type: ignore[arg-type]
        return "published" if recorded else "superseded"
    # MFS first, then the index, both under a per-path lock of this machine: a kill in
    # between leaves the row pending (sync places it again), and publishers of one path
    # never interleave their MFS edits; only the current generation touches MFS.
    with path_lock(backend, rel):
        row = backend.index.get(rel)
        if row is None or row.gen != gen or row.state != "pending":
            # A newer open or close took over, or another publisher of this generation
            # (a close and a sync at once) finished first: placing now could put an old
            # version over a newer one another machine placed meanwhile.
            if pin and placed != local and _namespace.entry_cid(backend, rel) != local:
                _namespace.release_pin(backend, local, besides=rel)  # no orphan pin
            return "superseded"
        known = backend.index.entry(rel)
        placed = known[0] if known is not None and known[1] else None
        if pin:
            # Recorded, then pinned again, under the index's lock on this CID: a release
            # of the same bytes at another path (`release_pin`) either ran before (and
            # this pins them again) or runs after and sees them in use here.
            with cid_lock(backend, local):
                backend.index.set_entry(rel, local, placed=True)
                client.pin.add(local)
            taken = _namespace.place(backend, rel, local)
            if placed is not None and placed != local and placed not in taken:
                # Our previous version was not there to take (its placement failed, or
                # another machine replaced it): its pin goes all the same.
                _namespace.release_pin(backend, placed, besides=rel)
        elif placed is not None:
            # A file this machine pinned is a cache file now: its entry goes (if it still
            # holds our version: another machine's newer pinned version stays).
            _namespace.discard(backend, rel, placed)
            backend.index.clear_entry(rel)
        recorded = backend.index.mark_published(rel, gen, **record)  # type: ignore[arg-type]
    return "published" if recorded else "superseded"


def complete_drops(backend: IpfsBackend) -> int:
    """Remove the namespace entries of files this machine removed while the daemon was
    down (or was killed before the removal): each only if it still holds the version this
    machine knew. Returns how many entries went."""
    done = 0
    for rel, cid in backend.index.owed_drops():
        with path_lock(backend, rel):
            row = backend.index.get(rel)
            if row is None or row.state != "gone":
                continue
            done += _namespace.drop(backend, rel, cid)
            backend.index.clear_entry(rel, cid)
    return done


@dataclass
class SyncReport:
    """What one `sync` run did."""

    published: int = 0
    superseded: int = 0
    gone: int = 0
    stale: int = 0
    busy: int = 0
    dropped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    remaining: int = 0
    unreachable: str | None = None


def sync(
    backend: IpfsBackend,
    *,
    limit: int = 100_000,
    attempts: int = 3,
    deadline: float | None = None,
    check_stale: bool = True,
    stop: Callable[[], bool] | None = None,
) -> SyncReport:
    """Publish pending rows (each tried up to `attempts` times, with a short pause).

    With `check_stale`, first re-queue published files whose size, mtime or inode changed
    on disk without a close the runtime saw (written with builtin open, or a writer killed
    mid-write). Stops early when the daemon does not answer at all, and before a row
    once `stop()` says so (the background drain of a process that exits). Raises
    `IndexUnavailable` when the index cannot be read.
    """
    from storage_runtime._ipfs import trouble_types

    report = SyncReport()
    index = backend.index
    if check_stale:
        for row in index.rows():
            if row.state != "published":
                continue
            path = os.path.join(backend.settings.root, *row.path.split("/"))
            try:
                st = _os_calls.stat(path)
            except OSError:
                continue  # deleted after publishing: stays deleted
            if backend.writers.busy(row.path):
                continue  # open for writing: its close publishes the whole file
            if (st.st_size, st.st_mtime_ns, st.st_ino) != (row.size, row.mtime_ns, row.ino):
                index.mark_stale(row.path, row.gen)
                report.stale += 1
    try:
        report.dropped = complete_drops(backend)
    except IndexUnavailable:
        raise
    except trouble_types() as exc:
        report.failed.append(("(namespace removals)", f"{type(exc).__name__}: {exc}"))
        if _unreachable(exc):
            backend.note_trouble()
            report.unreachable = f"{type(exc).__name__}: {exc}"
            report.remaining = len(index.pending())
            return report
    tries: dict[str, int] = {}
    def over() -> bool:
        return (deadline is not None and time.monotonic() > deadline) or (
            stop is not None and stop()
        )

    while True:
        if over():
            break
        batch = [r for r in index.pending(limit) if tries.get(r.path, 0) < attempts]
        if not batch or limit <= 0:
            break
        for row in batch:
            if over():
                break
            tries[row.path] = tries.get(row.path, 0) + 1
            limit -= 1
            try:
                outcome = publish_one(backend, row.path, row.gen, row.pin)
            except IndexUnavailable:
                raise
            except trouble_types() as exc:
                reason = f"{type(exc).__name__}: {exc}"
                try:
                    index.mark_failed(row.path, row.gen, reason)
                except IndexUnavailable:
                    pass
                report.failed.append((row.path, reason))
                if _unreachable(exc):
                    backend.note_trouble()
                    report.unreachable = reason
                    report.remaining = len(index.pending())
                    return report
                time.sleep(min(0.5, 0.1 * tries[row.path]))
                continue
            backend.note_success()
            if outcome == "published":
                report.published += 1
            elif outcome == "superseded":
                report.superseded += 1
            elif outcome == "busy":
                report.busy += 1
                tries[row.path] = attempts  # its writer's close publishes it
            else:
                report.gone += 1
            if limit <= 0:
                break
    report.remaining = len(index.pending())
    return report


def _unreachable(exc: BaseException) -> bool:
    from storage_runtime._rpc import NodeTimeout, NodeUnreachable

    return isinstance(exc, (NodeUnreachable, NodeTimeout))
