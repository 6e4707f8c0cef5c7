"""The namespace side of renames and removals the program did through the runtime.

Called after the program's own call succeeded (`lifecycle.py`), with the paths it named:

- `renamed(src, dst)`: the destination is published and the source leaves the namespace;
  a file still open for writing (under its old name) is published when its last writer
  closes (`_writers`: the new name follows the old), never half written.
  When the source's published version is exactly the file now at the destination (same
  size, mtime and inode: a rename keeps them) and the pin does not change, nothing is
  uploaded: a pinned entry is moved in MFS (`_namespace.move`), a cache file's record is
  carried over. Otherwise the destination is published from its bytes. The source's entry is
  dropped only if it still holds the version this machine knew (see `_namespace`). A
  folder is handled file by file (the files now under the destination).
- `removed(path)`: the file's row becomes `gone` (this machine never restores it) and its
  namespace entry is dropped if it still holds the version this machine knew (its own
  pinned version, or the one it restored), so no other worker restores a file the program
  deleted; a newer version another worker pinned meanwhile stays.

Daemon down: the program's call is done; the destination stays pending and the drop is
owed (`Index.owed_drops`): `sync` completes both.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any

from storage_runtime import _namespace, _os_calls
from storage_runtime._index import IndexUnavailable
from storage_runtime._ipfs_errors import PublishError
from storage_runtime._publish import path_lock, publish_one

if TYPE_CHECKING:
    from storage_runtime._index import Row
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["canonical", "removed", "renamed"]


def canonical(path: Any) -> str:
    """`path` absolute, with its folder's symlinks resolved (the path itself may be gone)."""
    p = _os_calls.path.abspath(os.fsdecode(os.fspath(path)))
    return os.path.join(_os_calls.path.realpath(os.path.dirname(p)), os.path.basename(p))


def renamed(backend: IpfsBackend, src: Any, dst: Any, pin: bool | None) -> None:
    s, d = canonical(src), canonical(dst)
    if _os_calls.path.isdir(d) and not _os_calls.path.islink(d):
        for folder, _dirs, files in os.walk(d):
            for name in files:
                full = os.path.join(folder, name)
                _guarded(backend, _renamed_file, backend,
                         os.path.join(s, os.path.relpath(full, d)), full, pin)
        return
    _guarded(backend, _renamed_file, backend, s, d, pin)


def removed(backend: IpfsBackend, path: Any, *, tree: bool = False) -> None:
    p = canonical(path)
    root = backend.settings.root
    rel = "" if tree and p == root else backend.rel(p)
    if rel is None:
        return
    if tree:
        prefix = rel + "/" if rel else ""
        targets = [r.path for r in backend.index.rows()
                   if r.path == rel or r.path.startswith(prefix)]
    else:
        targets = [rel]
    for r in targets:
        if not _os_calls.path.lexists(os.path.join(root, *r.split("/"))):
            _guarded(backend, _removed_file, backend, r)


def _guarded(backend: IpfsBackend, fn: Any, *args: Any) -> None:
    """Run one namespace update; daemon trouble leaves it to `sync` (strict: raises)."""
    from storage_runtime._ipfs import trouble_types, warn_once

    try:
        fn(*args)
    except IndexUnavailable as exc:
        warn_once("index", "storage_runtime: %s; a rename or removal is not recorded", exc)
        if backend.settings.strict:
            raise
    except trouble_types() as exc:
        backend.note_trouble()
        warn_once("daemon", "storage_runtime: cannot update the namespace at %s (%s); "
                  "run `python -m storage_runtime sync`", backend.settings.api, exc)
        if backend.settings.strict:
            raise PublishError(f"updating the namespace failed (pending): {exc}") from exc


def _removed_file(backend: IpfsBackend, rel: str) -> None:
    if backend.index.mark_removed(rel) is not None:
        _drop_known(backend, rel)


def _drop_known(backend: IpfsBackend, rel: str) -> None:
    """Drop the entry at `rel` if it holds the version this machine knew there."""
    known = backend.index.entry(rel)
    if known is None:
        return
    with path_lock(backend, rel):
        row = backend.index.get(rel)
        if row is not None and row.state != "gone":
            return  # written again meanwhile: its own publish replaces the entry
        if known[1]:  # pinned here: its pin goes even if the entry holds another version
            _namespace.discard(backend, rel, known[0])
        else:
            _namespace.drop(backend, rel, known[0])
        backend.index.clear_entry(rel, known[0])


