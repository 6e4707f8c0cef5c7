"""Publishing one file, placing it in MFS, and `sync` (publish everything pending).

Consistency with several writers (processes or threads) on the same paths: every close
bumps the row's generation (`Index.mark_pending`) *before* the publisher opens the file.
`publish_one` records its result only if the generation is unchanged when it commits
(`Index.mark_published`). A write that lands after the publisher started reading has its
own close, hence its own generation bump, after that start: either the bump happens
before the commit (the stale publish records nothing) or after it (the newer close
re-publishes and records later). So when all writers are done and nothing is pending,
every recorded CID is the CID of the file's bytes on disk. The CID recorded is the one
computed locally from exactly the bytes streamed to the node, and must equal the node's.

MFS (pinned files, and the removal of the entry when a pinned path is rewritten as
cache): under a per-path file lock shared by this machine's processes, a publisher whose
generation is still current edits MFS, then records the publish. A newer close either
came before the check (the older publisher leaves MFS alone) or after it (its own
publisher edits MFS later, under the same lock), so MFS ends on the newest CID too. A kill
between the MFS edit and the record leaves the row pending; `sync` places it again.
Known gap: a kill before the removal of a formerly pinned entry leaves that entry (sync
does not know the path was pinned before).
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no cross-process MFS lock
    fcntl = None  # type: ignore[assignment]
from typing import TYPE_CHECKING, Any

from storage_runtime._cid import IMPORT_OPTS, CidBuilder, cid_to_str, normalize_cid
from storage_runtime._index import IndexUnavailable
from storage_runtime._ipfs_errors import PublishError

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["SyncReport", "place_in_mfs", "publish_one", "sync"]

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


def publish_one(backend: IpfsBackend, rel: str, gen: int, pin: bool, *, old_pin: bool) -> str:
    """Publish `rel` as of generation `gen`. Returns "published", "superseded" (a newer
    close took over), or "gone" (the file no longer exists). Raises on daemon trouble."""
    path = os.path.join(backend.settings.root, *rel.split("/"))
    try:
        f = open(path, "rb", buffering=0)  # noqa: SIM115 - the builtin; closed below
    except (FileNotFoundError, NotADirectoryError):
        backend.index.mark_gone(rel, gen)
        return "gone"
    with f:
        st = os.fstat(f.fileno())
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
    if not (pin or old_pin):
        recorded = backend.index.mark_published(
            rel, gen, cid=local, size=reader.builder.size, pin=pin,
            mtime_ns=st.st_mtime_ns, ino=st.st_ino,
        )
        return "published" if recorded else "superseded"
    # MFS first, then the index, both under a per-path lock of this machine: a kill in
    # between leaves the row pending (sync places it again), and publishers of one path
    # never interleave their MFS edits; only the current generation touches MFS.
    with _path_lock(backend, rel):
        row = backend.index.get(rel)
        if row is None or row.gen != gen:
            return "superseded"
        place_in_mfs(backend, rel, local if pin else None)
        recorded = backend.index.mark_published(
            rel, gen, cid=local, size=reader.builder.size, pin=pin,
            mtime_ns=st.st_mtime_ns, ino=st.st_ino,
        )
    return "published" if recorded else "superseded"


@contextmanager
def _path_lock(backend: IpfsBackend, rel: str) -> Iterator[None]:
    folder = os.path.join(backend.settings.state_dir, "locks")
    os.makedirs(folder, exist_ok=True)
    slot = zlib.crc32(rel.encode("utf-8", "surrogateescape")) % 64
    fd = os.open(os.path.join(folder, f"mfs-{slot:02d}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _missing(exc: Exception) -> bool:
    text = str(exc).lower()
    return "not exist" in text or "no such" in text or "not found" in text or "no link" in text


def place_in_mfs(backend: IpfsBackend, rel: str, cid: str | None) -> None:
    """Make `<namespace>/<rel>` hold `cid` (replacing what is there), or remove it."""
    client = backend.client()
    target = backend.mfs_path(rel)
    from ipfshttpclient.exceptions import ErrorResponse

    if cid is None:
        try:
            client.files.rm(target)
        except ErrorResponse as exc:
            if not _missing(exc):
                raise
        return
    for _ in range(4):
        try:
            client.files.cp(f"/ipfs/{cid}", target)
            return
        except ErrorResponse as exc:
            if _missing(exc):
                client.files.mkdir(target.rsplit("/", 1)[0], parents=True)
                continue
            if "already" not in str(exc).lower() and "exist" not in str(exc).lower():
                raise
        try:
            st = client.files.stat(target, opts={"cid-base": "base32"})
            if st["Type"] == "file" and normalize_cid(str(st["Hash"])) == cid:
                return
        except ErrorResponse:
            pass
        try:
            client.files.rm(target)
        except ErrorResponse as exc:
            if not _missing(exc):
                raise
    raise PublishError(errno.EIO, f"could not place {cid} at MFS {target}", target)


@dataclass
class SyncReport:
    """What one `sync` run did."""

    published: int = 0
    superseded: int = 0
    gone: int = 0
    stale: int = 0
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
) -> SyncReport:
    """Publish pending rows (each tried up to `attempts` times, with a short pause).

    With `check_stale`, first re-queue published files whose size, mtime or inode changed
    on disk without a close the runtime saw (written with builtin open, or a writer killed
    mid-write). Stops early when the daemon does not answer at all. Raises
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
                st = os.stat(path)
            except OSError:
                continue  # deleted after publishing: stays deleted
            if (st.st_size, st.st_mtime_ns, st.st_ino) != (row.size, row.mtime_ns, row.ino):
                index.mark_stale(row.path, row.gen)
                report.stale += 1
    tries: dict[str, int] = {}
    while True:
        if deadline is not None and time.monotonic() > deadline:
            break
        batch = [r for r in index.pending(limit) if tries.get(r.path, 0) < attempts]
        if not batch or limit <= 0:
            break
        for row in batch:
            if deadline is not None and time.monotonic() > deadline:
                break
            tries[row.path] = tries.get(row.path, 0) + 1
            limit -= 1
            try:
                outcome = publish_one(backend, row.path, row.gen, row.pin, old_pin=False)
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
            else:
                report.gone += 1
            if limit <= 0:
                break
    report.remaining = len(index.pending())
    return report


def _unreachable(exc: BaseException) -> bool:
    try:
        from ipfshttpclient.exceptions import ConnectionError, TimeoutError
    except ImportError:
        return True
    return isinstance(exc, (ConnectionError, TimeoutError)) or (
        isinstance(exc, PublishError) and "ipfshttpclient" in str(exc)
    )
