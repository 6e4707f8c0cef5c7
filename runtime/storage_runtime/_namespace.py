"""Editing entries of the shared MFS namespace, and keeping one pinned version per path.

The namespace is the MFS folder `<namespace>/<path relative to the root>`; an entry is a
file whose CID is the last pinned version of that path. Retention: pins. A pinned write
adds its bytes pinned and places them at its path; the version it replaces there is
unpinned (`release_pin`) unless this machine still holds that CID at another path (same
bytes elsewhere; a path it only restored counts if the namespace still holds them there).
So a path costs at most one pin however often it is rewritten, and superseded versions go
at the next `repo/gc`. (js-ipfs and kubo also keep MFS content through gc; pins are kept
anyway because restores limited to pinned entries check them.)

The MFS API has no compare-and-swap: "replace" is remove then `cp` (`cp` and `mv` refuse an
existing destination), and a conditional removal is `stat` then remove. A removal moves the
entry aside (`_aside`: one `files/mv` to a folder beside the namespace) and reads what it
took: another machine may place a version between the `stat` and the removal, and the
version actually taken is the one unpinned (or put back, for a conditional removal, and for
a rename's source that is not the version renamed), so no pin outlives its entry and a
rename never carries another machine's version. Callers hold the
per-path lock of this machine (`_publish.path_lock`); between machines the window is the
few milliseconds between two RPC calls. A restore at that instant finds no entry (the
reader gets FileNotFoundError, never a partial file).

An exclusive creation (`open(p, "x")`, `touch(exist_ok=False)` of a pinned path) claims
its path (`claim`): one `files/cp` of the empty file's CID, which the node refuses when
the destination exists (js-ipfs serialises MFS writes under one lock, so of N workers
copying onto one new path at once exactly one succeeds; checked on the test node). The
empty file's CID is every claim's and stays pinned (0 bytes: `release_pin` never
releases it), so a claim whose writer died is an entry a pinned-only restore accepts.
"""

from __future__ import annotations

import errno
import io
import logging
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from storage_runtime._cid import IMPORT_OPTS, CidError, cid_of_bytes, normalize_cid
from storage_runtime._ipfs_errors import PublishError
from storage_runtime._locks import cid_lock

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["EMPTY_CID", "claim", "discard", "drop", "entry_cid", "move", "place",
           "release_pin"]

log = logging.getLogger("storage_runtime")

#: How often `place` tries to put its version at a path others are replacing too, and the
#: step of its random pause between tries (seconds): bounded, at most about 0.8 s in all.
PLACE_ATTEMPTS = 12
PLACE_BACKOFF = 0.01

#: The CID of the empty file under the runtime's import settings: what a claim holds.
EMPTY_CID = cid_of_bytes(b"")


def missing(exc: Exception) -> bool:
    """True when an RPC error says the MFS path (or CID) does not exist."""
    text = str(exc).lower()
    return "not exist" in text or "no such" in text or "not found" in text or "no link" in text


def _error_response() -> Any:
    from storage_runtime._rpc import ErrorResponse

    return ErrorResponse


def entry_cid(backend: IpfsBackend, rel: str) -> str | None:
    """The CID of the file entry at `rel`, or None when there is no entry (or a folder)."""
    return _file_cid(_stat(backend, rel))


def _stat(backend: IpfsBackend, rel: str) -> dict[str, Any] | None:
    """The node's `files/stat` of `rel` (None when there is no entry)."""
    try:
        return dict(backend.client().files.stat(backend.mfs_path(rel),
                                                opts={"cid-base": "base32"}))
    except _error_response() as exc:
        if missing(exc):
            return None
        raise


def _file_cid(st: dict[str, Any] | None) -> str | None:
    if st is None or st.get("Type") != "file":
        return None
    try:
        return normalize_cid(str(st["Hash"]))
    except CidError:
        return None


def _trash(backend: IpfsBackend) -> str:
    """A fresh MFS path outside the namespace (a sibling folder) to move one entry to."""
    ns = backend.settings.namespace.rstrip("/")
    head, _, name = ns.rpartition("/")
    folder = f"{head}/.{name or 'storage-runtime'}.trash"
    backend.client().files.mkdir(folder, parents=True)
    return f"{folder}/{uuid.uuid4().hex}"