def _renamed_file(backend: IpfsBackend, src: str, dst: str, pin: bool | None) -> None:
    src_rel, dst_rel = backend.rel(src), backend.rel(dst)
    if src_rel is not None and src_rel == dst_rel:
        return
    if _os_calls.path.islink(dst):
        # A symlink was moved (over a file, or into a moved folder). Links are not in the
        # namespace (another worker restores what a link points to by its own path, as
        # after `os.symlink`): publishing `dst` uploaded a copy of its target's bytes at
        # this moment, which later writes through the target never updated (another
        # worker restored stale bytes, or a file outside the root). A file it replaced
        # here is gone here; so is the source's name.
        for rel, path in ((dst_rel, None), (src_rel, src)):
            if rel is not None and (path is None or not _os_calls.path.lexists(path)):
                _removed_file(backend, rel)
        return
    try:
        st = _os_calls.stat(dst)
    except OSError:
        st = None
    if dst_rel is None or st is None or not stat.S_ISREG(st.st_mode):
        # Moved out of the root, or to a secret name: gone here. Unless the source is
        # still there: the call that was to move it did not (a patched `os.rename` under
        # the standard library's own `shutil.move`), and it is not gone.
        if src_rel is not None and not _os_calls.path.lexists(src):
            _removed_file(backend, src_rel)
        return
    if src_rel is None or _os_calls.path.lexists(src):
        # Moved in from outside the root (a new file here), or the source is still there
        # (POSIX rename between two hard links of one file does nothing): publish only.
        before = backend.index.get(src_rel) if src_rel is not None else None
        backend.after_write(dst, pin=bool(before.pin if pin is None and before else pin))
        return
    index = backend.index
    before = index.get(src_rel)
    use_pin = bool(before.pin if pin is None and before is not None else pin)
    row, gen = index.move_row(src_rel, dst_rel, use_pin)
    if backend.writers.writing(src_rel):
        # Still open for writing under its old name (`os.replace` inside the `with`):
        # its bytes are not final, so it is published when its last writer closes, as
        # a file open under its own name would be (`Writers.follow`); a writer of another
        # process leaves it pending (the row `move_row` made) for `sync`.
        _drop_known(backend, src_rel)
        backend.writers.follow(src_rel, dst_rel)
        return
    if _carry_over(backend, row, src_rel, dst_rel, gen, use_pin, st):
        return
    _drop_known(backend, src_rel)
    _publish_or_defer(backend, dst, dst_rel, gen, use_pin)


def _carry_over(backend: IpfsBackend, row: Row | None, src_rel: str, dst_rel: str, gen: int,
                pin: bool, st: os.stat_result) -> bool:
    """Record `dst` from the source's publish without uploading; False when it cannot be
    (the file changed, the pin changes, the source's entry moved on, a writer has it)."""
    if (row is None or row.state != "published" or row.cid is None or row.pin != pin
            or (st.st_size, st.st_mtime_ns, st.st_ino) != (row.size, row.mtime_ns, row.ino)
            or backend.writers.busy(dst_rel)):
        return False
    index, cid = backend.index, row.cid
    record = {"cid": cid, "size": st.st_size, "pin": pin, "mtime_ns": st.st_mtime_ns,
              "ino": st.st_ino}
    with path_lock(backend, src_rel, dst_rel):
        current = index.get(dst_rel)
        if current is None or current.gen != gen:
            return True  # written again meanwhile: that close publishes it
        known_src = index.entry(src_rel)
        if pin:
            if known_src is None or known_src[0] != cid:
                return False
            if not _namespace.move(backend, src_rel, dst_rel, cid):
                return False
            # `dst` recorded before `src` is forgotten: `cid` is in use all along, so a
            # release of the same bytes elsewhere never finds it unused (`release_pin`).
            index.set_entry(dst_rel, cid, placed=True)
            index.clear_entry(src_rel, cid)
        else:
            known_dst = index.entry(dst_rel)
            if known_dst is not None and known_dst[1]:  # a cache file over our pinned one
                _namespace.discard(backend, dst_rel, known_dst[0])
                index.clear_entry(dst_rel)
        index.mark_published(dst_rel, gen, **record)  # type: ignore[arg-type]
    if not pin:
        _drop_known(backend, src_rel)
    return True


def _publish_or_defer(backend: IpfsBackend, path: str, rel: str, gen: int, pin: bool) -> None:
    """`IpfsBackend.after_write` for a row already marked pending at `gen`."""
    from storage_runtime._ipfs import trouble_types

    if not backend.settings.strict and backend._breaker.is_open():
        backend.defer(path, rel, gen, "daemon unreachable recently")
        return
    try:
        publish_one(backend, rel, gen, pin)
    except Exception as exc:  # whatever fails, the destination stays pending
        daemon = isinstance(exc, trouble_types()) and not isinstance(exc, IndexUnavailable)
        backend.defer(path, rel, gen, f"{type(exc).__name__}: {exc}", daemon=daemon)
        if backend.settings.strict:
            raise PublishError(f"publishing {path} failed (pending): {exc}") from exc