@contextmanager
def _aside(backend: IpfsBackend, rel: str) -> Iterator[str | None]:
    """Move the file entry at `rel` aside (`files/mv`, one call) and yield the CID it held
    at that instant (None when there was none); the aside copy is removed on exit. Not
    `stat` then `rm`: another machine may place a version between those two calls, and
    the version actually taken is the one whose pin must be released (else that pin
    outlives every entry) or that a rename may carry (else it carries another's version)."""
    client = backend.client()
    aside = _trash(backend)
    try:
        client.files.mv(backend.mfs_path(rel), aside)
    except _error_response() as exc:
        if not missing(exc):
            raise
        aside = ""
    if not aside:  # no entry there
        yield None
        return
    try:
        st = client.files.stat(aside, opts={"cid-base": "base32"})
        if st.get("Type") != "file":  # a folder appeared there: not ours to remove
            client.files.mv(aside, backend.mfs_path(rel))
            yield None
            return
        yield normalize_cid(str(st["Hash"]))
    finally:
        try:
            client.files.rm(aside, recursive=True)
        except _error_response() as exc:
            if not missing(exc):
                raise


def _take(backend: IpfsBackend, rel: str) -> str | None:
    """Remove the file entry at `rel`; the CID it held when removed (see `_aside`)."""
    with _aside(backend, rel) as taken:
        return taken


def _restore(backend: IpfsBackend, rel: str, cid: str) -> None:
    """Put back `cid`, taken from `rel` by mistake (it was another machine's newer
    version); if yet another version is there by now, `cid` is superseded: unpinned."""
    try:
        backend.client().files.cp(f"/ipfs/{cid}", backend.mfs_path(rel))
    except _error_response() as exc:
        text = str(exc).lower()
        if "already" not in text and "exist" not in text:
            raise
        release_pin(backend, cid, besides=rel)


def claim(backend: IpfsBackend, rel: str) -> bool | None:
    """Claim the new path `rel` for an exclusive creation: copy the empty file's CID there
    without replacing anything. True: this call placed the claim; False: an entry (a file,
    another worker's claim or version) was there first; None: a folder is there (the
    namespace's folders are the ones on the way to its files: answered by the local disk,
    as an existence check answers them). Raises on daemon trouble. The caller holds this
    machine's per-path lock (`_locks.path_lock`)."""
    client = backend.client()
    added = client.add(io.BytesIO(b""), pin=True, cid_version=1, raw_leaves=True,
                       opts=dict(IMPORT_OPTS))
    if normalize_cid(str(added["Hash"])) != EMPTY_CID:
        raise PublishError(errno.EIO, f"the node stored the empty file as {added['Hash']}")
    target = backend.mfs_path(rel)
    st = _stat(backend, rel)
    if st is not None:
        # js-ipfs copies *into* an existing folder (kubo refuses): never cp onto one
        return None if st.get("Type") == "directory" else False
    for _ in range(2):
        try:
            client.files.cp(f"/ipfs/{EMPTY_CID}", target)
        except _error_response() as exc:
            text = str(exc).lower()
            if "already" in text:  # "directory already has entry by that name"
                return False
            if missing(exc):  # the folders on the way are not there yet
                _parent(backend, rel)
                continue
            raise
        return True
    raise PublishError(errno.EIO, f"could not claim MFS {target}", target)


def _parent(backend: IpfsBackend, rel: str) -> None:
    backend.client().files.mkdir(backend.mfs_path(rel).rsplit("/", 1)[0], parents=True)


def place(backend: IpfsBackend, rel: str, cid: str) -> set[str]:
    """Make the entry at `rel` hold `cid`; the version it held is unpinned (see module doc).
    Returns the versions taken from `rel` (and released) on the way."""
    client = backend.client()
    target = backend.mfs_path(rel)
    taken: set[str] = set()
    for attempt in range(PLACE_ATTEMPTS):
        st = _stat(backend, rel)
        if st is not None and st.get("Type") == "directory":
            # Other workers' files under `rel/`: js-ipfs's `cp` would copy *into* the
            # folder (an entry named by the CID), kubo's refuses. A per-file error: the
            # write stays pending, with this reason.
            raise PublishError(errno.EISDIR, f"MFS {target} is a folder: a file cannot be "
                               "placed there", target)
        old = _file_cid(st)
        if old == cid:
            return taken
        if old is not None:
            old = _take(backend, rel)  # what was there when removed (see `_take`)
        if old is not None and old != cid:
            # Released even when the `cp` below loses a race: it left the namespace.
            release_pin(backend, old, besides=rel)
            taken.add(old)
        try:
            client.files.cp(f"/ipfs/{cid}", target)
        except _error_response() as exc:
            if missing(exc):
                _parent(backend, rel)
                continue
            text = str(exc).lower()
            if "already" in text or "exist" in text:
                # Another machine placed a version meanwhile: replace it again, after a
                # short random pause, so that of several machines replacing one path at
                # once one gets through (without it, five at once each lost its four
                # tries now and then: PublishError, pending until `sync`).
                time.sleep(random.uniform(0, PLACE_BACKOFF * (attempt + 1)))
                continue
            raise
        return taken
    raise PublishError(errno.EIO, f"could not place {cid} at MFS {target}", target)


def drop(backend: IpfsBackend, rel: str, cid: str) -> bool:
    """Remove the entry at `rel` only if it holds `cid` (a version this machine placed or
    knew), and unpin `cid`. False when the entry holds another version (or none)."""
    if entry_cid(backend, rel) != cid:
        return False
    taken = _take(backend, rel)
    if taken is None:
        return False
    if taken != cid:  # another machine placed a newer version meanwhile: it stays
        _restore(backend, rel, taken)
        return False
    release_pin(backend, cid, besides=rel)
    return True


def move(backend: IpfsBackend, src: str, dst: str, cid: str) -> bool:
    """Move the entry at `src` to `dst` when it holds `cid` (no upload: the content is in
    the node already); the version `dst` held is unpinned. False when `src` does not hold
    `cid` (the caller then publishes `dst` from its bytes).

    The source is taken aside first (`_aside`) and only the version actually taken is
    carried: another machine may pin a new version at `src` after our `stat`; that
    version is put back at `src` (it is newer than our rename) and never carried to
    `dst`. While the source is aside, `src` has no entry (a restore there finds none)."""
    if entry_cid(backend, src) != cid:
        return False
    with _aside(backend, src) as taken:
        if taken is None:
            return False  # removed meanwhile: the caller publishes `dst` by content
        if taken != cid:  # another machine's newer version: it stays where it was
            _restore(backend, src, taken)
            return False
        place(backend, dst, cid)  # from the node's blocks (the aside entry keeps them)
    return True


def discard(backend: IpfsBackend, rel: str, cid: str) -> None:
    """A pinned version this machine placed at `rel` goes: its entry (`drop`, if the entry
    still holds it) and, whatever the entry holds now, its pin (`release_pin`), so a
    placement that failed or was replaced by another machine leaves no orphan pin."""
    if not drop(backend, rel, cid):
        release_pin(backend, cid, besides=rel)


def release_pin(backend: IpfsBackend, cid: str, *, besides: str) -> None:
    """Unpin `cid` unless this machine holds it at a path other than `besides` (a path it
    only restored counts if the namespace still holds `cid` there). Under the
    index's lock on `cid` (`_locks.cid_lock`): a pinned publish of the same bytes at
    another path records its use and pins under that lock, so it cannot fall between
    this check and the unpin. The empty file's CID is never released: every claim holds
    it (see module doc), on any machine, and it costs nothing."""
    if cid == EMPTY_CID:
        return
    with cid_lock(backend, cid):
        if backend.index.cid_in_use(cid, besides=besides,
                                    verify=lambda rel: entry_cid(backend, rel) == cid):
            return
        try:
            backend.client().pin.rm(cid)
        except _error_response() as exc:  # not pinned (anymore): nothing to release
            log.debug("storage_runtime: unpinning %s: %s", cid, exc)
